#!/bin/bash
# A real SIP call through "spitfilter run", on one Linux machine (root).
#
#   vl-caller (baresip, plays a WAV)  --SIP/RTP-->  vl-media (kamailio + rtpengine, userspace,
#                                                     NFQUEUE rule -> spitfilter run)
#                                                   --SIP/RTP-->  vl-callee (baresip, auto-answer, records)
#
# Usage: run.sh [spam|clean|all|teardown]   (default: all = spam then clean, one lab setup)
#   spam  : the caller plays a message with "car warranty": spitfilter must detect it and mute
#           the caller's stream; the callee hears the start of the message, then silence.
#   clean : a message without a banned phrase: no detection, the callee hears all of it.
# Exit 0 when every call went as expected, 1 otherwise, 2 on a usage or setup error.
#
# Environment: SPITFILTER (default: <repo>/bin/spitfilter), WORK (work dir, default
# $TMPDIR/voiplab), ENGINE (default pocketsphinx), ACTION (default mute; the checks expect
# mute), ANALYSIS_PRIORITY (spitfilter run --analysis-priority, default idle), ASR=0 skips
# the transcripts.
# Adapted from /work/shared/recipes/voip-lab (see README.md). Every run tears down
# leftovers of an earlier run first and again at exit, also on failure and on INT/TERM.
set -u
D=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$D/../.." && pwd)
SPITFILTER=${SPITFILTER:-$ROOT/bin/spitfilter}
ENGINE=${ENGINE:-pocketsphinx}
ACTION=${ACTION:-mute}
ANALYSIS_PRIORITY=${ANALYSIS_PRIORITY:-idle}
W=${WORK:-${TMPDIR:-/tmp}/voiplab}
P=$W/pids
NS_C=vl-caller NS_M=vl-media NS_E=vl-callee   # not sp-*: the recipe's lab may run beside us
MEDIA_IP=10.77.0.1            # SIP + RTP address of the media/proxy namespace (on its lo)
CALLER_IP=10.77.1.2 CALLEE_IP=10.77.2.2
RTP_MIN=30000 RTP_MAX=30100
QUEUE=5
PHRASE="car warranty"
SPAM_TEXT="Hello, this is an important message about your car warranty. Your coverage is about to expire. Please stay on the line to speak with an agent."
CLEAN_TEXT="Hello, this is a reminder from the dental office about your appointment on Tuesday morning. Please call us back if you need to change the time. Thank you and goodbye."
PY=/usr/bin/python3
ASR_OPTS="-remove_noise no"   # pocketsphinx's noise removal eats flite+G.711 speech
T0=$(date +%s.%N)

log() { printf '[%6.2fs] %s\n' "$(awk -v a="$(date +%s.%N)" -v b="$T0" 'BEGIN{print a-b}')" "$*"; }

usage() { echo "usage: $0 [spam|clean|all|teardown]" >&2; exit 2; }
mode=${1:-all}
case $mode in
	spam|clean) scen=$mode ;;
	all) scen="spam clean" ;;
	teardown) scen="" ;;
	*) usage ;;
esac
[ "$(id -u)" = 0 ] || { echo "$0: needs root (network namespaces, iptables, NFQUEUE)" >&2; exit 2; }
missing=""
for t in ip iptables kamailio rtpengine baresip flite sox tcpdump tshark pocketsphinx_continuous python3 flock; do
	command -v $t >/dev/null || missing="$missing $t"
done
[ -z "$missing" ] || { echo "$0: missing tools:$missing (run: make deps)" >&2; exit 2; }
[ -n "$scen" ] && [ ! -x "$SPITFILTER" ] && { echo "$0: $SPITFILTER: not built (run: make build, or set SPITFILTER)" >&2; exit 2; }
mkdir -p "$W" "$P" || exit 2
# one lab at a time: the namespace names are global
{ exec 9>/run/lock/spitfilter-voiplab.lock; } 2>/dev/null || exec 9>"${TMPDIR:-/tmp}/spitfilter-voiplab.lock"
flock -w 180 9 || { echo "$0: another voiplab run holds the lock for more than 180 s" >&2; exit 2; }

