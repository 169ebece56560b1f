# pktd build. `make run` and `make test` install missing packages first.

CC       ?= gcc
PYCONFIG := pkg-config python3-embed
PKGS     := libpcap libevent libevent_pthreads
CFLAGS   ?= -O2 -g
PKTD_CFLAGS := $(CFLAGS) -DPKTD_VERSION=\"0.1.0\" -std=gnu11 -Wall -Wextra -Werror -pthread -Iparsers -Idaemon \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(shell $(PYCONFIG) --cflags 2>/dev/null)
PKTD_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(shell $(PYCONFIG) --libs 2>/dev/null) -lm -pthread

B        ?= build
PARSERS  := $(wildcard parsers/*.c)
DAEMON   := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
LIBSRC   := $(PARSERS) $(DAEMON)
LIBOBJ   := $(LIBSRC:%.c=$(B)/obj/%.o)
TESTSRC  := $(wildcard tests/test_*.c)
TESTBIN  := $(TESTSRC:tests/%.c=$(B)/tests/%)
HEADERS  := $(wildcard parsers/*.h daemon/*.h tests/*.h)

.PHONY: all deps run test test-unit test-integration asan bench fuzz clean
all: $(B)/pktd $(TESTBIN) $(B)/malloc_count.so

deps:
	@scripts/deps.sh

$(B)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC  $@"
	@$(CC) $(PKTD_CFLAGS) -c -o $@ $<

$(B)/libpktd.a: $(LIBOBJ)
	@rm -f $@
	@ar rcs $@ $^

$(B)/pktd: $(B)/obj/daemon/main.o $(B)/libpktd.a
	@echo "  LD  $@"
	@$(CC) $(PKTD_CFLAGS) -o $@ $^ $(PKTD_LIBS)

$(B)/tests/%: tests/%.c $(B)/libpktd.a tests/*.h
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(PKTD_CFLAGS) -Itests -o $@ $< $(B)/libpktd.a $(PKTD_LIBS) -lcmocka

# LD_PRELOAD shim counting heap calls (tests/integration/test_steady_state.py).
$(B)/malloc_count.so: tests/shim/malloc_count.c
	@echo "  LD  $@"
	@$(CC) -O2 -g -shared -fPIC -Wall -Wextra -Werror -o $@ $< -ldl

# The same tree built with AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	$(MAKE) B=build/asan CC=clang \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  build/asan/pktd $(TESTSRC:tests/%.c=build/asan/tests/%)

# libFuzzer over the decoders (fuzz_decode) and the capture-file readers
# (fuzz_source), seeded from pcaps/ and ../shared/pcaps/ when present;
# FUZZ_SECONDS per target (default 60). fuzz_source's seeds are the whole
# capture files up to 64 KiB.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SOURCE_SRC := $(filter-out daemon/source_live.c,$(wildcard daemon/source*.c))
fuzz: deps
	@mkdir -p build/fuzz/corpus build/fuzz/seeds build/fuzz/source-corpus build/fuzz/source-seeds
	clang $(FUZZ_CFLAGS) -Iparsers -Itests -o build/fuzz/fuzz_decode tests/fuzz/fuzz_decode.c $(PARSERS)
	clang $(FUZZ_CFLAGS) -Idaemon -o build/fuzz/fuzz_source tests/fuzz/fuzz_source.c $(FUZZ_SOURCE_SRC) -lpcap
	/usr/bin/python3 scripts/fuzz-seeds.py build/fuzz/seeds pcaps $(wildcard ../shared/pcaps)
	find pcaps $(wildcard ../shared/pcaps) -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \) \
	  -size -65k -exec cp {} build/fuzz/source-seeds/ \;
	@# Both targets run even when the first one finds something; the rule fails if either did.
	cd build/fuzz && rc=0; \
	  ./fuzz_decode -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 corpus seeds || rc=1; \
	  ./fuzz_source -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	    source-corpus source-seeds || rc=1; \
	  exit $$rc

# pktd against dpkt, Scapy, tshark and tcpdump on generated captures;
# BENCH_ARGS passes options to bench/run.py (e.g. --packets 500000).
bench: deps all
	@PKTD_DEPS_EXTRA="python3-dpkt python3-scapy hyperfine linux-perf" scripts/deps.sh
	@/usr/bin/python3 bench/run.py $(BENCH_ARGS)

run: deps all
	@scripts/run-samples.sh

test: deps
	@$(MAKE) --no-print-directory all asan
	@tests/run_all.sh

clean:
	rm -rf build
