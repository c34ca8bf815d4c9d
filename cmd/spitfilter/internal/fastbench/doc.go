// Package fastbench is the rig that measures NFQUEUE judges on the fast
// path: what a judge adds to a packet's one-way latency, and the highest
// packet rate it passes without loss.
//
// The rig builds a lab of two network namespaces joined by a veth pair
// (198.18.0.1/30 in the sender's, 198.18.0.2/30 in the receiver's, the
// benchmarking range of RFC 2544). In the receiver's namespace one iptables
// rule sends UDP to port Port to NFQUEUE number Queue with --queue-bypass,
// and Port+1 has no rule: that second port is the baseline, the rig's own
// latency, measured beside every judge run at the same rate, so that
//
//	added latency (judge) = latency via the queue − latency of the baseline
//
// at the same percentile. Sender and receiver are goroutines locked to OS
// threads whose sockets were made inside the namespaces (setns). The sender
// paces RTP-shaped UDP packets (172 bytes of UDP payload: a 12-byte RTP
// header and 160 bytes, one 20 ms G.711 frame) with clock_nanosleep and a
// final busy-wait, writing its CLOCK_MONOTONIC send time into each packet;
// the receiver reads the same clock when recvmmsg returns.
//
// A judge is any command that binds the queue: its name and argv are given
// as "name=command args...", "{queue}" in the arguments is replaced by the
// queue number, and $SPITFILTER_BENCH_QUEUE carries it too. The rig starts
// it with "ip netns exec" in the receiver's namespace, waits until the
// queue shows a listener in /proc/net/netfilter/nfnetlink_queue, measures,
// then ends it with SIGTERM (SIGKILL after a grace period).
//
// A run is lossless when every packet arrived, the kernel's queue and
// socket counters show no drop, and every packet got a queue id, i.e. none
// passed unjudged through fail-open. The kernel accepts packets unjudged,
// without counting them, when a fail-open queue is full; the rig counts
// them as bypassed from the queue's id sequence and the judge socket's drops.
//
// Everything here needs root and a Linux kernel with nfnetlink_queue,
// iproute2 and iptables. Nothing is printed: progress goes to a
// *slog.Logger, results are returned.
package fastbench
