# SPDX-License-Identifier: BSD-2-Clause
"""Guests under VMRUN: self-test guests pass, hostile ones are stopped with
a report while the others keep running, on QEMU (no NRIP) and Bochs (NRIP)."""
import os
import re

import pytest

from svmv import BUILD, QEMU_EXIT_OK, Module, bochs, build_iso, qemu

QEMU_EXIT_VM_FAILED = 5     # kernel/panic.h EXIT_VM_FAILED (2) -> (2 << 1) | 1

CPUID_CASES = ["cpuid: SVM hidden", "cpuid: hypervisor bit set",
               "cpuid: 0x40000000 signature svmvisor",
               "cpuid: prefixed CPUID skipped by its real length", "io: unassigned port reads all ones",
               "msr: EFER.SVME hidden", "msr: unknown MSR raises #GP", "vmmcall: console write",
               "exceptions: #DB reflected to the guest",
               "svm: VMRUN is #UD", "svm: VMLOAD is #UD", "svm: VMSAVE is #UD",
               "svm: STGI is #UD", "svm: CLGI is #UD", "svm: SKINIT is #UD",
               "svm: INVLPGA is #UD"]


def guest(name, vm, extra=""):
    with open(os.path.join(BUILD, "guests", name + ".bin"), "rb") as f:
        data = f.read()
    return Module(name + ".bin", data,
                  f"vm={vm} kind=flat load=0x100000 mode=prot32 mem=16M {extra}".strip())


def real_guest():
    with open(os.path.join(BUILD, "guests", "real16.bin"), "rb") as f:
        return Module("real16.bin", f.read(),
                      "vm=real kind=flat load=0x7c00 entry=0x7c00 mode=real mem=1M")


def check_long_guest(c):
    for case in ("long mode: EFER.LMA set", "long mode: REX-prefixed CPUID",
                 "long mode: unassigned port reads all ones"):
        assert f"[long] PASS {case}" in c, (case, c)
    assert "vm long: result 0 (debug exit with code 0)" in c


def flat64_guest():
    with open(os.path.join(BUILD, "guests", "flat64.bin"), "rb") as f:
        return Module("flat64.bin", f.read(), "vm=flat64 kind=flat load=0x100000 mode=long mem=16M")


def check_flat64_guest(c):
    for case in ("started in 64-bit mode", "CR0.PG and CR4.PAE set", "CR3 at the start area",
                 "identity map covers RAM", "GDT selectors", "CPUID hypervisor leaf"):
        assert f"[flat64] PASS flat64: {case}" in c, (case, c)
    assert "[flat64] FAIL" not in c
    assert "vm flat64: result 0 (debug exit with code 0)" in c


def check_real_guest(c):
    assert "[real] PASS real mode: CPUID signature" in c, c
    assert "[real] PASS real mode: unassigned port reads all ones" in c
    assert "vm real: result 0 (debug exit with code 0)" in c


def check_cpuid_guest(c, vm="cpuid"):
    for case in CPUID_CASES:
        assert f"[{vm}] PASS {case}" in c, case
    assert f"[{vm}] FAIL" not in c
    assert f"[{vm}] hello through the console hypercall" in c
    assert f"vm {vm}: result 0 (debug exit with code 0)" in c
    # #DB went through the intercept (exit 0x41) and was reflected.
    assert re.search(rf"vm {vm}: vcpu0:   exit 0x041 x 1 ", c), c
    # #AC likewise where the CPU checks alignment (Bochs; QEMU's TCG never does).
    if f"[{vm}] SKIP exceptions: #AC" not in c:
        assert f"[{vm}] PASS exceptions: #AC reflected to the guest" in c, c
        assert re.search(rf"vm {vm}: vcpu0:   exit 0x051 x 1 ", c), c


def check_hostile(c):
    assert re.search(r"vm pastram: stopped: read of unassigned guest-physical address 0x7ff00000 "
                     r"\(strict=on\) \(vcpu0 on cpu\d, exit 0x400, RIP 0x[0-9a-f]+\)", c), c
    assert re.search(r"vm triple: stopped: (triple fault|double fault in the guest)", c), c
    # The flight recorder follows a fault stop; its last exit is the fatal one.
    assert "vm triple: vcpu0: the last exits before it stopped:" in c
    assert re.search(r"vm triple: vcpu0: trace \d+ +[0-9a-f]+ +(0x7f|0x48) ", c), c
    assert re.search(r"vm pastram: vcpu0: trace \d+ +[0-9a-f]+ +0x400 +[0-9a-f]+ +7ff00000 ", c), c
    assert "still running" not in c


def test_qemu_one_guest():
    run = qemu(build_iso("testexit=on", [guest("cpuid32", "cpuid")]), smp=2)
    check_cpuid_guest(run.console)
    assert run.status == QEMU_EXIT_OK, run.console


