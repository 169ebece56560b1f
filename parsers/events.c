/* events.c: stable names of the decode events (events.h X-macro list). */
#include <stddef.h>

#include "events.h"

#define DECODE_EVENT_NAME(sym, name) [sym] = name,
static const char *const decode_event_names[EV_COUNT] = { DECODE_EVENTS(DECODE_EVENT_NAME) };
#undef DECODE_EVENT_NAME

const char *decode_event_name(unsigned ev)
{
	if (ev >= EV_COUNT || decode_event_names[ev] == NULL)
		return "unknown";
	return decode_event_names[ev];
}
