# SPDX-License-Identifier: BSD-2-Clause
# svmvisor build. `make` builds the hypervisor and the ISO, `make run` boots it
# in QEMU, `make test` runs every test. See README.md.

BUILD   := build
VERSION := 0.1.0$(shell git describe --always --dirty 2>/dev/null | sed 's/^/-/')

CC      := gcc
LD      := ld
NASM    := nasm
CLANG   := clang
PYTHON  := /usr/bin/python3

# Debian packages: the build needs only the first list; the emulators and
# test libraries are checked by the targets that use them. Each stamp below
# installs what is missing as root, else prints the apt-get line; on a
# system without dpkg it names the missing tools instead.
BUILD_PACKAGES := gcc make binutils nasm grub-common grub-pc-bin grub-efi-amd64-bin \
	xorriso mtools acpica-tools
TEST_PACKAGES := qemu-system-x86 ovmf seabios bochs bochsbios vgabios \
	libcmocka-dev clang libclang-rt-14-dev llvm python3 python3-pytest python3-pexpect
# The Linux guest (make linux): unpacking and packing tools; the kernel and
# busybox themselves are downloaded with apt-get, never installed.
LINUX_PACKAGES := cpio fakeroot gzip xz-utils lz4 zstd
BUILD_TOOLS := gcc make ld nasm grub-mkrescue grub-file xorriso mformat iasl
TEST_TOOLS := qemu-system-x86_64 bochs clang llvm-cov llvm-profdata python3
LINUX_TOOLS := apt-get dpkg-deb cpio fakeroot gzip xz lz4 zstd

# --- the hypervisor image ----------------------------------------------------

KERNEL_C := \
	kernel/main.c kernel/cpu.c kernel/timer.c kernel/trap.c kernel/log.c kernel/panic.c kernel/power.c kernel/mce.c \
	kernel/crash.c kernel/options.c kernel/lib/string.c kernel/lib/fmt.c kernel/lib/cmdline.c kernel/lib/x86_arch.c kernel/lib/outring.c \
	kernel/smp.c kernel/console/monitor.c kernel/console/mon_line.c kernel/console/mon_cmd.c boot/mb2.c mm/frame.c mm/ramplace.c mm/paging.c mm/memory.c \
	drivers/uart.c drivers/tsc.c drivers/lapic.c drivers/pic.c drivers/acpi.c drivers/cmos.c \
	kernel/vm/vms.c kernel/vm/vmopts.c kernel/vm/loader.c kernel/vm/bzimage.c kernel/vm/mptable.c kernel/vm/acpitab.c kernel/vm/pvh.c mm/npt.c drivers/virt/bus.c drivers/virt/vuart.c drivers/virt/debugexit.c drivers/virt/vlapic.c \
	drivers/virt/vioapic.c drivers/virt/vpic.c drivers/virt/vpit.c drivers/virt/vrtc.c \
	drivers/virt/vpmtimer.c drivers/virt/vsysctl.c kernel/lib/date.c \
	svm/svm.c svm/vcpu.c svm/trace.c svm/exits.c svm/hypercall.c svm/step.c svm/gmem.c svm/vmctl.c svm/asid.c svm/vmcb_check.c svm/vmcb_init.c svm/msr.c svm/cpuid.c svm/crx.c \
	svm/decode.c svm/gwalk.c svm/intr.c svm/apic.c svm/mmio.c svm/emulate.c svm/platform.c \
	svm/strio.c svm/strio_exec.c
KERNEL_ASM := boot/entry.asm boot/trampoline.asm kernel/isr.asm svm/vmrun.asm
KERNEL_OBJ := $(KERNEL_ASM:%.asm=$(BUILD)/obj/%.o) $(KERNEL_C:%.c=$(BUILD)/obj/%.o) \
	$(BUILD)/obj/gen/dsdt_aml.o

KCFLAGS := \
	-std=gnu11 -O2 -g \
	-ffreestanding -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-fno-pie -fno-pic \
	-fno-stack-protector \
	-fno-common \
	-fno-strict-aliasing \
	-fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer \
	-fno-tree-loop-distribute-patterns \
	-mno-red-zone \
	-mgeneral-regs-only \
	-mcmodel=small \
	-I. -DSVMVISOR_VERSION='"$(VERSION)"' -MMD -MP \
	-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow -Wundef \
	-Wpointer-arith -Wcast-align -Wwrite-strings -Wvla -Wformat=2
