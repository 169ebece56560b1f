/* config_file.c: --config FILE, `key = value` lines over the option table.
 *
 *     # pktd.conf
 *     interface = eth0
 *     filter = udp port 53 or tcp port 53
 *     plugin = /usr/lib/pktd/plugins/dns.py
 *     plugin = /usr/lib/pktd/plugins/count.py   # list keys repeat
 *     quiet = true
 *
 * Keys are the long option names (config.h, options.c). A # starts a
 * comment when it begins the line or follows white space (so values such
 * as `ether host 0:1:2:3:4:5#x` are rare enough to need no quoting rules;
 * a value may be wrapped in double quotes to keep a # or outer spaces).
 * Blank lines are skipped; white space around key and value is trimmed.
 * A flag may be written alone (`quiet`) or with true/false. The file is
 * read whole into one buffer that the config keeps: values point into it. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define CONFIG_FILE_MAX (1u << 20)

static char *trim(char *s, char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = 0;
	return s;
}

/* Cut a trailing comment: a # at the start or after white space, outside
 * double quotes. */
static void cut_comment(char *s)
{
	bool quoted = false;
	for (char *p = s; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '#' && !quoted && (p == s || isspace((unsigned char)p[-1]))) {
			*p = 0;
			return;
		}
	}
}

static char *read_all(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "--config %s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(CONFIG_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, CONFIG_FILE_MAX + 1, f) : 0;
	bool bad = !buf || ferror(f);
	fclose(f);
	if (bad || n > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "--config %s: %s", path,
			 !buf ? "out of memory" : n > CONFIG_FILE_MAX ? "larger than 1 MiB" : "read error");
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

int config_read_file(struct config *c, const char *path, char *err, size_t errlen)
{
	char *text = read_all(path, err, errlen);
	if (!text)
		return -1;
	free(c->config_text);
	c->config_text = text;
	unsigned lineno = 0;
	char *line = text;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		char *next = nl ? nl + 1 : NULL;
		char *end = nl ? nl : line + strlen(line);
		*end = 0;
		lineno++;
		cut_comment(line);
		char *s = trim(line, line + strlen(line));
		line = next;
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		char *key, *value = NULL;
		if (eq) {
			key = trim(s, eq);
			value = trim(eq + 1, eq + 1 + strlen(eq + 1));
			size_t vl = strlen(value);
			if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
				value[vl - 1] = 0;
				value++;
			}
		} else {
			key = s;
		}
		if (!*key) {
			snprintf(err, errlen, "%s:%u: a line 'key = value' has no key", path, lineno);
			return -1;
		}
		if (strncmp(key, "--", 2) == 0)
			key += 2; /* tolerate "--snaplen = 96" */
		char why[256];
		if (config_apply(c, key, value, true, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			return -1;
		}
	}
	return 0;
}

void config_free(struct config *c)
{
	free(c->config_text);
	c->config_text = NULL;
}
