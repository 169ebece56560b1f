/* ops.h: running pktd as a daemon: what main() does around the pipeline.
 *
 * ops_open (after the -o output and the ring, before Python starts): the
 * --stats-log file, the --stats-json file when privileges will be
 * dropped, the live capture handle, the first -w file, the event base with
 * its events and the --metrics listener; then -Z drops root, or a warning
 * says that plugins will run as root. Every file and socket that needs
 * root is therefore open before any plugin code is imported.
 * ops_attach (after capture_init): hands the live handle, the -w writer
 * and the replay options to the capture stage.
 * ops_reopen (SIGHUP): -o, --stats-log and -w are reopened at their paths.
 * ops_close (at the very end, after the statistics): the reverse. */
#ifndef PKTD_OPS_H
#define PKTD_OPS_H

struct pktd;

/* --list-interfaces: print them; returns the exit code. */
int ops_list_interfaces(void);
/* -1: a message was printed; exit 2. */
int ops_open(struct pktd *d);
int ops_attach(struct pktd *d);
void ops_reopen(struct pktd *d);
void ops_close(struct pktd *d);

#endif
