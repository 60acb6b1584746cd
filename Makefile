# quire - build, test, install.
#
#   make            build build/quire and build/plugins/<name>.so
#   make test       install missing packages, build, run every test
#   make demo       install missing packages, build, render the examples into out/
#   make asan       the whole test suite under AddressSanitizer + UBSan (build-asan/)
#   make fuzz       run every libFuzzer target (tests/fuzz/fuzz_*.c) for FUZZ_SECONDS each (clang)
#   make bench      side-by-side benchmarks, written to docs/benchmarks.md
#   make install    PREFIX=/usr/local DESTDIR= : binary, plugins, headers, pc, conf, man
#   make deps       install the Debian packages quire needs (idempotent)
#   make clean
#
# Every plugin is a directory plugins/<name>/ whose .c files build one
# build/plugins/<name>.so. A plugin that needs libraries says so in
# plugins/<name>/plugin.mk by setting <name>_CFLAGS and <name>_LIBS; one that
# sets <name>_SUPPORT := yes gets plugins/support/*.c compiled in (helpers the
# source plugins share; plugins/support is not a plugin).

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
SAN ?=

CC ?= cc
OPT ?= -O2
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
PLUGINDIR = $(LIBDIR)/quire/plugins
INCDIR = $(PREFIX)/include
SYSCONFDIR = $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
MANDIR = $(PREFIX)/share/man
DOCDIR = $(PREFIX)/share/doc/quire

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wpointer-arith -Wformat=2
CSTD = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) -g $(SAN) -Iinclude $(CFLAGS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)
# Plugins: position independent, only the entry symbol exported, and
# --no-undefined so a plugin that reaches for a kernel symbol fails to link.
PLUGIN_CFLAGS = -fPIC -fvisibility=hidden
PLUGIN_LDFLAGS = -shared -Wl,--no-undefined -Wl,-z,defs

KERNEL_LIBS = -ldl -lpthread -lm -lev -lhiredis

# ----------------------------------------------------------------------------
# Sources
# ----------------------------------------------------------------------------

