/* privs.h: -Z USER, giving up root before any plugin code runs. */
#ifndef PKTD_PRIVS_H
#define PKTD_PRIVS_H

#include <stddef.h>

/* Become `user` (name or numeric uid): supplementary groups (initgroups),
 * then the group, then the user; then check that root cannot be regained.
 * -1 with a message in err. */
int privs_drop(const char *user, char *err, size_t errlen);

#endif
