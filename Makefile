# SPDX-License-Identifier: GPL-2.0
#
# ktstr: boots a kernel in its own KVM VMM with a declared topology and runs
# scheduler tests inside. kselftest lib.mk-style targets:
#   all (ktstr + unit tests), run_tests, install, clean, emit_tests,
#   kernel (guest kernel from 'config', cached), bench.
# Knobs: KDIR=, O=/OUTPUT=, ARCH=, CROSS_COMPILE=, LLVM=1, V=1, INSTALL_PATH=.

HOST_ARCH := $(shell uname -m)
ARCH ?= $(HOST_ARCH)
override ARCH := $(patsubst x86,x86_64,$(patsubst arm64,aarch64,$(ARCH)))

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(patsubst $(OUTPUT)/%,%,$(2))';
endif

ifneq ($(LLVM),)
CC := clang
else
CC := $(CROSS_COMPILE)gcc
endif

# The kernel tree: KDIR=, else the tree ktstr sits in, else the cache.
KTSTR_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ktstr
ifeq ($(KDIR),)
ifneq ($(wildcard $(CURDIR)/../../../scripts/kconfig/merge_config.sh),)
KDIR := $(abspath $(CURDIR)/../../..)
else
KDIR := $(KTSTR_CACHE)/linux-source-6.12
endif
endif

# O= is the kernel build output (as for kselftest); ktstr's own objects go
# to OUTPUT, by default beside the sources.
ifneq ($(O),)
OUTPUT ?= $(abspath $(O))/tools/testing/ktstr
endif
# A cross build keeps its objects apart from the native ones.
ifneq ($(ARCH),$(HOST_ARCH))
OUTPUT ?= $(CURDIR)/build/$(ARCH)
endif
# SAN=1: ASan + UBSan (flags in the sanitizer block at the end), objects
# kept apart from the plain build's.
ifeq ($(SAN),1)
OUTPUT ?= $(CURDIR)/build/san
endif
OUTPUT ?= $(CURDIR)
override OUTPUT := $(abspath $(OUTPUT))

# The uapi headers (linux/kvm.h, asm/kvm.h) of the target: KDIR's
# usr/include for the host's arch (scripts/setup.sh installs them), else
# installed from KDIR for $(ARCH) into $(OUTPUT)/uapi on first use.
ifeq ($(ARCH),$(HOST_ARCH))
UAPI_INC := $(KDIR)/usr/include
else
UAPI_INC := $(OUTPUT)/uapi/include
UAPI_DEP := $(UAPI_INC)/linux/kvm.h
endif

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	  -std=gnu11 -D_GNU_SOURCE -MD -MP -I$(CURDIR) -I$(OUTPUT) \
	  -isystem $(UAPI_INC)
LDLIBS += -lelf -lz -lpthread -lm
# STATIC=1: static binaries, for a host without the target's userland
# (the emulated arm64 KVM host); libelf and zlib from their -dev .a files.
# A cross build is static unless STATIC=0.
ifneq ($(ARCH),$(HOST_ARCH))
STATIC ?= 1
endif
ifeq ($(STATIC),1)
LDFLAGS += -static
LDLIBS += $(shell $(CC) -print-file-name=libzstd.a | grep -q / && echo -lzstd)
endif

