/* udp-blast.c: send UDP datagrams at a fixed rate for the live-rate measurement
 * (scripts/live-rate.py). sendmmsg in batches of up to 64, paced on the
 * monotonic clock; prints "sent rate_achieved".
 *   udp-blast HOST PORT RATE SECONDS [SIZE] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: udp-blast HOST PORT RATE SECONDS [SIZE]\n");
		return 2;
	}
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1)
		return 2;
	double rate = atof(argv[3]), secs = atof(argv[4]);
	size_t size = argc > 5 ? (size_t)atoi(argv[5]) : 18;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int sndbuf = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	static char data[65536];
	memset(data, 'b', sizeof(data));
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = data;
		iov[i].iov_len = size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
	}
	unsigned long long sent = 0;
	double t0 = now_s(), t;
	while ((t = now_s()) - t0 < secs) {
		double due = (t - t0) * rate - (double)sent;
		if (due < 1) {
			struct timespec ns = { 0, 20000 };
			nanosleep(&ns, NULL);
			continue;
		}
		unsigned n = due > BATCH ? BATCH : (unsigned)due;
		int k = sendmmsg(fd, msgs, n, 0);
		if (k > 0)
			sent += (unsigned long long)k;
	}
	printf("%llu %.0f\n", sent, (double)sent / (now_s() - t0));
	return 0;
}
