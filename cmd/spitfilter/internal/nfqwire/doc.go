// Package nfqwire reads and writes the netlink messages of NFQUEUE
// (linux/netfilter/nfnetlink_queue.h) without allocating: the packet
// messages the kernel sends a queue's socket, and the verdicts, single and
// batched, that answer them.
//
// It is the daemon's hot path. go-nfqueue opens and configures the socket;
// reading packets and writing verdicts go through this package, because
// go-nfqueue allocates several buffers for every packet and every verdict.
// Nothing here touches a socket, so it builds and tests on any OS.
//
// Wire format, all of it from the kernel's uapi headers: a netlink header
// (struct nlmsghdr, host byte order), a struct nfgenmsg (family, version,
// big-endian queue number), then netlink attributes (struct nlattr, host
// byte order, values padded to 4 bytes) whose values NFQUEUE writes in
// network byte order.
package nfqwire
