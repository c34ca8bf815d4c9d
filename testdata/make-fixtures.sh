#!/bin/sh
# Regenerates the committed captures in testdata/captures from synthesized
# speech. Needs go, flite (voice slt) and sox; every step is deterministic
# (fixed seeds, sox -D: no random dither), so rerunning gives the same bytes
# with the same tool versions. WAV intermediates stay in a temporary dir.
#
#   sh testdata/make-fixtures.sh
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/testdata/captures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$out"

(cd "$root" && go build -o "$tmp/capgen" ./testdata/capgen/cmd/capgen)

# say NAME TEXT: speak TEXT with flite's slt voice, resample to 8 kHz mono 16-bit.
say() {
	flite -voice slt -t "$2" -o "$tmp/$1-16k.wav"
	sox -D "$tmp/$1-16k.wav" -r 8000 -c 1 -b 16 "$tmp/$1.wav"
}

say spam "Congratulations, you have won a free cruise. Press one now to claim your prize."
say hello "Hello? Who is this?"
say ssa "This is the social security administration. Your number has been suspended."

# Two-way call: the callee says hello at once, the caller's message starts at
# 2 s; silences are sent as comfort noise; RTCP on both sides.
"$tmp/capgen" -wav "$tmp/spam.wav" -reply "$tmp/hello.wav" -lead 2s -pad-cn -rtcp \
	-pt 0 -link ethernet -format pcap -seed 1 -seq 1000 -ssrc 0x1a2b3c4d -reply-ssrc 0x5e6f7081 \
	-src 192.0.2.1:4000 -dst 192.0.2.2:30000 \
	-o "$out/call-pcmu.pcap" -truth "$out/call-pcmu.truth.json"

# One PCMA stream through a bad network, sequence numbers wrapping at packet 136.
"$tmp/capgen" -wav "$tmp/spam.wav" -pt 8 -loss 0.03 -dup 0.01 -reorder 0.01 -jitter 20 \
	-seq 65400 -seed 6 -ssrc 0x0badcafe -link sll2 -format pcapng \
	-src 192.0.2.1:4000 -dst 192.0.2.2:30000 \
	-o "$out/impaired-pcma.pcapng" -truth "$out/impaired-pcma.truth.json"

# 802.1Q-tagged IPv6: 1 s of comfort noise, DTMF 1 and 5, then the message at 2 s.
"$tmp/capgen" -wav "$tmp/ssa.wav" -lead 2s -cn 0s-1s -dtmf 1@1200ms,5@1500ms \
	-pt 0 -link vlan -format pcap -seed 3 -seq 30000 -ssrc 0x00c0ffee \
	-src "[2001:db8::1]:4000" -dst "[2001:db8::2]:30000" \
	-o "$out/vlan-ipv6.pcap" -truth "$out/vlan-ipv6.truth.json"

# call-pcmu.pcap cut 100 bytes into the 200th record (after its 16-byte
# record header): the record header promises more bytes than the file has.
off=24
i=0
while [ $i -lt 199 ]; do
	len=$(od -An -tu4 -j $((off + 8)) -N4 "$out/call-pcmu.pcap" | tr -d ' ')
	off=$((off + 16 + len))
	i=$((i + 1))
done
head -c $((off + 100)) "$out/call-pcmu.pcap" >"$out/truncated.pcap"

printf '%s\n' "This is not a packet capture." \
	"spitcheck must reject it with exit code 2 and a message naming this file." >"$out/not-a-capture.txt"

ls -l "$out"
