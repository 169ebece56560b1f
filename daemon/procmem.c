/* procmem.c: resident memory from /proc/self/status. */
#include "procmem.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "Name:\t   123 kB" at the start of a line. */
static bool field_kb(const char *text, const char *name, uint64_t *out)
{
	size_t n = strlen(name);
	for (const char *p = text; *p;) {
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			char *end;
			unsigned long long v = strtoull(p + n + 1, &end, 10);
			if (end == p + n + 1)
				return false;
			*out = v;
			return true;
		}
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

bool procmem_parse(const char *text, struct procmem *m)
{
	memset(m, 0, sizeof(*m));
	field_kb(text, "RssAnon", &m->rss_anon_kb);
	field_kb(text, "VmHWM", &m->rss_peak_kb);
	return field_kb(text, "VmRSS", &m->rss_kb);
}

bool procmem_read(struct procmem *m)
{
	/* A fixed buffer and read(2), not stdio: no allocation, so the
	 * stats line can run in steady state. The file is about 1.5 KiB. */
	char buf[4096];
	memset(m, 0, sizeof(*m));
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t len = 0;
	ssize_t r;
	while (len < sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	return procmem_parse(buf, m);
}
