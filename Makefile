# nbwarden — build, test, demo. All outputs go under $(O) (default: build/).
# Quiet unless V=1. See README.md for the two set-up commands.

O        ?= build
CC       ?= cc
PREFIX   ?= /usr/local
DATADIR  ?= $(PREFIX)/share/nbwarden
PKG_CONFIG ?= pkg-config
VERSION  := 0.1.0

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

.DELETE_ON_ERROR:
.SUFFIXES:

SRCDIR   := $(abspath .)
BUILDDIR := $(abspath $(O))

PKGS     := libseccomp libcap libnl-route-3.0 inih jansson libbpf libcrypto
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# The libraries are linked statically (glibc stays dynamic, for NSS): on these
# machines resolving six shared libraries costs more than a whole bwrap launch
# step. STATIC_LIBS=0 links them dynamically.
STATIC_LIBS ?= 1
ifeq ($(STATIC_LIBS),1)
PKG_LIBS   := -Wl,-Bstatic $(shell $(PKG_CONFIG) --static --libs $(PKGS) 2>/dev/null | sed 's/-lpthread//') \
	      -Wl,-Bdynamic -lpthread
else
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
endif

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
            -Wimplicit-fallthrough -Werror=undef -Wno-format-nonliteral -Werror
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) \
	-DNBW_VERSION='"$(VERSION)"' -DNBW_DATADIR='"$(DATADIR)"' \
	-DNBW_SOURCE_DIR='"$(SRCDIR)"' -DNBW_BUILD_DIR='"$(BUILDDIR)"' \
	-MMD -MP
LDLIBS   := $(PKG_LIBS)

LIB_SRCS := util.c log.c profile.c netrule.c seccomp.c landlock.c mount.c cgroup.c caps.c netns.c \
            user.c env.c events.c repeats.c guard.c sandbox.c run.c audit.c config.c forward.c \
            ocsf.c policy.c proto.c budget.c metrics.c daemon.c client.c jupyter.c strikes.c kernelspec.c
LIB_OBJS := $(addprefix $(O)/supervisor/,$(LIB_SRCS:.c=.o))
MAIN_OBJ := $(O)/supervisor/main.o

UNIT_TESTS := test-util test-profile test-seccomp test-env test-cgroup test-mount test-guard \
              test-repeats test-audit test-config test-forward test-ocsf test-policy test-proto \
              test-budget test-metrics test-jupyter test-kernelspec
UNIT_BINS  := $(addprefix $(O)/tests/unit/,$(UNIT_TESTS))

HELPER_BINS := $(O)/tests/escape/attack $(O)/tests/integration/probe
BENCH_BINS  := $(O)/tests/bench/bench-connect $(O)/tests/bench/audit-writer

.PHONY: all check test test-unit test-integration test-escape test-e2e sanitize demo install \
	clean bench format deps vmtest fuzz

all: $(O)/nbwarden

# --- eBPF: CO-RE programs, a skeleton embedded in the binary -------------------
BPFTOOL   ?= bpftool
CLANG     ?= clang
VMLINUX_H ?= $(O)/bpf/vmlinux.h
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	      -I$(dir $(VMLINUX_H)) -Ibpf

# Generated from the running kernel's BTF; VMLINUX_H= may point at a pinned copy.
$(O)/bpf/vmlinux.h:
	@mkdir -p $(dir $@)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(O)/bpf/%.bpf.o: bpf/%.bpf.c bpf/%.h $(VMLINUX_H)
	@mkdir -p $(dir $@)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp
	$(Q)rm -f $@.tmp

$(O)/bpf/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(O)/supervisor/guard.o: $(O)/bpf/guard.skel.h

$(O)/supervisor/%.o: supervisor/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -I$(O)/bpf -c $< -o $@