def test_qemu_three_guests_in_parallel_with_hostile_ones():
    mods = [guest("cpuid32", "cpuid"), guest("pastram32", "pastram", "strict=on"),
            guest("triple32", "triple"), guest("cpuid32", "cpuid2"), real_guest(),
            guest("long64", "long"), flat64_guest()]
    run = qemu(build_iso("testexit=on", mods), smp=8)
    c = run.console
    check_flat64_guest(c)
    check_real_guest(c)
    check_long_guest(c)
    check_cpuid_guest(c, "cpuid")
    check_cpuid_guest(c, "cpuid2")
    check_hostile(c)
    vms = ("cpuid", "pastram", "triple", "cpuid2", "real", "long", "flat64")
    cores = {re.search(rf"vm {vm}: .* vcpu0 on cpu(\d)", c).group(1) for vm in vms}
    assert len(cores) == len(vms), "each VM on a core of its own"
    assert run.status == QEMU_EXIT_VM_FAILED


def test_bochs_reflects_ac():
    run = bochs(build_iso("testexit=on", [guest("cpuid32", "cpuid")]), cpus=2)
    assert "[cpuid] PASS exceptions: #AC reflected to the guest" in run.console, run.console


def test_bochs_guests():
    mods = [guest("cpuid32", "cpuid"), guest("pastram32", "pastram", "strict=on"), guest("triple32", "triple"),
            real_guest(), guest("long64", "long"), flat64_guest()]
    run = bochs(build_iso("testexit=on", mods), cpus=6)
    assert not run.timed_out, run.console
    check_flat64_guest(run.console)
    assert re.search(r"vm \w+: .* vcpu0 on cpu0", run.console), "the boot CPU runs a guest too"
    check_real_guest(run.console)
    check_long_guest(run.console)
    check_cpuid_guest(run.console)
    check_hostile(run.console)


@pytest.mark.parametrize("opts,msg", [
    ("vm=bad kind=flat load=0x100000 mode=prot32 mem=16M frob=1", 'unknown option "frob"'),
    ("vm=big kind=flat load=0x100000 mode=prot32 mem=64G", "not enough free host memory"),
    ("vm=far kind=flat load=0xfff000 mode=prot32 mem=16M", "segment outside guest RAM"),
    ("vm=top kind=flat load=0xffe000 mode=long mem=16M",
     "mode=long: the image overlaps the long-mode page tables at the top of RAM"),
])
def test_bad_vm_lines_stop_only_that_vm(opts, msg):
    bad = guest("cpuid32", "x")
    bad.cmdline = opts
    run = qemu(build_iso("testexit=on", [bad, guest("cpuid32", "cpuid")]), smp=3)
    assert msg in run.console, run.console
    check_cpuid_guest(run.console)


def multiboot_guests():
    def elf(name):
        with open(os.path.join(BUILD, "guests", name + ".elf"), "rb") as f:
            return f.read()
    return [Module("mb1hello.elf", elf("mb1hello"), 'vm=mb1 mem=16M cmdline="console=ttyS0 answer=42"'),
            Module("mb1.initrd", b"MODULE DATA" * 100, "for=mb1 cmdline=initrd-like"),
            Module("mb2hello.elf", elf("mb2hello"), 'vm=mb2 mem=16M cmdline="root=/dev/null quiet"'),
            Module("mb2.initrd", b"MODULE DATA" * 90, "for=mb2 cmdline=initrd-like")]


MB_CASES = ["[mb1] PASS mb1: EAX is 0x2BADB002", "[mb1] PASS mb1: mem_lower is 640 KiB",
            "[mb1] PASS mb1: command line",
            "[mb1] PASS mb1: module, page-aligned, with its string and bytes",
            "[mb1] PASS mb1: memory map present", "[mb2] PASS mb2: EAX is 0x36D76289",
            "[mb2] PASS mb2: command line tag", "[mb2] PASS mb2: boot loader name svmvisor",
            "[mb2] PASS mb2: module tag with its string and bytes", "[mb2] PASS mb2: memory map tag"]


@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
def test_multiboot_loaders(emulator):
    iso = build_iso("testexit=on", multiboot_guests())
    run = qemu(iso, smp=3) if emulator == "qemu" else bochs(iso, cpus=3)
    for case in MB_CASES:
        assert case in run.console, (case, run.console)
    assert "FAIL" not in run.console
    assert "vm mb1: result 0" in run.console and "vm mb2: result 0" in run.console