# ---------------------------------------------------------------- process helpers
# start_bg NAME NETNS CMD... : run in netns, remember PID (ip netns exec execs, so $! is the program)
start_bg() {
	local name=$1 ns=$2; shift 2
	ip netns exec "$ns" "$@" >"$W/$name.log" 2>&1 </dev/null &
	echo $! >"$P/$name.pid"
}
# stop_pid NAME [GRACE] : stop the PID from our pidfile, only if its cmdline is still ours.
# baresip needs TWO signals: the 1st starts a graceful stop that waits for SIP transaction timers
# (up to 32 s), the 2nd makes it exit at once.  KILL only as a last resort.
# GRACE = tenths of a second before the 2nd TERM (default 10).
stop_pid() {
	local name=$1 f=$P/$1.pid pid i grace=${2:-10}
	[ -f "$f" ] || return 0
	pid=$(cat "$f"); rm -f "$f"
	[ -n "$pid" ] && [ -r /proc/$pid/cmdline ] || return 0
	case "$(tr '\0' ' ' </proc/$pid/cmdline)" in
		*rtpengine*|*kamailio*|*baresip*|*tcpdump*|*spitfilter*) ;;
		*) return 0 ;;   # PID reused by something that is not ours: leave it alone
	esac
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq $grace); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 40); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
}
# stop_spitfilter : one SIGTERM by PID, then wait for the daemon to write its stop event
stop_spitfilter() {
	local f=$P/spitfilter.pid pid i
	[ -f "$f" ] || return 0
	pid=$(cat "$f"); rm -f "$f"
	[ -r /proc/$pid/cmdline ] && tr '\0' ' ' </proc/$pid/cmdline | grep -q spitfilter || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	log "WARNING: spitfilter (pid $pid) ignored SIGTERM for 10 s; killing it"
	kill -KILL "$pid" 2>/dev/null
}
# instantiate NAME : copy a baresip config dir into the work dir, pointing it at the work dir
instantiate() {
	rm -rf "$W/$1"; cp -r "$D/$1" "$W/$1"; sed -i "s#@WORK@#$W#g" "$W/$1/config"
}
wait_for() {   # wait_for TIMEOUT_S CMD... : poll every 0.1 s
	local t=$1 i; shift
	for i in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

# ---------------------------------------------------------------- teardown / setup
teardown() {
	mkdir -p "$P"
	local n w="" ns pid
	stop_spitfilter
	for n in caller tcpdump callee kamailio rtpengine; do stop_pid $n & w="$w $!"; done
	wait $w
	# anything still running inside our namespaces was started by an earlier run of this script
	# (whose pidfiles were in another WORK): stop it by PID before the namespaces go
	for ns in $NS_C $NS_M $NS_E; do
		[ -e /var/run/netns/$ns ] || continue
		for pid in $(ip netns pids $ns 2>/dev/null); do kill -TERM $pid 2>/dev/null; done
	done
	for ns in $NS_C $NS_M $NS_E; do
		[ -e /var/run/netns/$ns ] || continue
		for pid in $(ip netns pids $ns 2>/dev/null); do
			for n in $(seq 20); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
			kill -KILL $pid 2>/dev/null
		done
		ip netns del $ns
	done
	return 0
}

# sox -D everywhere: no random dither, so the WAVs (and the ASR transcripts) are byte-for-byte reproducible
make_wavs() {
	local sc txt
	for sc in spam clean; do
		[ -s $W/$sc-8k.wav ] && [ -s $W/$sc-ref.txt ] && continue
		if [ $sc = spam ]; then txt=$SPAM_TEXT; else txt=$CLEAN_TEXT; fi
		flite -voice rms -t "$txt" -o $W/$sc-raw.wav
		sox -D $W/$sc-raw.wav -r 8000 -c 1 -b 16 -e signed-integer $W/$sc-8k.wav
		# reference: the sent audio after a local G.711 u-law round trip (what the callee should get)
		sox -D $W/$sc-8k.wav -e u-law -t wav - | sox -D - -e signed -b 16 -r 16000 $W/$sc-16k-ulaw.wav
		pocketsphinx_continuous -infile $W/$sc-16k-ulaw.wav $ASR_OPTS 2>/dev/null >$W/$sc-ref.txt
		# where the phrase's last word ends in the sent message (keyword spotting, with times)
		pocketsphinx_continuous -infile $W/$sc-16k-ulaw.wav $ASR_OPTS -time yes \
			-keyphrase "${PHRASE##* }" -kws_threshold 1e-10 2>/dev/null |
			awk -v w="${PHRASE##* }" '$1==w && NF==4 {print $3; exit}' >$W/$sc-phrase-end.txt
	done
	if [ ! -s $W/callee8k.wav ]; then
		flite -voice rms -t "This is the callee. I can hear you. Goodbye." -o $W/callee_raw.wav
		# pad with 30 s of silence so the callee's source never hits EOF during the call
		sox -D $W/callee_raw.wav -r 8000 -c 1 -b 16 -e signed-integer $W/callee8k.wav pad 0 30
	fi
}

setup_net() {
	ip netns add $NS_C && ip netns add $NS_M && ip netns add $NS_E || return 1
	ip link add vl-c0 type veth peer name vl-mc || return 1
	ip link add vl-e0 type veth peer name vl-me || return 1
	ip link set vl-c0 netns $NS_C name c0
	ip link set vl-mc netns $NS_M name mc
	ip link set vl-e0 netns $NS_E name e0
	ip link set vl-me netns $NS_M name me
	for ns in $NS_C $NS_M $NS_E; do ip -n $ns link set lo up; done
	ip -n $NS_C addr add $CALLER_IP/24 dev c0; ip -n $NS_C link set c0 up
	ip -n $NS_C route add default via 10.77.1.1
	ip -n $NS_E addr add $CALLEE_IP/24 dev e0; ip -n $NS_E link set e0 up
	ip -n $NS_E route add default via 10.77.2.1
	ip -n $NS_M addr add 10.77.1.1/24 dev mc
	ip -n $NS_M addr add 10.77.2.1/24 dev me
	ip -n $NS_M addr add $MEDIA_IP/32 dev lo
	ip -n $NS_M link set mc up; ip -n $NS_M link set me up
	# vl-media does NOT forward: caller and callee can only talk to 10.77.0.1, so every RTP
	# packet goes through rtpengine's sockets (the INPUT path, where the NFQUEUE rule is).
	ip netns exec $NS_M sysctl -qw net.ipv4.ip_forward=0
}

setup() {
	teardown
	rm -rf $W/rec-caller $W/rec-callee $W/kamrun $W/*.log   # res-MODE: each call clears its own
	mkdir -p $W/rec-caller $W/rec-callee $W/kamrun $P
	make_wavs || { log "making the WAVs failed"; return 1; }
	setup_net || { log "network namespaces failed"; return 1; }
	log "netns ready"
	start_bg rtpengine $NS_M rtpengine --config-file=none --foreground --log-stderr --log-level=6 \
		--table=-1 --interface=$MEDIA_IP --listen-ng=127.0.0.1:2223 \
		--port-min=$RTP_MIN --port-max=$RTP_MAX --num-threads=2 --delete-delay=0
	wait_for 10 sh -c "ip netns exec $NS_M ss -lun | grep -q 127.0.0.1:2223" || { log "rtpengine did not start: $(tail -3 $W/rtpengine.log)"; return 1; }
	start_bg kamailio $NS_M kamailio -f $D/kamailio.cfg -DD -E -m 64 -M 8 -Y $W/kamrun
	wait_for 10 sh -c "ip netns exec $NS_M ss -lun | grep -q $MEDIA_IP:5060" || { log "kamailio did not start: $(tail -3 $W/kamailio.log)"; return 1; }
	log "rtpengine + kamailio up"
	instantiate baresip-callee
	start_bg callee $NS_E baresip -f $W/baresip-callee
	wait_for 10 grep -q 'callee@10.77.0.1: {0/UDP/v4} 200 OK' $W/callee.log || { log "callee did not register"; return 1; }
	log "callee registered"
}

# ---------------------------------------------------------------- spitfilter
flush_rules() {   # every table of vl-media (the namespace is ours alone)
	local t
	for t in filter mangle raw; do ip netns exec $NS_M iptables -t $t -F; ip netns exec $NS_M ip6tables -t $t -F; done 2>/dev/null
}
# start_filter R : the NFQUEUE rule "spitfilter rules" prints, then "spitfilter run" in vl-media
start_filter() {
	local R=$1 line
	flush_rules
	"$SPITFILTER" rules --rtp-ports $RTP_MIN-$RTP_MAX --queue $QUEUE >$R/rules.txt || { log "spitfilter rules failed"; return 1; }
	# its iptables line(s), as printed (-I INPUT ... -j NFQUEUE --queue-num 5 --queue-bypass;
	# the table is the one "rules" chooses)
	while read -r line; do
		# shellcheck disable=SC2086
		ip netns exec $NS_M $line || { log "rule failed: $line"; return 1; }
	done < <(grep -E '^ip6?tables ' $R/rules.txt)
	grep -q -- '--queue-bypass' $R/rules.txt || { log "the printed rule has no --queue-bypass"; return 1; }
	# pure counting rules (no -j) in front: RTP traverses vl-media's INPUT and OUTPUT hooks
	ip netns exec $NS_M iptables -I INPUT  -p udp --dport $RTP_MIN:$RTP_MAX -m comment --comment rtp-in-count
	ip netns exec $NS_M iptables -A OUTPUT -p udp --sport $RTP_MIN:$RTP_MAX -m comment --comment rtp-out-count
	ip netns exec $NS_M iptables-save >$R/iptables-rules.txt
	sed -e "s#@EVENTS@#$R/events.jsonl#" -e "s#@ENGINE@#$ENGINE#" -e "s#@QUEUE@#$QUEUE#" -e "s#@ACTION@#$ACTION#" \
		-e "s#@PORTS@#$RTP_MIN-$RTP_MAX#" $D/spitfilter.yaml >$R/spitfilter.yaml
	"$SPITFILTER" check-config --config $R/spitfilter.yaml >$R/check-config.txt 2>&1 ||
		{ log "check-config: $(cat $R/check-config.txt)"; return 1; }
	start_bg spitfilter $NS_M "$SPITFILTER" run --config $R/spitfilter.yaml --analysis-priority "$ANALYSIS_PRIORITY"
	# ready: its queue is open; recognizers ready: the spare recognizers,
	# made beside the open queue, wait for the call
	wait_for 60 grep -q 'msg="recognizers ready"' $W/spitfilter.log ||
		{ log "spitfilter did not get ready: $(tail -3 $W/spitfilter.log)"; return 1; }
	log "spitfilter running in $NS_M (pid $(cat $P/spitfilter.pid)), queue $QUEUE, $(grep -o 'engine=[^ ]*' $W/spitfilter.log | head -1)"
}

# ---------------------------------------------------------------- one call
call() {   # call SCENARIO
	local sc=$1 R=$W/res-$1
	rm -rf $R; mkdir -p $R
	start_filter $R || return 1
	start_bg tcpdump $NS_M tcpdump -i any -n -U --immediate-mode -s 0 -Z root -w $R/media.pcap udp
	wait_for 5 grep -q 'listening on' $W/tcpdump.log
	rm -f $W/rec-caller/* $W/rec-callee/*
	cp $W/$sc-8k.wav $W/speech8k.wav   # the caller's microphone
	local off=$(stat -c %s $W/callee.log)
	log "[$sc] dialing"
	instantiate baresip-caller
	start_bg caller $NS_C baresip -f $W/baresip-caller -t 40 -e "/dial sip:callee@$MEDIA_IP"
	wait_for 10 grep -q 'Call established' $W/caller.log && log "[$sc] call established"
	# the caller hangs up by itself when its WAV source reaches EOF (~10 s of speech)
	wait_for 35 grep -q 'terminated (duration' $W/caller.log || log "[$sc] WARNING: call did not end in time"
	log "[$sc] call ended"
	wait_for 5 sh -c "tail -c +$((off + 1)) $W/callee.log | grep -q 'terminated (duration'"
	sleep 0.3
	local w1 w2
	stop_pid caller 1 & w1=$!
	stop_pid tcpdump & w2=$!
	wait $w1 $w2
	stop_spitfilter
	ip netns exec $NS_M iptables-save -c >$R/iptables-counters.txt
	flush_rules
	mv $W/caller.log $W/tcpdump.log $W/spitfilter.log $R/ 2>/dev/null
	tail -c +$((off + 1)) $W/callee.log >$R/callee.log   # this call's part of the callee log
	cp $W/rec-callee/*-dec.wav $R/callee-heard.wav 2>/dev/null
	cp $W/rec-caller/*-dec.wav $R/caller-heard.wav 2>/dev/null
	cp $W/$sc-8k.wav $R/sent.wav
	analyse $sc
}

analyse() {
	local sc=$1 R=$W/res-$1 ok=1 fwd q det enf nmuted nout pend t0 tm
	# iptables-save -c: "[packets:bytes] -A INPUT ... -j NFQUEUE ..." (in whichever table "rules" chose)
	q=$(sed -n 's/^\[\([0-9]*\):.*-j NFQUEUE.*/\1/p' $R/iptables-counters.txt | awk '{s += $1} END {print s+0}')
	# RTP rtpengine -> callee, and how many of those carry an all-0xFF (u-law silence) payload
	# rtpengine relays PCMU untouched (same SSRC, sequence, timestamp), so a packet to the callee is
	# "muted" when its payload is all 0xFF (u-law silence) but the caller's packet was not.
	# t0: the caller's first packet (captured before the INPUT hook); tm: the first muted packet.
	tshark -r $R/media.pcap -o rtp.heuristic_rtp:TRUE -Y "rtp && rtp.p_type==0" \
		-T fields -e frame.time_epoch -e ip.src -e ip.dst -e rtp.ssrc -e rtp.seq -e rtp.payload 2>/dev/null >$R/rtp.txt
	read -r nout nmuted t0 tm < <(awk -v c=$CALLER_IP -v m=$MEDIA_IP -v e=$CALLEE_IP '
		{ p = $6; gsub(":", "", p); ff = (p ~ /^(ff)+$/) }
		$2==c && $3==m { if (t0 == "") t0 = $1; if (ff) sil[$4 " " $5] = 1 }
		$2==m && $3==e { n++; if (ff && !(($4 " " $5) in sil)) { k++; if (tm == "") tm = $1 } }
		END { print n+0, k+0, (t0 == "" ? "-" : t0), (tm == "" ? "-" : tm) }' $R/rtp.txt)
	[ "$t0" = - ] && t0=""; [ "$tm" = - ] && tm=""
	det=$(grep -c '"type":"detection"' $R/events.jsonl)
	enf=$(grep -c '"type":"enforce_start"' $R/events.jsonl)
	pend=$(cat $W/$sc-phrase-end.txt 2>/dev/null)
	fwd=$($PY $D/wavcheck.py $R/sent.wav $R/callee-heard.wav 2>&1); echo "$fwd" >$R/wavcheck.txt
	$PY $D/mutecheck.py $R/sent.wav $R/callee-heard.wav $R/events.jsonl --phrase-end "${pend:-}" \
		--stream-start "${t0:-}" --first-muted "${tm:-}" >$R/mutecheck.txt 2>&1
	log "[$sc] RTP: NFQUEUE rule hits=$q; rtpengine->callee PCMU packets=$nout, muted by spitfilter (0xFF, sent as speech)=$nmuted"
	log "[$sc] spitfilter events: $det detection(s), $enf enforce_start"
	grep -E '"type":"(detection|enforce_start)"' $R/events.jsonl | sed 's/^/          /'
	sed 's/^/          /' $R/mutecheck.txt
	log "[$sc] wavcheck (sent vs heard): $(echo "$fwd" | grep -E 'corr|VERDICT' | tr '\n' ' ')"
	if [ "${ASR:-1}" = 1 ] && [ -s $R/callee-heard.wav ]; then
		sox -D $R/callee-heard.wav -r 16000 $R/callee-heard-16k.wav 2>/dev/null
		pocketsphinx_continuous -infile $R/callee-heard-16k.wav $ASR_OPTS 2>/dev/null >$R/asr.txt
		log "[$sc] pocketsphinx, sent  : $(tr '\n' ' ' <$W/$sc-ref.txt)"
		log "[$sc] pocketsphinx, heard : $(tr '\n' ' ' <$R/asr.txt)"
	fi
	[ "$q" -gt 400 ] || ok=0
	case $sc in
		spam)
			[ "$det" -ge 1 ] && [ "$enf" -ge 1 ] || ok=0
			grep '"type":"detection"' $R/events.jsonl | grep -q "\"rule\":\"$PHRASE\"" || ok=0
			[ "$nmuted" -gt 100 ] || ok=0
			grep -q '^RESULT: muted' $R/mutecheck.txt || ok=0 ;;
		clean)
			[ "$det" -eq 0 ] && [ "$enf" -eq 0 ] && [ "$nmuted" -eq 0 ] || ok=0
			echo "$fwd" | grep -q PRESENT || ok=0 ;;
	esac
	if [ $ok = 1 ]; then log "[$sc] RESULT: as expected"; else log "[$sc] RESULT: UNEXPECTED (files in $R)"; FAIL=1; fi
}

# ---------------------------------------------------------------- main
FAIL=0
if [ "$mode" = teardown ]; then teardown; log "torn down"; exit 0; fi
trap 'teardown' EXIT
trap 'exit 130' INT TERM
setup || { log "setup failed"; exit 2; }
for s in $scen; do call $s || { log "[$s] RESULT: UNEXPECTED (the call could not be set up)"; FAIL=1; }; done
teardown; trap - EXIT
log "done in $(awk -v a="$(date +%s.%N)" -v b="$T0" 'BEGIN{printf "%.1f", a-b}') s, results in $W/res-*"
exit $FAIL
