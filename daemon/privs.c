/* privs.c: drop root privileges (setgroups/initgroups, setgid, setuid), as tcpdump -Z does. */
#define _GNU_SOURCE
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int privs_drop(const char *user, char *err, size_t errlen)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		char *end;
		unsigned long uid = strtoul(user, &end, 10);
		if (*user && !*end)
			pw = getpwuid((uid_t)uid);
	}
	if (!pw) {
		snprintf(err, errlen, "-Z %s: no such user%s%s", user, errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	char *name = strdup(pw->pw_name);
	if (!name) {
		snprintf(err, errlen, "-Z %s: out of memory", user);
		return -1;
	}
	/* Groups first: after setuid() we could no longer change them. */
	int rc = initgroups(name, gid);
	if (rc < 0)
		rc = setgroups(1, &gid);
	if (rc < 0) {
		snprintf(err, errlen, "-Z %s: setting the groups: %s", user, strerror(errno));
		free(name);
		return -1;
	}
	free(name);
	if (setresgid(gid, gid, gid) < 0) {
		snprintf(err, errlen, "-Z %s: setgid(%u): %s", user, (unsigned)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) < 0) {
		snprintf(err, errlen, "-Z %s: setuid(%u): %s", user, (unsigned)uid, strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "-Z %s: root could be regained after dropping privileges", user);
		return -1;
	}
	return 0;
}
