/* test_pace.c: due times of paced replay (pace.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pace.h"

#define S 1000000000ull

/* Off: everything is due at once. */
static void test_off(void **state)
{
	(void)state;
	struct pace p;
	pace_init(&p, 0, 0);
	assert_false(pace_on(&p));
	assert_int_equal(pace_due(&p, 5 * S, 123), 0);
}

/* --speed X divides the capture's gaps; the first packet is due at once. */
static void test_speed(void **state)
{
	(void)state;
	struct pace p;
	pace_init(&p, 2, 0);
	uint64_t now = 1000;
	assert_int_equal(pace_due(&p, 10 * S, now), now);
	assert_int_equal(pace_due(&p, 11 * S, now + 999), now + S / 2);
	assert_int_equal(pace_due(&p, 13 * S, now + 5), now + S / 2 + S);
	/* Time going backwards counts as no gap. */
	assert_int_equal(pace_due(&p, 12 * S, now), now + S / 2 + S);
	/* A new input starts right after the previous packet. */
	pace_break(&p);
	assert_int_equal(pace_due(&p, 500 * S, now), now + S / 2 + S);
	assert_int_equal(pace_due(&p, 502 * S, now), now + S / 2 + S + S);
}

/* --pps N: packet i is due i/N s after the first, whatever the time stamps. */
static void test_pps(void **state)
{
	(void)state;
	struct pace p;
	pace_init(&p, 0, 4);
	assert_int_equal(pace_due(&p, 0, 7), 7);
	assert_int_equal(pace_due(&p, 0, 9), 7 + S / 4);
	assert_int_equal(pace_due(&p, 99 * S, 9), 7 + S / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_speed),
		cmocka_unit_test(test_pps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