# Why each flag:
#  -ffreestanding -nostdinc -isystem: no libc; only gcc's own stdint/stdarg headers
#  -fno-pie -fno-pic: a static image linked at 0x200000 (Debian's gcc defaults to PIE)
#  -fno-stack-protector: no TLS canary in a freestanding kernel
#  -fno-common: one definition per global
#  -fno-strict-aliasing: hardware structures are read through several types
#  -fno-asynchronous-unwind-tables: no .eh_frame in the image
#  -fno-omit-frame-pointer: readable stack traces in dumps and debuggers
#  -fno-tree-loop-distribute-patterns: stops gcc turning memcpy's own loop into a memcpy call
#  -mno-red-zone: interrupts push onto the stack below RSP at any time
#  -mgeneral-regs-only: the host never saves SSE/AVX state, so must not use it
#  -mcmodel=small: everything lives below 2 GiB
#  -MMD -MP: header dependencies
LDFLAGS := -nostdlib -static -no-pie --build-id=none -z max-page-size=0x1000 -z noexecstack
NASMFLAGS := -f elf64 -g -F dwarf -Werror

# Flat test guests (guests/*.asm, `org`), and Multiboot ELF ones (guests/mb*.asm).
ELF_GUESTS := $(patsubst guests/%.asm,$(BUILD)/guests/%.elf,$(wildcard guests/mb*.asm))
GUESTS := $(patsubst guests/%.asm,$(BUILD)/guests/%.bin,$(filter-out guests/mb%,$(wildcard guests/*.asm))) \
	$(ELF_GUESTS)
# The hostile cases and their witness (guests/hostile/, docs/security.md):
# built with the rest, booted only by tests/integration/test_hostile.py.
HOSTILE := $(patsubst guests/hostile/%.asm,$(BUILD)/guests/hostile/%.bin,$(wildcard guests/hostile/*.asm))

all: $(BUILD)/svmvisor.elf $(BUILD)/svmvisor.iso $(HOSTILE)

# --- the Linux guest: Debian's kernel and busybox (docs/linux.md) -------------

# Any Debian 12 x86-64 kernel package boots the same way:
# make linux LINUX_PACKAGE=linux-image-amd64
LINUX_PACKAGE ?= linux-image-cloud-amd64
LINUX := $(BUILD)/linux
LINUX_FILES := $(LINUX)/vmlinuz $(LINUX)/initramfs.gz

linux: $(LINUX_FILES) $(LINUX)/vmlinux

$(LINUX)/kernel/package: guests/linux/fetch.sh | $(BUILD)/.deps-linux
	guests/linux/fetch.sh $(LINUX_PACKAGE) $(LINUX)/kernel
	@[ "$$(cat $@)" != "" ]

$(LINUX)/vmlinuz: $(LINUX)/kernel/package
	cp $(LINUX)/kernel/root/boot/vmlinuz-* $@

# The PVH image: the bzImage's payload, decompressed.
$(LINUX)/vmlinux: $(LINUX)/vmlinuz guests/linux/vmlinux.sh
	guests/linux/vmlinux.sh $< $@

# The tests also boot Debian's generic kernel (xz-compressed, with MP-table
# support): any Debian kernel package boots the same way.
LINUX_TEST_PACKAGE := linux-image-amd64
$(LINUX)/generic/package: guests/linux/fetch.sh | $(BUILD)/.deps-linux
	guests/linux/fetch.sh $(LINUX_TEST_PACKAGE) $(LINUX)/generic

$(LINUX)/vmlinuz-generic: $(LINUX)/generic/package
	cp $(LINUX)/generic/root/boot/vmlinuz-* $@

$(LINUX)/busybox/package: guests/linux/fetch.sh | $(BUILD)/.deps-linux
	guests/linux/fetch.sh busybox-static $(LINUX)/busybox

$(LINUX)/initramfs.gz: $(LINUX)/busybox/package $(wildcard guests/linux/*)
	fakeroot guests/linux/mkinitramfs.sh $(LINUX)/busybox/root/bin/busybox $@

# Test guests: flat binaries assembled on their own (guests/*.asm).
$(BUILD)/guests/%.bin: guests/%.asm $(wildcard guests/*.inc) | $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	$(NASM) -f bin -Werror $< -o $@

$(BUILD)/guests/hostile/%.bin: guests/hostile/%.asm $(wildcard guests/*.inc guests/hostile/*.inc) | $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	$(NASM) -f bin -Werror $< -o $@

$(BUILD)/guests/%.elf: guests/%.asm $(wildcard guests/*.inc) | $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	$(NASM) -f elf32 -Werror $< -o $(@:.elf=.o)
	$(LD) -m elf_i386 -nostdlib -static --build-id=none -e _start -z noseparate-code -Ttext-segment=0x100000 -o $@ $(@:.elf=.o)

$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.asm boot/x86.inc | $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) $< -o $@

# The guests' DSDT (kernel/vm/dsdt.asl): Debian's iasl (-we: a warning
# fails the build), then its AML as a C array (od and sed: no xxd needed).
$(BUILD)/gen/dsdt.aml: kernel/vm/dsdt.asl | $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	iasl -vs -we -p $(basename $@) $< >$(basename $@).log 2>&1 \
		|| { cat $(basename $@).log; rm -f $@; exit 1; }

$(BUILD)/gen/dsdt_aml.c: $(BUILD)/gen/dsdt.aml
	{ echo '/* SPDX-License-Identifier: BSD-2-Clause */'; \
	  echo '/* Generated from kernel/vm/dsdt.asl by the Makefile: do not edit. */'; \
	  echo '#include "kernel/vm/acpitab.h"'; \
	  echo 'const unsigned char acpi_dsdt_aml[] = {'; \
	  od -An -v -tx1 $< | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; \
	  echo 'const unsigned acpi_dsdt_aml_len = sizeof(acpi_dsdt_aml);'; \
	} >$@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/dsdt_aml.o: $(BUILD)/gen/dsdt_aml.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/svmvisor.elf: $(KERNEL_OBJ) linker.ld
	$(LD) $(LDFLAGS) -T linker.ld -o $@ $(KERNEL_OBJ)
	grub-file --is-x86-multiboot2 $@

# --- the ISO: GRUB for BIOS and UEFI in one image ------------------------------

$(BUILD)/svmvisor.iso: $(BUILD)/svmvisor.elf iso/grub.cfg $(GUESTS) $(LINUX_FILES)
	rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub $(BUILD)/iso/guests
	cp iso/grub.cfg $(BUILD)/iso/boot/grub/grub.cfg
	cp $(BUILD)/svmvisor.elf $(BUILD)/iso/boot/svmvisor.elf
	cp $(GUESTS) $(LINUX_FILES) $(BUILD)/iso/guests/
	grub-mkrescue -o $@ $(BUILD)/iso 2>$(BUILD)/grub-mkrescue.log || { cat $(BUILD)/grub-mkrescue.log; exit 1; }

# Your own ISO: make iso CONFIG=path/to/grub.cfg FILES="a.elf b.bin ..."
# builds build/custom.iso with that menu and the files under /guests/ (the
# default ISO stays as it is). docs/guests.md walks through it.
CONFIG ?=
FILES ?=
iso: $(BUILD)/svmvisor.elf
	@if [ -z "$(CONFIG)" ]; then echo "make iso: CONFIG=path/to/grub.cfg is required (see docs/guests.md)"; exit 1; fi
	@[ -f "$(CONFIG)" ] || { echo "make iso: no such file: $(CONFIG)"; exit 1; }
	@for f in $(FILES); do [ -f "$$f" ] || { echo "make iso: no such file: $$f"; exit 1; }; done
	rm -rf $(BUILD)/custom-iso && mkdir -p $(BUILD)/custom-iso/boot/grub $(BUILD)/custom-iso/guests
	cp "$(CONFIG)" $(BUILD)/custom-iso/boot/grub/grub.cfg
	cp $(BUILD)/svmvisor.elf $(BUILD)/custom-iso/boot/svmvisor.elf
	$(if $(FILES),cp $(FILES) $(BUILD)/custom-iso/guests/)
	grub-mkrescue -o $(BUILD)/custom.iso $(BUILD)/custom-iso 2>$(BUILD)/grub-mkrescue.log || { cat $(BUILD)/grub-mkrescue.log; exit 1; }
	@echo "built $(BUILD)/custom.iso; boot it with: make run ISO=$(BUILD)/custom.iso"

# make run [ISO=...] [SMP=9] [MEM=1G] [UEFI=1]
ISO ?= $(BUILD)/svmvisor.iso
SMP ?= 9
MEM ?= 1G
UEFI ?=
OVMF_CODE := /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS := /usr/share/OVMF/OVMF_VARS_4M.fd
QEMU_RUN = qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp $(SMP) -m $(MEM) \
	-cdrom $(ISO) -boot d -display none -vga none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	$(if $(UEFI),-drive if=pflash$(comma)format=raw$(comma)unit=0$(comma)readonly=on$(comma)file=$(OVMF_CODE) \
		-drive if=pflash$(comma)format=raw$(comma)unit=1$(comma)file=$(BUILD)/run-vars.fd)
comma := ,

run: all linux $(BUILD)/.deps-test
	@[ -f "$(ISO)" ] || { echo "make run: no such ISO: $(ISO)"; exit 1; }
	$(if $(UEFI),cp $(OVMF_VARS) $(BUILD)/run-vars.fd)
	@echo "svmvisor in QEMU: serial on this terminal; quit with Ctrl-A x"
	$(QEMU_RUN) -serial mon:stdio

help:
	@echo "svmvisor: make TARGET [VARIABLE=value ...]"
	@echo "targets:"
	@echo "  all (default)   build build/svmvisor.elf and the default ISO build/svmvisor.iso"
	@echo "  run             build, then boot an ISO in QEMU with the serial console on this terminal"
	@echo "  iso             build build/custom.iso from CONFIG= and FILES= (docs/guests.md)"
	@echo "  linux           Debian's kernel and a busybox initramfs in build/linux/ (docs/linux.md)"
	@echo "  test            every test: check-layers, unit, fuzz-smoke, integration"
	@echo "  unit            cmocka unit tests of the pure modules (ASan + UBSan)"
	@echo "  fuzz-smoke      every libFuzzer harness for FUZZ_SMOKE_SECONDS"
	@echo "  fuzz            long fuzzing runs, FUZZ_SECONDS each; corpora in build/corpus/"
	@echo "  fuzz-cov        fuzz_exits: its exec/s (FUZZ_SECONDS) and the exit path's line coverage"
	@echo "  integration     pytest + pexpect boots in QEMU (SeaBIOS, OVMF) and Bochs"
	@echo "  check-layers    the include rules of docs/ARCHITECTURE.md"
	@echo "  check-links     every relative link in README.md and docs/ resolves; SPDX lines"
	@echo "  bench           per-exit cost in instructions (docs/PERFORMANCE.md)"
	@echo "  bench-linux     Linux boot time against bare QEMU, its exits at boot and idle"
	@echo "  soak            SOAK_MINUTES (30) of every kind of VM with the console driven throughout"
	@echo "  deps            install the Debian packages the build and the tests need"
	@echo "  clean           remove build/"
	@echo "  help            this list"
	@echo "variables:"
	@echo "  ISO=path        run: the ISO to boot (default build/svmvisor.iso)"
	@echo "  SMP=n           run: QEMU's CPUs (default 9: the default entry's nine vCPUs, echo's with the console)"
	@echo "  MEM=size        run: QEMU's memory (default 1G)"
	@echo "  UEFI=1          run: boot with OVMF instead of SeaBIOS"
	@echo "  CONFIG=path     iso: the grub.cfg of the custom ISO"
	@echo "  LINUX_PACKAGE=p linux: the Debian kernel package (default linux-image-cloud-amd64)"
	@echo "  FILES=\"a b\"     iso: files copied under /guests/ on the custom ISO"
	@echo "  PYTEST_ARGS=..  integration: extra pytest arguments, e.g. -k bochs"
	@echo "  FUZZ_SECONDS=n  fuzz: seconds per harness (default 120)"
	@echo "  FUZZ_SMOKE_SECONDS=n  fuzz-smoke: seconds per harness (default 5)"

# --- tests ---------------------------------------------------------------------

HOST_CFLAGS := -std=gnu11 -g -O1 -I. -Wall -Wextra -Werror -Wno-format-zero-length \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -g -O1 -I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

# Each pure module and the sources its tests link.
SRCS_mb2     := boot/mb2.c
SRCS_frame   := mm/frame.c
SRCS_fmt     := kernel/lib/fmt.c
SRCS_cmdline := kernel/lib/cmdline.c kernel/options.c kernel/lib/fmt.c
SRCS_acpi    := drivers/acpi.c
SRCS_mon_line := kernel/console/mon_line.c
SRCS_mon_cmd := kernel/console/mon_cmd.c kernel/console/mon_line.c kernel/lib/cmdline.c kernel/lib/fmt.c
SRCS_npt     := mm/npt.c
SRCS_ramplace := mm/ramplace.c mm/frame.c mm/npt.c kernel/lib/fmt.c
SRCS_asid    := svm/asid.c
SRCS_vmcb_check := svm/vmcb_check.c svm/vmcb_init.c
SRCS_vmopts  := kernel/vm/vmopts.c kernel/lib/cmdline.c kernel/lib/fmt.c
SRCS_loader  := kernel/vm/loader.c boot/mb2.c
SRCS_decode  := svm/decode.c
SRCS_gwalk   := svm/gwalk.c
SRCS_bus     := drivers/virt/bus.c drivers/virt/vuart.c drivers/virt/debugexit.c kernel/lib/fmt.c
SRCS_vuart   := $(SRCS_bus)
SRCS_vmcb_init := svm/vmcb_init.c svm/vmcb_check.c
SRCS_outring := kernel/lib/outring.c
SRCS_cpuid   := svm/cpuid.c
SRCS_crx     := svm/crx.c svm/decode.c svm/cpuid.c svm/vmcb_check.c svm/vmcb_init.c
SRCS_msr     := svm/msr.c
SRCS_vlapic  := drivers/virt/vlapic.c
SRCS_emulate := svm/emulate.c svm/decode.c
SRCS_intr    := svm/intr.c
SRCS_vioapic := drivers/virt/vioapic.c drivers/virt/bus.c kernel/lib/fmt.c
SRCS_vpic    := drivers/virt/vpic.c drivers/virt/bus.c kernel/lib/fmt.c
SRCS_vpit    := drivers/virt/vpit.c drivers/virt/bus.c kernel/lib/fmt.c
SRCS_vrtc    := drivers/virt/vrtc.c kernel/lib/date.c drivers/virt/bus.c kernel/lib/fmt.c
SRCS_vpmtimer := drivers/virt/vpmtimer.c drivers/virt/bus.c kernel/lib/fmt.c
SRCS_vsysctl := drivers/virt/vsysctl.c drivers/virt/bus.c kernel/lib/fmt.c
SRCS_bzimage := kernel/vm/bzimage.c kernel/vm/loader.c
SRCS_mptable := kernel/vm/mptable.c
SRCS_pvh     := kernel/vm/pvh.c kernel/vm/loader.c
SRCS_acpitab := kernel/vm/acpitab.c $(BUILD)/gen/dsdt_aml.c
SRCS_strio   := svm/strio.c

UNIT_TESTS := mb2 frame fmt cmdline acpi mon_line mon_cmd npt asid vmcb_check vmcb_init decode \
	gwalk vmopts loader bus vuart outring cpuid msr intr emulate vlapic vioapic vpic vpit vrtc \
	vpmtimer vsysctl bzimage mptable acpitab pvh crx strio ramplace
FUZZERS    := mb2 frame fmt cmdline acpi mon_line mon_cmd npt decode vmopts loader bus cpuid msr outring \
	asid gwalk vmcb_check emulate vlapic vioapic vpic vpit vrtc vpmtimer vsysctl bzimage vuart pvh exits \
	ramplace
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_SECONDS ?= 120

.SECONDEXPANSION:
$(BUILD)/unit/test_%: tests/unit/test_%.c $$(SRCS_$$*) $(wildcard tests/common/*.h) | $(BUILD)/.deps-build $(BUILD)/.deps-test
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $< $(SRCS_$*) -lcmocka -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(SRCS_$$*) $(wildcard tests/common/*.h) | $(BUILD)/.deps-build $(BUILD)/.deps-test
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) $< $(SRCS_$*) -o $@

# fuzz_emulate runs the unit test's differential generator (it includes the file).
$(BUILD)/fuzz/fuzz_emulate: tests/unit/test_emulate.c

# The loaders' tests also plan the real kernels when make linux has run.
unit: $(BUILD)/.deps-test $(UNIT_TESTS:%=$(BUILD)/unit/test_%)
	@set -e; [ -f $(LINUX)/vmlinuz ] && export BZIMAGE=$(LINUX)/vmlinuz; \
	[ -f $(LINUX)/vmlinux ] && export VMLINUX=$(LINUX)/vmlinux; \
	for t in $(UNIT_TESTS:%=$(BUILD)/unit/test_%); do echo "== $$t"; ./$$t; done

# The whole exit path on the host (docs/security-fuzz.md): the real handlers and
# device models with host stand-ins for the kernel; tests/fuzz/host/ shadows the
# headers with inline assembly. Not SRCS_: these sources are not pure.
HOSTED_exits := tests/fuzz/exits_host.c svm/exits.c svm/mmio.c svm/emulate.c svm/decode.c \
	svm/gwalk.c svm/gmem.c svm/msr.c svm/cpuid.c svm/apic.c svm/intr.c svm/platform.c \
	svm/hypercall.c svm/step.c svm/vmcb_check.c svm/vmcb_init.c svm/vmctl.c svm/asid.c svm/crx.c \
	svm/strio.c svm/strio_exec.c \
	drivers/virt/bus.c drivers/virt/vuart.c drivers/virt/debugexit.c drivers/virt/vlapic.c \
	drivers/virt/vioapic.c drivers/virt/vpic.c drivers/virt/vpit.c drivers/virt/vrtc.c \
	drivers/virt/vpmtimer.c drivers/virt/vsysctl.c kernel/lib/fmt.c kernel/lib/date.c \
	kernel/lib/outring.c kernel/lib/x86_arch.c mm/npt.c mm/ramplace.c mm/frame.c

$(BUILD)/fuzz/fuzz_exits: tests/fuzz/fuzz_exits.c $(HOSTED_exits) tests/fuzz/exits_host.h $(wildcard tests/fuzz/host/kernel/*.h tests/common/*.h) | $(BUILD)/.deps-build $(BUILD)/.deps-test
	@mkdir -p $(dir $@)
	$(CLANG) -Itests/fuzz/host $(FUZZ_CFLAGS) $< $(HOSTED_exits) -o $@

# fuzz_exits's figures (docs/security.md): a run of FUZZ_SECONDS for the
# exec/s, then the line coverage of the exit path's sources over the seeds
# and build/corpus/exits, from a build with clang's source-based coverage.
COV_exits := $(filter svm/% drivers/%,$(HOSTED_exits))
$(BUILD)/cov/fuzz_exits: tests/fuzz/fuzz_exits.c $(HOSTED_exits) tests/fuzz/exits_host.h $(wildcard tests/fuzz/host/kernel/*.h tests/common/*.h) | $(BUILD)/.deps-build $(BUILD)/.deps-test
	@mkdir -p $(dir $@)
	$(CLANG) -Itests/fuzz/host -std=gnu11 -g -O1 -I. -fsanitize=fuzzer \
		-fprofile-instr-generate -fcoverage-mapping $< $(HOSTED_exits) -o $@

fuzz-cov: $(BUILD)/fuzz/fuzz_exits $(BUILD)/cov/fuzz_exits
	@mkdir -p $(BUILD)/corpus/exits
	./$(BUILD)/fuzz/fuzz_exits -max_total_time=$(FUZZ_SECONDS) $(BUILD)/corpus/exits \
		tests/fuzz/corpus/exits 2>&1 | grep -E '^#[0-9]+ +DONE|^Done'
	@rm -f $(BUILD)/cov/*.profraw
	LLVM_PROFILE_FILE=$(BUILD)/cov/exits-%p.profraw ./$(BUILD)/cov/fuzz_exits -runs=0 \
		$(BUILD)/corpus/exits tests/fuzz/corpus/exits >/dev/null 2>&1
	llvm-profdata merge -sparse $(BUILD)/cov/*.profraw -o $(BUILD)/cov/exits.profdata
	llvm-cov report ./$(BUILD)/cov/fuzz_exits -instr-profile=$(BUILD)/cov/exits.profdata \
		$(COV_exits)

# A short run of every fuzzer over its seed corpus and fresh inputs.
fuzz-smoke: $(BUILD)/.deps-test $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)
	@set -e; for f in $(FUZZERS); do \
		mkdir -p $(BUILD)/corpus/$$f; \
		seeds=; if [ -d tests/fuzz/corpus/$$f ]; then seeds=tests/fuzz/corpus/$$f; fi; \
		echo "== fuzz_$$f ($(FUZZ_SMOKE_SECONDS) s)"; \
		./$(BUILD)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SMOKE_SECONDS) -print_final_stats=0 \
			$(BUILD)/corpus/$$f $$seeds 2>$(BUILD)/fuzz/fuzz_$$f.log \
			|| { tail -n 40 $(BUILD)/fuzz/fuzz_$$f.log; exit 1; }; \
	done

# Long fuzzing sessions: `make fuzz FUZZ_SECONDS=600`.
fuzz: $(BUILD)/.deps-test $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)
	@set -e; for f in $(FUZZERS); do \
		mkdir -p $(BUILD)/corpus/$$f; \
		seeds=; if [ -d tests/fuzz/corpus/$$f ]; then seeds=tests/fuzz/corpus/$$f; fi; \
		echo "== fuzz_$$f ($(FUZZ_SECONDS) s)"; \
		./$(BUILD)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) $(BUILD)/corpus/$$f $$seeds; \
	done

integration: all linux $(LINUX)/vmlinuz-generic $(BUILD)/.deps-test
	$(PYTHON) -m pytest -v -rs --junitxml=$(BUILD)/integration.xml tests/integration $(PYTEST_ARGS)

# The include rules of docs/ARCHITECTURE.md (layers, no cycles, pure modules).
check-layers:
	@$(PYTHON) tests/check_layers.py

# Every relative link in README.md and docs/ points at a file (and heading)
# that exists; every source file names its license.
check-links:
	@$(PYTHON) tests/check_links.py
	@$(PYTHON) tests/check_spdx.py

test: check-layers check-links linux unit fuzz-smoke integration

# Figures, not a pass/fail test: per-exit cost under QEMU icount.
bench: all $(BUILD)/.deps-test
	$(PYTHON) tests/bench/run.py

# Figures, not a pass/fail test: a Debian kernel under svmvisor against bare
# QEMU, its exits at boot and idle (docs/PERFORMANCE.md, "Linux").
bench-linux: all linux $(BUILD)/.deps-test
	$(PYTHON) tests/bench/linux.py

# A long run of every kind of VM with the console driven the whole time
# (docs/security.md, "Soak"); not part of make test.
SOAK_MINUTES ?= 30
soak: all linux $(BUILD)/.deps-test
	$(PYTHON) tests/soak/soak.py --minutes $(SOAK_MINUTES)

# --- set-up --------------------------------------------------------------------

deps: $(BUILD)/.deps-build $(BUILD)/.deps-test $(BUILD)/.deps-linux

# $(call need,stamp,packages,tools)
define need
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
		missing=$$(for t in $(3); do command -v $$t >/dev/null 2>&1 || echo $$t; done | tr '\n' ' '); \
		if [ -n "$$missing" ]; then \
			echo "svmvisor: not a Debian system (no dpkg); these tools are missing: $$missing"; \
			echo "  (on Debian they come with: $(2))"; exit 1; \
		fi; \
	else \
		missing=$$(for p in $(2); do \
			dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
		done | tr '\n' ' '); \
		if [ -n "$$missing" ]; then \
			if [ "$$(id -u)" = 0 ]; then \
				echo "installing missing Debian packages: $$missing"; \
				apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing || exit 1; \
			else \
				echo "svmvisor needs these Debian packages; install them with:"; \
				echo "  sudo apt-get install -y $$missing"; \
				exit 1; \
			fi; \
		fi; \
	fi
	@mkdir -p $(BUILD) && touch $(1)
endef

$(BUILD)/.deps-build: Makefile
	$(call need,$@,$(BUILD_PACKAGES),$(BUILD_TOOLS))

$(BUILD)/.deps-test: Makefile
	$(call need,$@,$(TEST_PACKAGES),$(TEST_TOOLS))

$(BUILD)/.deps-linux: Makefile
	$(call need,$@,$(LINUX_PACKAGES),$(LINUX_TOOLS))

clean:
	rm -rf $(BUILD)

.PHONY: all linux bench-linux soak run iso help unit fuzz fuzz-cov fuzz-smoke integration check-layers check-links test bench deps clean

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