$(O)/nbwarden: $(LIB_OBJS) $(MAIN_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(O)/libnbwarden.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(O)/tests/unit/%: tests/unit/%.c $(O)/libnbwarden.a
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Isupervisor -I$(O)/bpf $(LDFLAGS) $< $(O)/libnbwarden.a $(LDLIBS) -lcmocka -o $@

$(O)/tests/bench/%: tests/bench/%.c $(O)/libnbwarden.a
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Isupervisor -I$(O)/bpf $(LDFLAGS) $< $(O)/libnbwarden.a $(LDLIBS) -o $@

# Helpers run inside sandboxes: static, so they need nothing but an [exec] allow entry.
$(O)/tests/escape/attack: tests/escape/attack.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -static $< -o $@

$(O)/tests/integration/probe: tests/integration/probe.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -static $< -o $@

build-tests: $(O)/nbwarden $(UNIT_BINS) $(HELPER_BINS) $(BENCH_BINS)

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_ENV   := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Everything this host can run, as CI runs it: the unit, integration,
# escape, end-to-end (real Jupyter kernels) and benchmark tiers, a minute of fuzzing the daemon's request
# parser (scripts/fuzz.sh), the unit, integration and e2e tiers again on an
# ASan+UBSan build, then the VM tier (scripts/vmtest.sh: the limit tests and
# the integration and escape tiers again, on Debian's 6.1 kernel with a pure
# cgroup v2 hierarchy). Needs root; installs its own dependencies, test user
# and VM kernel first.
test: deps
	$(Q)$(MAKE) --no-print-directory build-tests
	$(Q)$(MAKE) --no-print-directory O=$(O)/sanitize CFLAGS='$(SAN_FLAGS)' \
		LDFLAGS='-fsanitize=address,undefined' build-tests
	$(Q)$(SAN_ENV) tests/run-all.sh $(O):unit $(O):integration $(O):escape $(O):e2e \
		$(O):bench $(O):fuzz $(O)/sanitize:unit $(O)/sanitize:integration \
		$(O)/sanitize:e2e $(O):qemu

# The VM tier alone (root): boots Debian's kernel under qemu, runs the limit
# tests and the integration and escape tiers inside it.
vmtest: $(O)/nbwarden $(HELPER_BINS)
	$(Q)tests/run-all.sh $(O):qemu

# The daemon's request parser under libFuzzer (NBW_FUZZ_SECONDS, default 60).
fuzz:
	$(Q)tests/run-all.sh $(O):fuzz

test-unit: $(UNIT_BINS)
	$(Q)tests/run-all.sh $(O):unit

test-integration: $(O)/nbwarden $(HELPER_BINS)
	$(Q)tests/run-all.sh $(O):integration

test-escape: $(O)/nbwarden $(HELPER_BINS)
	$(Q)tests/run-all.sh $(O):escape

test-e2e: $(O)/nbwarden $(HELPER_BINS)
	$(Q)tests/run-all.sh $(O):e2e

deps:
	$(Q)scripts/install-deps.sh
	$(Q)scripts/setup-test-env.sh

# ASan + UBSan build of nbwarden and the unit tests, through the unit and
# integration tiers.
sanitize:
	$(Q)$(MAKE) --no-print-directory O=$(O)/sanitize CFLAGS='$(SAN_FLAGS)' \
		LDFLAGS='-fsanitize=address,undefined' build-tests
	$(Q)$(SAN_ENV) tests/run-all.sh $(O)/sanitize:unit $(O)/sanitize:integration

FORMATTED := supervisor/*.c supervisor/*.h bpf/*.c bpf/*.h tests/unit/*.c tests/escape/*.c tests/bench/*.c \
	     tests/integration/*.c tests/fuzz/*.c

check: $(O)/bpf/guard.skel.h
	$(Q)clang-format --dry-run --Werror $(FORMATTED)
	@# cppcheck does not know __attribute__((cleanup)): every _cleanup_ variable
	@# would be a "leak", so those two checks are off (LeakSanitizer runs in
	@# "make sanitize" instead).
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem --suppress=resourceLeak --suppress=memleak \
		--inline-suppr -D_GNU_SOURCE supervisor
	$(Q)clang-tidy --quiet supervisor/*.c -- $(ALL_CFLAGS) -I$(O)/bpf

format:
	$(Q)clang-format -i $(FORMATTED)

demo: deps $(O)/nbwarden
	$(Q)scripts/demo.sh $(O)/nbwarden

bench: $(O)/nbwarden $(HELPER_BINS) $(BENCH_BINS)
	$(Q)scripts/bench-launch.sh $(O)/nbwarden
	$(Q)scripts/bench-bpf.sh $(O)
	$(Q)scripts/bench-audit.sh $(O)
	$(Q)scripts/bench-daemon.sh $(O)
	$(Q)scripts/bench-kernel.sh $(O)

install: $(O)/nbwarden
	install -D -m 0755 $(O)/nbwarden $(DESTDIR)$(PREFIX)/bin/nbwarden
	install -d $(DESTDIR)$(DATADIR)/profiles
	install -m 0644 $(filter-out profiles/policy.conf,$(wildcard profiles/*.conf)) \
		$(DESTDIR)$(DATADIR)/profiles/
	install -D -m 0644 profiles/policy.conf $(DESTDIR)$(DATADIR)/policy.conf.example
	install -D -m 0644 docs/nbwarden.policy.5 $(DESTDIR)$(PREFIX)/share/man/man5/nbwarden.policy.5
	install -D -m 0644 packaging/nbwarden.service \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/nbwarden.service
	install -D -m 0644 packaging/prometheus/nbwarden-rules.yml \
		$(DESTDIR)$(DATADIR)/prometheus/nbwarden-rules.yml
	install -D -m 0644 docs/nbwarden.8 $(DESTDIR)$(PREFIX)/share/man/man8/nbwarden.8
	install -D -m 0644 docs/nbwarden.profile.5 $(DESTDIR)$(PREFIX)/share/man/man5/nbwarden.profile.5
	install -D -m 0644 docs/nbwarden.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/nbwarden.conf.5
	install -D -m 0644 packaging/nbwarden.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/nbwarden.conf

clean:
	rm -rf $(O)

-include $(wildcard $(O)/supervisor/*.d $(O)/tests/unit/*.d)
