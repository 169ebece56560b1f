/* pydns.h: the DNS functions of the `pktd` module (pktd.dns_emit,
 * pktd.dns_emit_udp): C decoding and C records for plugins/dns.py. */
#ifndef PKTD_PYDNS_H
#define PKTD_PYDNS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Add the functions to the module being built. */
int pydns_add_functions(PyObject *module);

#endif
