# spitfilter — build, test, benchmark.
#
#   make demo    install what is missing, build, run spitcheck on a sample capture
#   make test    install what is missing, vet, run every test (real tshark, sox, kernel)
#   make bench   benchmarks, with ratios against peers measured in the same run
#   make fuzz    run every fuzz target for FUZZTIME each

GO       ?= go
FUZZTIME ?= 20s
BENCHTIME ?= 1s
PKGS     := ./... ./testdata/capgen/... ./testdata/corpus/... ./testdata/voiplab/...

# Debian packages the build, the tests and the demo use.
APT_PACKAGES := tshark sox libsox-fmt-all flite espeak-ng iproute2 iptables \
	pkg-config gcc binutils libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us \
	pocketsphinx-testdata pocketsphinx libnetfilter-queue-dev \
	kamailio rtpengine-daemon baresip-core tcpdump python3

.PHONY: all build deps demo test test-short bench bench-capture bench-accuracy bench-fastpath bench-capacity fuzz lint fixtures clean

all: build

build:
	@mkdir -p bin
	$(GO) build -trimpath -o bin/ ./cmd/spitcheck ./cmd/spitfilter

# deps installs the Debian packages that are missing (needs root, as in CI).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && trap 'rm -f /usr/sbin/policy-rc.d' EXIT; fi; \
		apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
		if [ -d /run/systemd/system ]; then systemctl disable --now kamailio rtpengine-daemon 2>/dev/null || true; fi; \
	fi
	@command -v npm >/dev/null || { apt-get update -q && apt-get install -y -q --no-install-recommends npm; }
	@bash spotter/vosk/install-libvosk.sh

demo: deps build
	./bin/spitcheck testdata/captures/call-pcmu.pcap; test $$? -le 1
	./bin/spitcheck --word "free cruise" --word "press 1" testdata/captures/impaired-pcma.pcapng; test $$? -le 1
	bash testdata/voiplab/run.sh spam
	bash testdata/voiplab/run.sh clean

test: deps
	$(GO) vet $(PKGS)
	$(GO) test -count=1 $(PKGS)

test-short:
	$(GO) test -short $(PKGS)

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

# bench-accuracy: phrase recall, false alarms and real-time factor of spitcheck's
# engines and modes against CMU's pocketsphinx_continuous on the generated corpus.
bench-accuracy: deps build
	$(GO) run ./testdata/corpus/cmd/accuracy -spitcheck bin/spitcheck

# bench-fastpath (root): NFQUEUE judges in one pair of network namespaces: a
# do-nothing libnetfilter_queue judge, a naive go-nfqueue judge and spitfilter
# with detection on. Lossless packets/s and added one-way latency at 10k and
# 40k packets/s, in ten interleaved rounds (medians and ranges first, then the
# paired differences pooled over the rounds, each round after); -idle-load adds
# the C judge beside a SCHED_IDLE CPU load. About 25 minutes: on a noisy VM
# fewer rounds are swayed by one stretch of host stalls (README). On a busy
# machine add -rt=50 to FASTBENCH_FLAGS.
FASTBENCH_FLAGS ?= -rounds 10 -idle-load
bench-fastpath: deps build
	$(GO) build -o bin/fastbench ./cmd/spitfilter/internal/fastbench/cmd/fastbench
	./bin/fastbench $(FASTBENCH_FLAGS) -judge 'spitfilter=bin/spitfilter run --queue {queue} --config cmd/spitfilter/internal/fastbench/testdata/spitfilter-bench.yaml' > bin/bench-fastpath.md
	cat bin/bench-fastpath.md

# bench-capacity: concurrent calls one analysis worker (one core) analyses in real time per
# mode, and phrase end -> first muted packet p50/p95 at 70 % of that load, in-process and
# through NFQUEUE (root). About 8 minutes on a quiet machine.
bench-capacity: deps
	SPITFILTER_CORPUS_DIR=$${SPITFILTER_CORPUS_DIR:-$${TMPDIR:-/tmp}/spitfilter-corpus} $(GO) test -count=1 -run '^$$' \
		-bench '^BenchmarkAnalysisCapacity$$' -benchtime 1x -timeout 20m -v ./cmd/spitfilter -capacity
	SPITFILTER_CORPUS_DIR=$${SPITFILTER_CORPUS_DIR:-$${TMPDIR:-/tmp}/spitfilter-corpus} $(GO) test -count=1 \
		-run '^TestKernelDetectToMute$$' -v ./cmd/spitfilter -capacity

fuzz:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(PKGS)

fixtures:
	bash testdata/make-fixtures.sh

clean:
	rm -rf bin
