//go:build ignore

/*
 * judge.c: the do-nothing NFQUEUE judge fastbench measures others against.
 *
 * usage: judge QUEUE [QUEUE_LEN [HOLD_MIB]]
 *
 * It binds NFQUEUE number QUEUE (0-65535) through libnetfilter_queue, asks
 * for whole packets (copy-packet mode), sets the queue length (default 4096)
 * and the fail-open flag, gives its netlink socket an 8 MiB receive buffer,
 * and accepts every packet at once. ENOBUFS (the socket buffer overflowed:
 * the kernel dropped or, with fail-open, let packets through unjudged) is
 * counted and reading goes on. SIGINT/SIGTERM end it with a one-line summary
 * on stderr; a bad argument or a failed setup exits 2 naming what failed.
 *
 * With HOLD_MIB (c-mem-load), before it binds the queue it allocates that
 * many MiB, writes a byte of every page, and leaves the memory idle: what
 * memory a judge holds, as spitfilter holds its recognizers, costs its
 * latency on the machine, with nothing else different.
 *
 * (The go:build line keeps the go command from taking this file for cgo.)
 *
 * Build: gcc -O2 -o judge judge.c -lnetfilter_queue -lnfnetlink
 * (Debian: libnetfilter-queue-dev, gcc).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define RCVBUF (8 << 20)

static volatile sig_atomic_t stop;
static unsigned long long packets;

static void on_signal(int sig) { (void)sig; stop = 1; }

static int judge(struct nfq_q_handle *qh, struct nfgenmsg *msg,
                 struct nfq_data *nfa, void *data)
{
	(void)msg;
	(void)data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	if (ph == NULL)
		return 0;
	packets++;
	return nfq_set_verdict(qh, ntohl(ph->packet_id), NF_ACCEPT, 0, NULL);
}

static unsigned long number(const char *what, const char *s, unsigned long max)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-') {
		fprintf(stderr, "judge: %s %s: want a number 0-%lu\n", what, s, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: judge QUEUE [QUEUE_LEN [HOLD_MIB]]\n");
		return 2;
	}
	uint16_t queue = (uint16_t)number("queue", argv[1], 65535);
	uint32_t qlen = argc >= 3 ? (uint32_t)number("queue length", argv[2], 1u << 20) : 4096;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: recv returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A signal while the memory is written or the queue bound waits
	 * until the receive loop, so it ends the judge cleanly there. */
	sigset_t stopping;
	sigemptyset(&stopping);
	sigaddset(&stopping, SIGINT);
	sigaddset(&stopping, SIGTERM);
	sigprocmask(SIG_BLOCK, &stopping, NULL);

	if (argc == 4) {
		size_t n = (size_t)number("memory to hold (MiB)", argv[3], 1u << 20) << 20;
		volatile char *held = malloc(n);
		if (n > 0 && held == NULL) {
			fprintf(stderr, "judge: hold %s MiB: %s\n", argv[3], strerror(errno));
			return 2;
		}
		long page = sysconf(_SC_PAGESIZE);
		for (size_t i = 0; i < n; i += (size_t)page)
			held[i] = 1;
	}

	struct nfq_handle *h = nfq_open();
	if (h == NULL) {
		fprintf(stderr, "judge: nfq_open: %s\n", strerror(errno));
		return 2;
	}
	struct nfq_q_handle *qh = nfq_create_queue(h, queue, judge, NULL);
	if (qh == NULL) {
		fprintf(stderr, "judge: bind queue %u: %s (is another judge on it? are you root?)\n",
		        queue, strerror(errno));
		return 2;
	}
	if (nfq_set_mode(qh, NFQNL_COPY_PACKET, 0xffff) < 0) {
		fprintf(stderr, "judge: queue %u: copy-packet mode: %s\n", queue, strerror(errno));
		return 2;
	}
	if (nfq_set_queue_maxlen(qh, qlen) < 0) {
		fprintf(stderr, "judge: queue %u: queue length %u: %s\n", queue, qlen, strerror(errno));
		return 2;
	}
	if (nfq_set_queue_flags(qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN) < 0) {
		fprintf(stderr, "judge: queue %u: fail-open flag: %s\n", queue, strerror(errno));
		return 2;
	}
	int fd = nfq_fd(h);
	int size = RCVBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) < 0) {
		fprintf(stderr, "judge: receive buffer %d bytes: %s\n", size, strerror(errno));
		return 2;
	}

	static char buf[1 << 16] __attribute__((aligned));
	unsigned long long enobufs = 0;
	int rc = 0;
	sigprocmask(SIG_UNBLOCK, &stopping, NULL);
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == ENOBUFS) {
				enobufs++;
				continue;
			}
			if (errno == EINTR)
				continue;
			fprintf(stderr, "judge: queue %u: recv: %s\n", queue, strerror(errno));
			rc = 1;
			break;
		}
		nfq_handle_packet(h, buf, (int)n);
	}
	fprintf(stderr, "judge: queue %u: %llu packets accepted, %llu ENOBUFS\n",
	        queue, packets, enobufs);
	nfq_destroy_queue(qh);
	nfq_close(h);
	return rc;
}
