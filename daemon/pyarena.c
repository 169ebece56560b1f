/* pyarena.c: pre-faulted arenas for pymalloc, refilled between rounds. */
#include "pyarena.h"

#include <string.h>
#include <unistd.h>

#include "clock.h"

static void *arena_alloc(void *ctx, size_t size)
{
	struct pyarena *a = ctx;
	if (!a->size)
		a->size = size;
	if (size == a->size && a->nready > 0) {
		a->taken++;
		return a->ready[--a->nready];
	}
	a->missed++;
	return a->prev.alloc(a->prev.ctx, size);
}

static void arena_free(void *ctx, void *ptr, size_t size)
{
	struct pyarena *a = ctx;
	/* Still faulted in: keeping it costs no page fault later. */
	if (size == a->size && a->nready < a->target) {
		a->ready[a->nready++] = ptr;
		a->kept++;
		return;
	}
	a->prev.free(a->prev.ctx, ptr, size);
}

void pyarena_install(struct pyarena *a, unsigned target)
{
	memset(a, 0, sizeof(*a));
	a->target = target < 1 ? 1 : target > PYARENA_MAX ? PYARENA_MAX : target;
	PyObject_GetArenaAllocator(&a->prev);
	PyObjectArenaAllocator mine = { a, arena_alloc, arena_free };
	/* Arenas pymalloc already holds came from prev.alloc; arena_free
	 * hands them to prev.free, so both kinds are freed correctly. */
	PyObject_SetArenaAllocator(&mine);
	a->installed = true;
}

unsigned pyarena_refill(struct pyarena *a, unsigned max_pages)
{
	if (!a->installed || !a->size)
		return 0;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned done = 0;
	uint64_t t0 = clock_mono_ns();
	while (done < max_pages) {
		if (!a->filling) {
			if (a->nready >= a->target)
				break;
			a->filling = a->prev.alloc(a->prev.ctx, a->size);
			a->filled = 0;
			if (!a->filling)
				break;
		}
		/* A write per page makes the kernel back it now. */
		volatile char *p = (volatile char *)a->filling;
		for (; a->filled < a->size && done < max_pages; a->filled += page, done++)
			p[a->filled] = 0;
		if (a->filled >= a->size) {
			a->ready[a->nready++] = a->filling;
			a->filling = NULL;
		}
	}
	if (done) {
		a->pages += done;
		a->refill_ns += clock_mono_ns() - t0;
	}
	return done;
}

void pyarena_uninstall(struct pyarena *a)
{
	if (!a->installed)
		return;
	/* Python's allocator again; it frees what the reserve holds. */
	PyObject_SetArenaAllocator(&a->prev);
	a->installed = false;
	while (a->nready > 0)
		a->prev.free(a->prev.ctx, a->ready[--a->nready], a->size);
	if (a->filling)
		a->prev.free(a->prev.ctx, a->filling, a->size);
	a->filling = NULL;
}
