/* pyhost.c: the embedded CPython interpreter's start and stop. */
#include "pyhost.h"

#include "pymod.h"

int pyhost_start(void)
{
	if (pymod_register() < 0)
		return -1;
	PyConfig config;
	PyConfig_InitIsolatedConfig(&config);
	config.install_signal_handlers = 0;
	config.parse_argv = 0;
	config.site_import = 1;
	wchar_t *argv[] = { L"pktd" };
	PyStatus st = PyConfig_SetArgv(&config, 1, argv);
	if (!PyStatus_Exception(st))
		st = Py_InitializeFromConfig(&config);
	PyConfig_Clear(&config);
	if (PyStatus_Exception(st)) {
		fprintf(stderr, "pktd: cannot start Python: %s\n", st.err_msg ? st.err_msg : "unknown error");
		return -1;
	}
	if (pymod_init() < 0) {
		PyErr_Print();
		return -1;
	}
	return 0;
}

void pyhost_flush_stdio(void)
{
	PyObject *r;
	PyObject *out = PySys_GetObject("stdout"), *err = PySys_GetObject("stderr");
	if (out && (r = PyObject_CallMethod(out, "flush", NULL)))
		Py_DECREF(r);
	if (err && (r = PyObject_CallMethod(err, "flush", NULL)))
		Py_DECREF(r);
	PyErr_Clear();
}

void pyhost_stop(void)
{
	pymod_fini();
	if (Py_FinalizeEx() < 0)
		fprintf(stderr, "pktd: Python finalization reported an error\n");
}
