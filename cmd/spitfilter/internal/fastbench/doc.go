// Package fastbench is the rig that measures NFQUEUE judges on the fast
// path: what a judge adds to a packet's one-way latency, and the highest
// packet rate it passes without loss.
//
// The rig builds a lab of two network namespaces joined by a veth pair
// (198.18.0.1/30 in the sender's, 198.18.0.2/30 in the receiver's, the
// benchmarking range of RFC 2544), with static neighbour entries. In the
// receiver's namespace one iptables rule sends UDP to port Port from source
// port Port+1 to NFQUEUE number Queue with --queue-bypass; packets from
// Port+2 match no rule. Those are the baseline, the rig's own latency: in
// every latency run each packet number goes out twice, queued and
// baseline back to back, so both see the same moment of a noisy machine, and
//
//	added latency (judge) = latency via the queue − latency of the baseline
//
// at the same percentile. Sender and receiver are goroutines locked to OS
// threads whose sockets were made inside the namespaces (setns). The sender
// paces RTP-shaped UDP packets (172 bytes of UDP payload: a 12-byte RTP
// header and 160 bytes, one 20 ms G.711 frame) with clock_nanosleep
// (absolute, 1 ns timer slack) and an optional final busy-wait (Spin),
// sending whatever is due with sendmmsg and writing its CLOCK_MONOTONIC send
// time into each packet; the receiver reads the same clock when recvmmsg
// returns. The lossless-rate search sends queued packets only (the rig's
// own ceiling is searched with baseline packets only): it doubles the rate
// from 10000 packets/s until a run is not lossless, then bisects.
//
// A judge is any command that binds the queue: its name and argv are given
// as "name=command args...", "{queue}" in the arguments is replaced by the
// queue number, and $SPITFILTER_BENCH_QUEUE carries it too. The rig starts
// it with "ip netns exec" in the receiver's namespace, waits until the
// queue shows a listener in /proc/net/netfilter/nfnetlink_queue, measures,
// then ends it with SIGTERM (SIGKILL after a grace period).
//
// A judge with IdleLoad (the built-in "c-idle-load", fastbench -idle-load:
// the C judge) is measured with one busy process per CPU spinning at
// SCHED_IDLE (chrt -i 0) beside it: work that takes every spare moment of
// the CPUs and yields at once to everything else, as spitfilter's analysis
// does when it cannot keep up. Beside the plain C judge, it shows what
// sharing the CPUs alone costs a judge's latency.
//
// The built-in "c-mem-load" (fastbench -mem-load MiB) is the C judge
// holding that much memory of its own, written once and left idle, as
// spitfilter holds recognizers it is not using. Beside the plain C judge,
// it shows what memory a judge holds alone costs its latency (on a guest
// here, a great deal).
//
// A run is lossless when every packet arrived, the kernel's queue and
// socket counters show no drop, and every packet got a queue id, i.e. none
// passed unjudged through fail-open. The kernel accepts packets unjudged,
// without counting them, when a fail-open queue is full; the rig counts
// them as bypassed from the queue's id sequence and the judge socket's drops.
//
// On a noisy machine (hypervisor stalls of 100 ms) one Bench does not rank
// judges: the same judge's lossless rate can vary by a factor of two from
// one run to the next. Bench can be run several times in a row (rounds,
// fastbench -rounds N), each round measuring every judge in turn so the
// judges interleave in time; WriteSummary then gives, per judge, the median
// and range over the rounds of the lossless rate and of the paired p99 at
// each rate, and of the ratios to the reference judge, each ratio taken
// within one round; and the paired differences of every round pooled, per
// judge and rate, with the ratio of the pooled p99 to the reference's. A
// burst of host stalls that hits one judge's run moves that round's ratio
// a lot, and the median of a few rounds with it; in the pool it weighs as
// many packets as it delayed.
//
// Everything here needs root and a Linux kernel with nfnetlink_queue,
// iproute2 and iptables. Nothing is printed: progress goes to a
// *slog.Logger, results are returned.
package fastbench
