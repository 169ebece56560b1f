/* pyhost.h: start and stop the embedded interpreter. */
#ifndef PKTD_PYHOST_H
#define PKTD_PYHOST_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* sys.getallocatedblocks() from C: exported by libpython, declared only in
 * its internal headers. */
PyAPI_FUNC(Py_ssize_t) _Py_GetAllocatedBlocks(void);

/* An isolated interpreter (no environment variables, no user site, no
 * Python signal handlers: libevent owns SIGINT/SIGTERM) with `pktd` as a
 * built-in module. Returns -1 with a message printed. */
int pyhost_start(void);
/* Flush sys.stdout and sys.stderr. */
void pyhost_flush_stdio(void);
/* Release the module's caches and finalize. */
void pyhost_stop(void);

#endif