SRCS_COMMON := $(wildcard util/*.c harness/*.c vmm/*.c virtio/*.c init/*.c scenarios/*.c cli/*.c)
SRCS_x86_64 := $(wildcard vmm/x86_64/*.c acpi/*.c)
SRCS_aarch64 := $(wildcard vmm/aarch64/*.c fdt/*.c)
LIB_SRCS := $(SRCS_COMMON) $(SRCS_$(ARCH))
LIB_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(LIB_SRCS))
LIBKTSTR := $(OUTPUT)/libktstr.a
# An arch whose vmm/$(ARCH)/ does not implement vmm/arch.h: every generic
# file is compiled, then the build stops.
ifeq ($(SRCS_$(ARCH)),)
NO_ARCH_HOOKS := y
endif

# libfdt from KDIR's scripts/dtc/libfdt, built with $(CC) so a cross build
# gets the target's. The aarch64 device tree (fdt/) links it; its unit test
# runs on every host, with fdt/*.o linked in where libktstr lacks them.
LIBFDT_SRC := $(KDIR)/scripts/dtc/libfdt
LIBFDT_OBJS := $(patsubst $(LIBFDT_SRC)/%.c,$(OUTPUT)/libfdt/%.o,$(wildcard $(LIBFDT_SRC)/*.c))
LIBFDT_A := $(OUTPUT)/libfdt/libfdt.a
FDT_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(wildcard fdt/*.c))
FDT_TEST := $(OUTPUT)/tests/fdt_test
LIBS_aarch64 := $(LIBFDT_A)
LDLIBS := $(LIBS_$(ARCH)) $(LDLIBS)

# Unit tests of one arch's code (x86: ACPI, APIC IDs, bzImage).
TEST_SRCS_x86_64 := tests/acpi_test.c tests/apic_test.c tests/bzimage_test.c
TEST_SRCS := $(filter-out $(TEST_SRCS_x86_64),$(wildcard tests/*_test.c)) \
	     $(TEST_SRCS_$(ARCH))
TEST_PROGS := $(patsubst %.c,$(OUTPUT)/%,$(TEST_SRCS))
TEST_CFLAGS := -isystem $(KDIR)/tools/testing/selftests
# Host-only tests in shell (kselftest's ktap_helpers.sh from KDIR).
TEST_SCRIPTS := tests/run_vmtests_test.sh tests/kselftest_install_test.sh \
		tests/interrupt_test.sh

PROG := $(OUTPUT)/ktstr
# The raw-KVM smoke test (x86 real mode, or arm64 EL1), run by run_vmtests.sh.
VM_SMOKE := $(OUTPUT)/tests/vm_smoke

.PHONY: FORCE all run_tests unit_tests install clean emit_tests kernel bench check_deps
ifeq ($(NO_ARCH_HOOKS),y)
all: arch_missing
else
all: check_deps $(PROG) $(TEST_PROGS) $(VM_SMOKE)
endif

# One-line errors for a missing kernel tree or library, not a compiler backtrace.
NOCHECK_GOALS := clean help kernel
ifneq ($(filter-out $(NOCHECK_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(UAPI_DEP)$(wildcard $(KDIR)/usr/include/linux/kvm.h),)
$(error KDIR=$(KDIR) has no usr/include/linux/kvm.h: run scripts/setup.sh, or 'make headers_install' in that tree)
endif
ifeq ($(wildcard $(KDIR)/tools/testing/selftests/kselftest_harness.h),)
$(error KDIR=$(KDIR) has no tools/testing/selftests/kselftest_harness.h: not a kernel source tree)
endif
ifeq ($(wildcard $(LIBFDT_SRC)/libfdt.h),)
$(error KDIR=$(KDIR) has no scripts/dtc/libfdt/libfdt.h: not a kernel source tree)
endif
has_header = $(shell echo '\#include <$(1)>' | $(CC) -E -x c - >/dev/null 2>&1 && echo y)
ifneq ($(call has_header,zlib.h),y)
$(error zlib.h not found: install zlib1g-dev (scripts/setup.sh does))
endif
ifneq ($(call has_header,libelf.h),y)
$(error libelf.h not found: install libelf-dev (scripts/setup.sh does))
endif
endif
check_deps: ;

$(UAPI_DEP):
	$(call msg,HDRINST,$(UAPI_INC))
	@mkdir -p $(OUTPUT)/uapi/build
	$(Q)env -u MAKEFLAGS -u MFLAGS $(MAKE) -s -C $(KDIR) ARCH=$(SCX_SRCARCH) \
		O=$(OUTPUT)/uapi/build INSTALL_HDR_PATH=$(OUTPUT)/uapi headers_install >/dev/null

# `git describe` of the tree built, for result files; rewritten only when it
# changes, so a commit rebuilds cli/results.o and nothing else.
KTSTR_VERSION := $(or $(shell git -C $(CURDIR) describe --always --dirty 2>/dev/null),unknown)
VERSION_H := $(OUTPUT)/ktstr_version.h

$(VERSION_H): FORCE
	@mkdir -p $(dir $@)
	@echo '#define KTSTR_VERSION "$(KTSTR_VERSION)"' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(OUTPUT)/cli/results.o: $(VERSION_H)

FORCE:

$(OUTPUT)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(LIBKTSTR): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(CROSS_COMPILE)ar rcs $@ $^

$(PROG): $(OUTPUT)/ktstr.o $(LIBKTSTR)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -Wl,--whole-archive $(LIBKTSTR) -Wl,--no-whole-archive $(LDLIBS)

$(VM_SMOKE): tests/vm_smoke.c
	$(call msg,TEST,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $<

$(OUTPUT)/tests/%: tests/%.c $(LIBKTSTR)
	$(call msg,TEST,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIBS) -Wl,--whole-archive $(LIBKTSTR) -Wl,--no-whole-archive $(LDLIBS)

$(OUTPUT)/libfdt/%.o: $(LIBFDT_SRC)/%.c
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -isystem $(LIBFDT_SRC) -c -o $@ $<

$(LIBFDT_A): $(LIBFDT_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(CROSS_COMPILE)ar rcs $@ $^

$(FDT_OBJS) $(FDT_TEST): CFLAGS += -isystem $(LIBFDT_SRC)
$(FDT_TEST): TEST_LIBS := $(if $(filter aarch64,$(ARCH)),,$(FDT_OBJS)) $(LIBFDT_A)
$(FDT_TEST): $(FDT_OBJS) $(LIBFDT_A)
$(PROG) $(TEST_PROGS): $(LIBS_$(ARCH))

# The arm64 Image header parser, tested on every host like fdt/.
IMAGE_OBJ := $(OUTPUT)/vmm/aarch64/image.o
IMAGE_TEST := $(OUTPUT)/tests/image_test
$(IMAGE_TEST): TEST_LIBS := $(if $(filter aarch64,$(ARCH)),,$(IMAGE_OBJ))
$(IMAGE_TEST): $(IMAGE_OBJ)
# The device tree as the aarch64 VMM fills it, likewise.
DT_OBJ := $(OUTPUT)/vmm/aarch64/dt.o
DT_TEST := $(OUTPUT)/tests/arm64_dt_test
$(DT_OBJ) $(DT_TEST): CFLAGS += -isystem $(LIBFDT_SRC)
$(DT_TEST): TEST_LIBS := $(if $(filter aarch64,$(ARCH)),,$(DT_OBJ) $(FDT_OBJS)) $(LIBFDT_A)
$(DT_TEST): $(DT_OBJ) $(FDT_OBJS) $(LIBFDT_A)

# ---- BPF schedulers ----
# sched/*.bpf.c built as tools/sched_ext/Makefile does, from KDIR: libbpf
# (static) and a bootstrap bpftool built from the tree into $(SCX_OUT),
# vmlinux.h dumped from the guest kernel's BTF, clang -target bpf, three
# 'bpftool gen object' passes checked with diff, 'gen skeleton'. The
# skeletons embed the BPF objects, so the schedulers live inside ktstr (the
# guest's /init) and nothing depends on the host's libbpf or bpftool.
SCX_OUT := $(OUTPUT)/sched/build
SCX_INC := $(SCX_OUT)/include
SCX_DIR := $(KDIR)/tools/sched_ext/include
LIBBPF_SRC := $(KDIR)/tools/lib/bpf
LIBBPF_A := $(SCX_OUT)/libbpf/libbpf.a
BPFTOOL_SRC := $(KDIR)/tools/bpf/bpftool
BPFTOOL := $(SCX_OUT)/bpftool/bootstrap/bpftool
CLANG ?= clang
HOSTCC ?= gcc
SCX_SRCARCH := $(patsubst x86_64,x86,$(patsubst aarch64,arm64,$(ARCH)))

# The guest kernel's BTF: the vmlinux of a kernel tree built for $(ARCH),
# else of the cached kernel of this (source, config, arch), built on demand
# as by 'make kernel'.
ifeq ($(VMLINUX_BTF),)
VMLINUX_BTF := $(shell KDIR=$(KDIR) O=$(O) ARCH=$(ARCH) scripts/kernel.sh vmlinux 2>/dev/null)
ifneq ($(filter $(KTSTR_CACHE)/%,$(VMLINUX_BTF)),)
KERNEL_CACHE_DIR := $(dir $(VMLINUX_BTF))
$(VMLINUX_BTF):
	+$(Q)KDIR=$(KDIR) ARCH=$(ARCH) scripts/kernel.sh build >/dev/null
endif
endif

SCX_BPF_SRCS := $(wildcard sched/*.bpf.c)
SCX_SKELS := $(patsubst sched/%.bpf.c,$(SCX_INC)/%.bpf.skel.h,$(SCX_BPF_SRCS))
SCHED_SRCS := $(filter-out %.bpf.c,$(wildcard sched/*.c))
SCHED_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(SCHED_SRCS))
LIB_OBJS += $(SCHED_OBJS)
LDLIBS := $(LIBBPF_A) $(LDLIBS)

ifneq ($(filter-out $(NOCHECK_GOALS),$(or $(MAKECMDGOALS),all)),)
ifneq ($(NO_ARCH_HOOKS),y)
ifeq ($(shell command -v $(CLANG)),)
$(error $(CLANG) not found: install clang and llvm (scripts/setup.sh does))
endif
ifeq ($(shell $(CLANG) -print-targets 2>/dev/null | grep -w bpf),)
$(error $(CLANG) has no BPF target: install clang and llvm (scripts/setup.sh does))
endif
ifeq ($(wildcard $(SCX_DIR)/scx/common.bpf.h),)
$(error KDIR=$(KDIR) has no tools/sched_ext/include/scx/common.bpf.h: sched_ext needs Linux 6.12 or later)
endif
ifeq ($(KERNEL_CACHE_DIR)$(wildcard $(VMLINUX_BTF)),)
$(error no vmlinux with BTF for vmlinux.h (VMLINUX_BTF=$(VMLINUX_BTF)): build the kernel tree, run 'make kernel', or set VMLINUX_BTF=)
endif
endif
endif

# clang's own system include dirs, which -target bpf would not search.
SCX_SYS_INC := $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -mcpu=v3 -mlittle-endian -D__TARGET_ARCH_$(SCX_SRCARCH) \
	-Wall -Wno-compare-distinct-pointer-types -MD -MP \
	-I$(SCX_INC) -I$(SCX_DIR) -I$(SCX_DIR)/bpf-compat \
	-I$(KDIR)/tools/include/uapi $(SCX_SYS_INC)

# O= is cleared: the sub-makes would read it as their own output tree.
$(LIBBPF_A): $(wildcard $(LIBBPF_SRC)/*.[ch] $(LIBBPF_SRC)/Makefile)
	$(call msg,LIBBPF,$@)
	@mkdir -p $(dir $@)
	$(Q)$(MAKE) -s -C $(LIBBPF_SRC) O= OUTPUT=$(dir $@) DESTDIR=$(SCX_OUT) \
		prefix= EXTRA_CFLAGS='-g -O2 -fPIC' $@ install_headers

$(BPFTOOL): $(wildcard $(BPFTOOL_SRC)/*.[ch] $(BPFTOOL_SRC)/Makefile)
	$(call msg,BPFTOOL,$@)
	@mkdir -p $(SCX_OUT)/bpftool
	$(Q)$(MAKE) -s -C $(BPFTOOL_SRC) O= OUTPUT=$(SCX_OUT)/bpftool/ ARCH= \
		CROSS_COMPILE= CC=$(HOSTCC) bootstrap >/dev/null

$(SCX_INC)/vmlinux.h: $(VMLINUX_BTF) $(BPFTOOL)
	$(call msg,GEN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(SCX_OUT)/%.bpf.o: sched/%.bpf.c $(SCX_INC)/vmlinux.h | $(LIBBPF_A)
	$(call msg,CLNG-BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -target bpf -c -o $@ $<

# The skeleton of $< named $(1): three 'bpftool gen object' passes, the
# last two checked equal with diff, then 'gen skeleton'.
define gen_skel
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen object $(<:.o=.linked1.o) $<
	$(Q)$(BPFTOOL) gen object $(<:.o=.linked2.o) $(<:.o=.linked1.o)
	$(Q)$(BPFTOOL) gen object $(<:.o=.linked3.o) $(<:.o=.linked2.o)
	$(Q)diff $(<:.o=.linked2.o) $(<:.o=.linked3.o)
	$(Q)$(BPFTOOL) gen skeleton $(<:.o=.linked3.o) name $(1) > $@.tmp && mv $@.tmp $@
endef

$(SCX_INC)/%.bpf.skel.h: $(SCX_OUT)/%.bpf.o $(BPFTOOL)
	$(call gen_skel,$*_bpf)

ifneq ($(NO_ARCH_HOOKS),y)
$(OUTPUT)/sched/%.o: sched/%.c $(SCX_SKELS) | $(LIBBPF_A)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -I$(SCX_INC) -isystem $(SCX_DIR) -c -o $@ $<
endif

# The host monitor reads the guest's BTF with libbpf's btf API.
$(OUTPUT)/vmm/monitor_syms.o: CFLAGS += -I$(SCX_INC)
$(OUTPUT)/vmm/monitor_syms.o: | $(LIBBPF_A)
$(OUTPUT)/tests/monitor_test: CFLAGS += -DKTSTR_VMLINUX='"$(VMLINUX_BTF)"'

$(LIBKTSTR): $(SCHED_OBJS)
$(LIB_OBJS) $(OUTPUT)/ktstr.o $(VM_SMOKE) $(TEST_PROGS): | $(UAPI_DEP)
$(PROG) $(TEST_PROGS): $(LIBBPF_A)
.SECONDARY: $(SCX_SKELS) $(patsubst sched/%.bpf.c,$(SCX_OUT)/%.bpf.o,$(SCX_BPF_SRCS))

# External scheduler: scx_simple from KDIR's tools/sched_ext, built the same
# way against the same libbpf, for the scx_ext_simple test, which declares
# its absolute path (-DKTSTR_SCX_SIMPLE) so the host packs it as /scheduler.
# Without it in KDIR the test SKIPs, naming the missing binary.
SCX_EXT_SRC := $(KDIR)/tools/sched_ext
SCX_EXT_OUT := $(SCX_OUT)/ext
SCX_SIMPLE := $(SCX_OUT)/scx_simple
ifeq ($(words $(wildcard $(SCX_EXT_SRC)/scx_simple.bpf.c $(SCX_EXT_SRC)/scx_simple.c))$(NO_ARCH_HOOKS),2)
all: $(SCX_SIMPLE)
endif
$(OUTPUT)/scenarios/scx_tests.o: CFLAGS += -DKTSTR_SCX_SIMPLE='"$(SCX_SIMPLE)"'

$(SCX_EXT_OUT)/%.bpf.o: $(SCX_EXT_SRC)/%.bpf.c $(SCX_INC)/vmlinux.h | $(LIBBPF_A)
	$(call msg,CLNG-BPF,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -target bpf -c -o $@ $<

$(SCX_EXT_OUT)/%.bpf.skel.h: $(SCX_EXT_OUT)/%.bpf.o $(BPFTOOL)
	$(call gen_skel,$*)

$(SCX_SIMPLE): $(SCX_EXT_SRC)/scx_simple.c $(SCX_EXT_OUT)/scx_simple.bpf.skel.h $(LIBBPF_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) -g -O2 -Wall -pthread -I$(SCX_EXT_OUT) -I$(SCX_INC) \
		-I$(SCX_DIR) -I$(KDIR)/tools/include/uapi -isystem $(UAPI_INC) \
		$(LDFLAGS) -o $@ $< $(LIBBPF_A) $(filter-out $(LIBBPF_A) $(LIBS_$(ARCH)),$(LDLIBS))

.SECONDARY: $(SCX_EXT_OUT)/scx_simple.bpf.o $(SCX_EXT_OUT)/scx_simple.bpf.skel.h
-include $(wildcard $(SCX_EXT_OUT)/*.bpf.d)

.PHONY: clean_bpf
clean: clean_bpf
clean_bpf:
	$(Q)rm -rf $(SCX_OUT)

-include $(wildcard $(SCX_OUT)/*.bpf.d)
# ---- end of BPF schedulers ----

# Every generic object (sched/scx_loader.c aside: it needs the arch's guest
# kernel BTF), then one line saying what is missing.
.PHONY: arch_missing
arch_missing: $(filter-out $(OUTPUT)/sched/scx_loader.o,$(LIB_OBJS)) $(OUTPUT)/ktstr.o
	@echo "ktstr: ARCH=$(ARCH): generic files built; vmm/$(ARCH)/ does not implement the vmm/arch.h hooks, nothing to link" >&2; exit 1

# The guest kernel: 'config' and 'config.$(ARCH)' merged onto tinyconfig, built and cached.
kernel:
	+$(Q)KDIR=$(KDIR) ARCH=$(ARCH) scripts/kernel.sh build

unit_tests: all
	$(Q)KDIR=$(KDIR) OUTPUT=$(OUTPUT) KTSTR_UNIT_ONLY=1 scripts/run_tests.sh --unit-only $(TEST_PROGS) $(TEST_SCRIPTS)

run_tests: all
	$(Q)KDIR=$(KDIR) O=$(O) OUTPUT=$(OUTPUT) KTSTR=$(PROG) scripts/run_tests.sh $(TEST_PROGS) $(TEST_SCRIPTS)

# What CI runs (README): this build's unit tests and VM suite, then, on an
# x86_64 host, the arm64 cross build's unit tests and VM tests in emulated
# arm64 KVM hosts: CHECK_AARCH64 selects the VM tests (run_vmtests.sh
# options, no spaces inside one; the full arm64 suite does not fit CI's
# time): the boot category, the declared topology and NUMA, pvtime steal,
# PMUv3, telemetry and sched_ext on 2-8 vCPUs. (The 16-vCPU shapes are
# left out: in a 1-CPU emulated host their guests stall.) CHECK_AARCH64=
# leaves arm64 out.
CHECK_AARCH64 ?= -t boot -i topo_1n1l2c1t,topo_1n2l1c1t,topo_2n2l1c2t,topo_memory_only,topo_cxl_hmat,$\
	perf_steal_time,perf_telemetry,perf_pmu_cycles,scx_steady_llc,scx_exit_caught,$\
	sched_llc_placement,sched_numa_spread
AARCH64_OUTPUT := $(OUTPUT)/build/aarch64
ifeq ($(HOST_ARCH)$(ARCH),x86_64x86_64)
ifneq ($(CHECK_AARCH64),)
CHECK_SUITES := --vm "KTSTR=$(AARCH64_OUTPUT)/ktstr $(CHECK_AARCH64)" \
	$(patsubst %.c,$(AARCH64_OUTPUT)/%,$(filter-out $(TEST_SRCS_x86_64),$(wildcard tests/*_test.c)))
check_aarch64:
	$(call msg,MAKE,ARCH=aarch64 $(AARCH64_OUTPUT))
	+$(Q)$(MAKE) --no-print-directory ARCH=aarch64 CROSS_COMPILE=aarch64-linux-gnu- \
		LLVM= O= OUTPUT=$(AARCH64_OUTPUT) $(AARCH64_OUTPUT)/ktstr all
check: check_aarch64
endif
endif
.PHONY: check check_aarch64 check_san
# Every libFuzzer harness over the seed corpus (fuzz/corpus/): a crash on
# a known input stops the run before the suites.
check: fuzz_corpus
# The unit tests built with SAN=1 (ASan + UBSan) in their own OUTPUT,
# build/san, with the ktstr binary cli_input_test runs, run and counted
# with the others. libbpf, bpftool and the BPF skeletons are the plain
# build's (SCX_OUT): they are not what is under test, and building them a
# second time cost 3 minutes of CI.
ifneq ($(SAN),1)
SAN_OUTPUT := $(OUTPUT)/build/san
CHECK_SAN_TESTS := $(patsubst $(OUTPUT)/%,$(SAN_OUTPUT)/%,$(TEST_PROGS))
check_san: $(PROG)
	$(call msg,MAKE,SAN=1 $(SAN_OUTPUT))
	+$(Q)$(MAKE) --no-print-directory SAN=1 O= OUTPUT=$(SAN_OUTPUT) \
		SCX_OUT=$(SCX_OUT) san_tests
check: check_san
endif
.PHONY: san_tests
san_tests: $(PROG) $(TEST_PROGS)
	@:
check: all
	$(Q)KDIR=$(KDIR) O=$(O) OUTPUT=$(OUTPUT) KTSTR=$(PROG) \
		ASAN_OPTIONS=$${ASAN_OPTIONS:-verify_asan_link_order=0} scripts/run_tests.sh \
		$(CHECK_SUITES) $(TEST_PROGS) $(CHECK_SAN_TESTS) $(TEST_SCRIPTS)

bench: all
	$(Q)KDIR=$(KDIR) KTSTR=$(PROG) bench/boot.sh

INSTALL_PATH ?= $(OUTPUT)/install
install: all
	$(call msg,INSTALL,$(INSTALL_PATH))
	$(Q)mkdir -p $(INSTALL_PATH)/tests $(INSTALL_PATH)/scripts
	$(Q)install -m 0755 $(PROG) run_vmtests.sh $(INSTALL_PATH)/
	$(Q)install -m 0644 config config.$(ARCH) settings $(INSTALL_PATH)/
	$(Q)install -m 0755 $(TEST_PROGS) $(TEST_SCRIPTS) $(VM_SMOKE) $(INSTALL_PATH)/tests/
	$(if $(wildcard $(SCX_SIMPLE)),$(Q)install -m 0755 $(SCX_SIMPLE) $(INSTALL_PATH)/)
	$(Q)cp -a scripts/. $(INSTALL_PATH)/scripts/

emit_tests:
	@for t in $(notdir $(TEST_PROGS) $(TEST_SCRIPTS)); do echo "ktstr:tests/$$t"; done
	@echo "ktstr:run_vmtests.sh"

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -f $(PROG) $(LIBKTSTR) $(TEST_PROGS) $(addsuffix .d,$(TEST_PROGS) $(VM_SMOKE)) $(VM_SMOKE) \
		$(LIB_OBJS) $(LIB_OBJS:.o=.d) $(OUTPUT)/ktstr.o $(OUTPUT)/ktstr.d \
		$(FDT_OBJS) $(FDT_OBJS:.o=.d) $(IMAGE_OBJ) $(IMAGE_OBJ:.o=.d) $(DT_OBJ) $(DT_OBJ:.o=.d)
	$(Q)rm -rf $(OUTPUT)/install $(OUTPUT)/libfdt $(VERSION_H)

-include $(patsubst %.o,%.d,$(sort $(LIB_OBJS) $(FDT_OBJS) $(LIBFDT_OBJS) $(IMAGE_OBJ) $(DT_OBJ)) $(OUTPUT)/ktstr.o)

# ---- sanitizers and fuzzing ----
# SAN=1: ktstr and the unit tests built with ASan + UBSan (any UB is an
# error), in build/san: 'make SAN=1 unit_tests'.
ifeq ($(SAN),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	     -fno-omit-frame-pointer
CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
# The kernel's libfdt passes NULL with length 0 to memcpy(): not ours.
$(LIBFDT_OBJS): CFLAGS += -fno-sanitize=nonnull-attribute
# kselftest's runner starts each test under stdbuf (an LD_PRELOAD), which
# ASan would refuse to run after.
export ASAN_OPTIONS ?= verify_asan_link_order=0
endif

# 'make fuzz': libFuzzer harnesses (fuzz/fuzz_*.c, clang) for every host
# side consumer of guest data and the user-input parsers, each run for
# FUZZ_TIME seconds from its seed corpus in fuzz/corpus/NAME (new inputs
# go to $(FUZZ_OUT)/corpus/NAME). 'make fuzz_corpus' runs each harness once
# over the repo's corpus (a regression check). The library is rebuilt with
# -fsanitize=fuzzer-no-link,address,undefined so the fuzzer sees coverage.
FUZZ_CC ?= clang
FUZZ_TIME ?= 30
FUZZ_OUT := $(OUTPUT)/build/fuzz
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	      -fno-sanitize-recover=undefined -Wno-gnu-variable-sized-type-not-at-end
FUZZ_LIB_SRCS := $(filter-out sched/%,$(LIB_SRCS))
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_LIB := $(FUZZ_OUT)/libktstr-fuzz.a
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(addprefix $(FUZZ_OUT)/fuzz_,$(FUZZ_NAMES))

$(FUZZ_OUT)/obj/%.o: %.c | $(UAPI_DEP)
	$(call msg,FUZZ-CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(filter-out -fsanitize=%,$(CFLAGS)) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_OUT)/obj/scenarios/scx_tests.o: CFLAGS += -DKTSTR_SCX_SIMPLE='"$(SCX_SIMPLE)"'
$(FUZZ_OUT)/obj/vmm/monitor_syms.o: CFLAGS += -I$(SCX_INC)
$(FUZZ_OUT)/obj/vmm/monitor_syms.o: | $(LIBBPF_A)

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_OUT)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB) $(LIBBPF_A)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(filter-out -fsanitize=%,$(CFLAGS)) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) \
		$(filter-out $(LIBS_$(ARCH)),$(LDLIBS))

.PHONY: fuzz fuzz_build fuzz_corpus
fuzz_build: $(FUZZ_BINS)

fuzz: fuzz_build
	$(Q)set -e; for n in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_OUT)/corpus/$$n; \
		echo "  FUZZ     $$n ($(FUZZ_TIME) s)"; \
		$(FUZZ_OUT)/fuzz_$$n -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_OUT)/$$n- \
			$(FUZZ_OUT)/corpus/$$n fuzz/corpus/$$n 2>$(FUZZ_OUT)/$$n.log || \
			{ tail -40 $(FUZZ_OUT)/$$n.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units' $(FUZZ_OUT)/$$n.log | \
			sed "s/^/           $$n: /"; \
	done

fuzz_corpus: fuzz_build
	$(Q)set -e; for n in $(FUZZ_NAMES); do \
		echo "  FUZZ     $$n (corpus)"; \
		$(FUZZ_OUT)/fuzz_$$n -runs=0 -artifact_prefix=$(FUZZ_OUT)/$$n- \
			fuzz/corpus/$$n 2>$(FUZZ_OUT)/$$n.log || \
			{ tail -40 $(FUZZ_OUT)/$$n.log; exit 1; }; \
	done

-include $(wildcard $(FUZZ_OUT)/*.d $(FUZZ_OUT)/obj/*/*.d $(FUZZ_OUT)/obj/*/*/*.d)
# ---- end of sanitizers and fuzzing ----