KERNEL_SRC := $(sort $(wildcard kernel/*.c))
KERNEL_OBJ := $(KERNEL_SRC:%.c=$(BUILD)/obj/%.o)
KERNEL_LIB_OBJ := $(filter-out $(BUILD)/obj/kernel/main.o,$(KERNEL_OBJ))

PLUGINS := $(filter-out support,$(sort $(notdir $(patsubst %/,%,$(dir $(wildcard plugins/*/*.c))))))
PLUGIN_SO := $(PLUGINS:%=$(BUILD)/plugins/%.so)
-include $(wildcard plugins/*/plugin.mk)

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)

TEST_PLUGIN_SRC := $(sort $(wildcard tests/plugins/*.c))
TEST_PLUGIN_SO := $(TEST_PLUGIN_SRC:tests/plugins/%.c=$(BUILD)/tests/plugins/%.so)

HEADERS := $(wildcard include/quire/*.h)

# ----------------------------------------------------------------------------
# Build
# ----------------------------------------------------------------------------

.PHONY: all test tests demo asan fuzz bench install uninstall deps clean fmt check-fmt

all: $(BUILD)/quire $(PLUGIN_SO)

# The install prefix is compiled in (default plugin dir and config path);
# build_config.h is rewritten only when it changes so PREFIX changes rebuild.
$(BUILD)/build_config.h: FORCE
	@mkdir -p $(@D)
	@printf '#define QUIRE_DEFAULT_PLUGIN_DIR "%s"\n#define QUIRE_DEFAULT_CONF "%s"\n' \
	    "$(PLUGINDIR)" "$(SYSCONFDIR)/quire/quire.conf" > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
FORCE:

$(BUILD)/obj/kernel/%.o: kernel/%.c $(wildcard kernel/*.h) $(HEADERS) $(BUILD)/build_config.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -include $(BUILD)/build_config.h -Ikernel -c $< -o $@

$(BUILD)/quire: $(KERNEL_OBJ)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(KERNEL_LIBS)

SUPPORT_FILES := $(wildcard plugins/support/*.c plugins/support/*.h)
uses_support = $(filter yes,$($(1)_SUPPORT))
define plugin_rule
$(BUILD)/plugins/$(1).so: $(wildcard plugins/$(1)/*.c) $(wildcard plugins/$(1)/*.h) $(HEADERS) \
    $(if $(call uses_support,$(1)),$(SUPPORT_FILES))
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS_ALL) $$(PLUGIN_CFLAGS) $$($(1)_CFLAGS) \
	    $(if $(call uses_support,$(1)),-Iplugins/support) $$(PLUGIN_LDFLAGS) $$(LDFLAGS_ALL) \
	    -o $$@ $(wildcard plugins/$(1)/*.c) \
	    $(if $(call uses_support,$(1)),$(filter %.c,$(SUPPORT_FILES))) $$($(1)_LIBS)
endef
$(foreach p,$(PLUGINS),$(eval $(call plugin_rule,$(p))))

# ----------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------

# Test plugins are deliberately broken in many ways, some of them at link
# level, so they build without --no-undefined.
# Test plugins share tests/plugins/stubs.h and some include a sibling .c, so
# each depends on all of them (they are small; rebuilding all is cheap).
$(BUILD)/tests/plugins/%.so: tests/plugins/%.c $(HEADERS) $(wildcard tests/plugins/*.h) \
    $(TEST_PLUGIN_SRC)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(PLUGIN_CFLAGS) -Wno-missing-prototypes -shared $(LDFLAGS_ALL) -o $@ $<

# UNIT_LIBS: libraries some unit tests need beyond the kernel's (zlib:
# test_http_transport inflates gzip bodies).
UNIT_LIBS = -lz
$(BUILD)/tests/unit/%: tests/unit/%.c $(KERNEL_LIB_OBJ) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -include $(BUILD)/build_config.h -Ikernel -o $@ $< $(KERNEL_LIB_OBJ) \
	    $(LDFLAGS_ALL) -lcmocka $(KERNEL_LIBS) $(UNIT_LIBS)

tests: all $(UNIT_BIN) $(TEST_PLUGIN_SO) $(BUILD)/bench/gen_sales

# The browser tests' node packages (playwright-core, which drives the system
# chromium and never downloads a browser), installed once from the lock.
tests: | tests/browser/node_modules
tests/browser/node_modules:
	npm ci --prefix tests/browser --no-audit --no-fund

test: deps
	$(MAKE) tests
	QUIRE_BUILD=$(BUILD) tests/run

asan: deps
	$(MAKE) BUILD=build-asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" tests
	QUIRE_BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run

# libFuzzer targets: every tests/fuzz/fuzz_<name>.c is one target, linked with
# the kernel (without main.c) plus what tests/fuzz/<name>.mk adds:
#   fuzz_<name>_SRC    extra sources (a plugin's .c files)
#   fuzz_<name>_FLAGS  extra compiler flags (-Iplugins/<name>)
#   fuzz_<name>_LIBS   extra libraries (-lhttp_parser)
# Seeds come from tests/fuzz/corpus/<name>/; new inputs go to
# $(BUILD)/fuzz/corpus-<name>, a crashing input to $(BUILD)/fuzz/crash-*.
# `make fuzz` runs each for FUZZ_SECONDS; `make test` runs each briefly
# (FUZZ_SMOKE_SECONDS) as a smoke check. Warnings are not fatal here: clang
# warns about things gcc does not, and the point is to find crashes.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_CC ?= clang
FUZZ_SAN = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_NAMES := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
-include $(wildcard tests/fuzz/*.mk)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(KERNEL_SRC) $(wildcard kernel/*.h) $(HEADERS) \
		$(wildcard plugins/*/*.c plugins/*/*.h) $(BUILD)/build_config.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) $(filter-out -Werror,$(WARN)) -O1 -g $(FUZZ_SAN) -Iinclude -Ikernel \
	    $(fuzz_$*_FLAGS) -include $(BUILD)/build_config.h -o $@ $< \
	    $(filter-out kernel/main.c,$(KERNEL_SRC)) $(fuzz_$*_SRC) $(KERNEL_LIBS) $(fuzz_$*_LIBS)

.PHONY: fuzz fuzz-smoke
fuzz: $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
	@for n in $(FUZZ_NAMES); do \
	    mkdir -p $(BUILD)/fuzz/corpus-$$n tests/fuzz/corpus/$$n; \
	    echo "== fuzz $$n for $(FUZZ_SECONDS)s"; \
	    $(BUILD)/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(BUILD)/fuzz/ \
	        $(BUILD)/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; \
	done

# Built and run by tests/integration/fuzz_smoke.sh from `make test`.
fuzz-build: $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)

demo: deps
	$(MAKE) all
	examples/demo.sh $(BUILD)

# The peers of the aggregation and page-layout benchmarks come from
# BENCH_DEB_PACKAGES (python3-reportlab: ReportLab) and
# bench/package-lock.json (DuckDB). npm is left out when one is already on
# PATH: NodeSource's nodejs bundles it and conflicts with Debian's npm.
BENCH_DEB_PACKAGES = miller datamash mawk sqlite3 nodejs npm python3-reportlab

bench: deps
	$(MAKE) deps DEB_PACKAGES="$(filter-out $(if $(shell command -v npm),npm),$(BENCH_DEB_PACKAGES))"
	$(MAKE) all $(BUILD)/bench/gen_sales
	test -d bench/node_modules || npm ci --prefix bench --no-audit --no-fund
	bench/run $(BUILD)

# The benchmark data generator. -ffp-contract=off: no fused multiply-add, so
# its float steps round as those of the Python reference do.
$(BUILD)/bench/gen_sales: bench/gen_sales.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -ffp-contract=off $(LDFLAGS_ALL) -o $@ $< -lm

# bench/csv_micro.c: rows per second of the csv source plugin.
.PHONY: csv-micro
csv-micro: all $(BUILD)/bench/csv_micro
$(BUILD)/bench/csv_micro: bench/csv_micro.c $(KERNEL_LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -include $(BUILD)/build_config.h -Ikernel -o $@ $< $(KERNEL_LIB_OBJ) \
	    $(LDFLAGS_ALL) $(KERNEL_LIBS)

# bench/agg_micro.c: rows per second of group_table_find + agg_update.
.PHONY: agg-micro
agg-micro: $(BUILD)/bench/agg_micro
$(BUILD)/bench/agg_micro: bench/agg_micro.c $(KERNEL_LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -include $(BUILD)/build_config.h -Ikernel -o $@ $< $(KERNEL_LIB_OBJ) \
	    $(LDFLAGS_ALL) $(KERNEL_LIBS)

# bench/sort_micro.c: rows per second of the kernel's sort (add, finish, emit).
.PHONY: sort-micro
sort-micro: $(BUILD)/bench/sort_micro
$(BUILD)/bench/sort_micro: bench/sort_micro.c $(KERNEL_LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -include $(BUILD)/build_config.h -Ikernel -o $@ $< $(KERNEL_LIB_OBJ) \
	    $(LDFLAGS_ALL) $(KERNEL_LIBS)

# ----------------------------------------------------------------------------
# Install
# ----------------------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(INCDIR)/quire \
	    $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(SYSCONFDIR)/quire $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(DOCDIR)
	install -m 755 $(BUILD)/quire $(DESTDIR)$(BINDIR)/quire
	$(if $(PLUGIN_SO),install -m 755 $(PLUGIN_SO) $(DESTDIR)$(PLUGINDIR)/)
	install -m 644 $(HEADERS) $(DESTDIR)$(INCDIR)/quire/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@INCDIR@|$(INCDIR)|g' -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' \
	    conf/quire-plugin.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/quire-plugin.pc
	sed -e 's|^plugin_dir = .*|plugin_dir = $(PLUGINDIR)|' \
	    -e 's|^report_dirs = .*|report_dirs = $(PREFIX)/share/quire/reports|' conf/quire.conf \
	    > $(DESTDIR)$(SYSCONFDIR)/quire/quire.conf.sample
	test -e $(DESTDIR)$(SYSCONFDIR)/quire/quire.conf || \
	    cp $(DESTDIR)$(SYSCONFDIR)/quire/quire.conf.sample $(DESTDIR)$(SYSCONFDIR)/quire/quire.conf
	install -m 644 docs/quire.1 $(DESTDIR)$(MANDIR)/man1/quire.1
	rm -rf $(DESTDIR)$(DOCDIR)/example-plugins
	cp -r examples/plugins $(DESTDIR)$(DOCDIR)/example-plugins
	rm -f $(DESTDIR)$(DOCDIR)/example-plugins/*.so
	$(if $(wildcard docs/*.md),install -m 644 $(wildcard docs/*.md) $(DESTDIR)$(DOCDIR)/)
	$(if $(wildcard docs/images/*),install -d $(DESTDIR)$(DOCDIR)/images && \
	    install -m 644 $(wildcard docs/images/*) $(DESTDIR)$(DOCDIR)/images/)

# Removes only quire's own plugins: third-party ones in PLUGINDIR stay.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/quire $(DESTDIR)$(MANDIR)/man1/quire.1 \
	    $(DESTDIR)$(LIBDIR)/pkgconfig/quire-plugin.pc \
	    $(addprefix $(DESTDIR)$(PLUGINDIR)/,$(notdir $(PLUGIN_SO)))
	rmdir $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(LIBDIR)/quire 2>/dev/null || true
	rm -rf $(DESTDIR)$(INCDIR)/quire $(DESTDIR)$(DOCDIR)

# ----------------------------------------------------------------------------
# Packages (Debian 12). `deps` installs what is missing and nothing else.
# ----------------------------------------------------------------------------

# chromium, nodejs, npm: the browser tests (tests/browser, playwright-core
# driving /usr/bin/chromium). npm only when none is on PATH, as for bench.
DEB_PACKAGES = build-essential pkg-config libcmocka-dev libev-dev libhiredis-dev libhttp-parser-dev libwslay-dev \
    libcairo2-dev libjpeg62-turbo-dev libhpdf-dev libdeflate-dev libpng-dev zlib1g-dev libsqlite3-dev sqlite3 fonts-dejavu-core fonts-dejavu-extra redis-server poppler-utils \
    python3 clang time man-db chromium nodejs $(if $(shell command -v npm),,npm)

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing$$missing"; \
	    if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	    $$sudo apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends $$missing; \
	fi

fmt:
	clang-format -i $(KERNEL_SRC) $(wildcard kernel/*.h) $(HEADERS) $(wildcard plugins/*/*.[ch]) \
	    $(wildcard tests/unit/*.[ch]) $(wildcard tests/plugins/*.c)

clean:
	rm -rf build build-asan out