def test_malformed_image_stops_only_that_vm():
    junk = Module("junk.elf", b"\x7fELF" + b"\xff" * 200, "vm=junk mem=16M")
    orphan = Module("orphan.bin", b"x" * 10, "for=nobody")
    run = qemu(build_iso("testexit=on", [junk, orphan, guest("cpuid32", "cpuid")]), smp=3)
    assert re.search(r"vm junk: stopped: .*(Multiboot|multiboot)", run.console), run.console
    assert "module 1 is for=nobody, but there is no such VM" in run.console
    check_cpuid_guest(run.console)


@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
def test_two_vcpus_in_one_vm(emulator):
    """cpus= with two cores: vcpu1 waits until vcpu0 starts it with the
    HC_VCPU_START hypercall; both share the VM's memory (locked increments)."""
    mods = [guest("smp32", "smp", "cpus=1,2"), guest("cpuid32", "cpuid")]
    iso = build_iso("testexit=on", mods)
    run = qemu(iso, smp=4) if emulator == "qemu" else bochs(iso, cpus=4)
    c = run.console
    for case in ("vcpu1 started", "vcpu1 cannot be started twice", "unknown vcpu refused",
                 "vcpu1 runs with its index in EBX", "locked increments from both vCPUs"):
        assert f"[smp] PASS smp: {case}" in c, (case, c)
    assert "vm smp: vcpu1 started at 0x" in c
    assert re.search(r"vm smp: vcpu1: \d+ exits", c), "vcpu1 ran on its own core and reported"
    assert "vm smp: result 0 (debug exit with code 0)" in c
    check_cpuid_guest(c)


def test_too_many_vcpus_stop_only_that_vm():
    bad = guest("cpuid32", "wide", "cpus=0-9")
    run = qemu(build_iso("testexit=on", [bad, guest("cpuid32", "cpuid")]), smp=2)
    assert "vm wide: stopped: cpus= names 10 cores; a VM has at most 8 vCPUs" in run.console, \
        run.console
    check_cpuid_guest(run.console)


def selftest_entry_guests(skip=("echo",)):
    """The VMs of iso/grub.cfg's entry "svmvisor with the self-test guests"
    (the default entry's self-tests, without Linux, which never ends), as
    Modules with the same options, minus the VMs named in skip; and the
    number of vCPUs they need (one per name in cpus=, else one)."""
    root = os.path.dirname(BUILD)
    with open(os.path.join(root, "iso", "grub.cfg")) as f:
        m = re.search(r'^menuentry "svmvisor with the self-test guests" \{\n(.*?)^\}', f.read(),
                      re.M | re.S)
    assert m, 'iso/grub.cfg has no entry "svmvisor with the self-test guests"'
    entry = m.group(1)
    mods, vcpus = [], 0
    for m in re.finditer(r"^\s*module2\s+/guests/(\S+)\s+(.*?)\s*$", entry, re.M):
        name, opts = m.groups()
        vm = re.search(r"\bvm=(\S+)", opts)
        if vm and vm.group(1) in skip:
            continue
        with open(os.path.join(BUILD, "guests", name), "rb") as f:
            mods.append(Module(name, f.read(), opts))
        if vm:
            cpus = re.search(r"\bcpus=(\S+)", opts)
            vcpus += len(cpus.group(1).split(",")) if cpus else 1
    return mods, vcpus


def test_qemu_uefi_runs_the_default_guests():
    """Under OVMF, the self-test guests of the ISO's menu run to the end and
    pass, as they do under SeaBIOS (test_boot runs the default entry, Linux
    included, under SeaBIOS). echo is left out: it ends only on a
    typed "quit". One core per vCPU (six): the smp VM's cores 1 and 2, the
    others on the next free core, the last on the boot CPU with the console."""
    mods, vcpus = selftest_entry_guests()
    names = [re.search(r"\bvm=(\S+)", m.cmdline).group(1) for m in mods]
    assert {"smp", "selftest", "real", "mb2", "flat64"} <= set(names), names
    run = qemu(build_iso("testexit=on", mods), firmware="uefi", smp=vcpus, timeout=120)
    c = run.console
    assert not run.timed_out, c
    assert re.search(r"efi: 64-bit system table at 0x[0-9a-f]+", c), "booted through UEFI"
    check_cpuid_guest(c, "selftest")
    check_real_guest(c)
    check_flat64_guest(c)
    for case in ("vcpu1 started", "locked increments from both vCPUs"):
        assert f"[smp] PASS smp: {case}" in c, (case, c)
    for case in MB_CASES:
        if case.startswith("[mb2]"):
            assert case in c, (case, c)
    assert "FAIL" not in c
    for vm in names:
        assert re.search(rf"vm {vm}: result 0 \(debug exit with code 0\)", c), (vm, c)
    assert re.search(r"vm \w+: .* vcpu0 on cpu0", c), "the boot CPU runs a guest too"
    assert run.status == QEMU_EXIT_OK, c
