# SPDX-License-Identifier: BSD-2-Clause
"""The guest's virtual CPU checked from inside (docs/hypercalls.md, the
contract in the self-test guests' headers): MSRs (guests/msr32.asm), the
CPUID model, XSETBV and instructions (guests/cpumodel32.asm), what ring 3
may not do (guests/ring3_32.asm) and two vCPUs racing to start a third
(guests/race32.asm), each on QEMU (TCG, no NRIP, no task-switch or XSETBV
intercept) and Bochs (ryzen).

Every guest prints one "PASS <case>" or "FAIL <case>" line per case (a FAIL
is followed by a "  got ..." line with what it saw) and ends with the
number of failures as its result. Cases that depend on the CPU model print
"SKIP <case>: <why>" instead; those are listed as optional below and must
PASS or SKIP, never FAIL.

Three boots per emulator, each shared by the tests that read it:
  single  cpumodel32 (cpus=1) and ring3_32 (cpus=2)
  msr     two msr32 VMs at once: A on the boot CPU (entry 0x100000,
          mem=16M, cpus=0), B on cpu1 (entry 0x100010, mem=32M, cpus=1)
  race    race32 with three vCPUs (cpus=1,2,3)
"""
import functools
import os
import re

import pytest

from svmv import BUILD, Module, bochs, build_iso, qemu, vm_lines
from svmv import check_cases as _check_cases

EMULATORS = ["qemu", "bochs"]

# --- guests/msr32.asm ----------------------------------------------------------
PASSTHROUGH = ["FS_BASE", "GS_BASE", "KERNEL_GS_BASE", "STAR", "LSTAR", "CSTAR", "SFMASK",
               "SYSENTER_CS", "SYSENTER_ESP", "SYSENTER_EIP"]
MSR_CASES = (
    [f"msr: {m} reads back" for m in PASSTHROUGH]
    + [f"msr: {m} kept across 20000 exits" for m in PASSTHROUGH]
    + ["msr: EFER reads without SVME",
       "msr: EFER reserved bit 1 write raises #GP, EFER kept",
       "msr: EFER.SVME write raises #GP, EFER kept",
       "msr: EFER.LME with paging off (CR4.PAE on) reads back",
       "msr: EFER.LMA written as 1 is ignored with paging off",
       "msr: PAT reset value 0x0007040600070406",
       "msr: PAT 0x0000000000070406 reads back",
       "msr: PAT type 2 raises #GP, PAT kept",
       "msr: PAT type 3 raises #GP, PAT kept",
       "msr: PAT type 8 raises #GP, PAT kept",
       "msr: TSC write 0x100000000, RDTSC in [2^32, 2^33)",
       "msr: TSC keeps counting",
       "msr: APIC_BASE on vcpu0 is 0xFEE00900 (enabled, BSP)",
       "msr: APIC_BASE with another base raises #GP, APIC_BASE kept",
       "msr: APIC_BASE enable bit cleared reads back",
       "msr: APIC_BASE enable bit set again reads back",
       "msr: MTRRcap VCNT >= 1 and FIX set",
       "msr: MTRRcap write raises #GP, MTRRcap kept",
       "msr: MTRRdefType 0xC06 reads back",
       "msr: MTRRdefType type 2 raises #GP, MTRRdefType kept",
       "msr: MTRR PhysBase0 reads back",
       "msr: MTRR PhysMask0 reads back",
       "msr: HWCR.TscFreqSel (bit 24) set",
       "msr: TOP_MEM is the VM's RAM size",
       "msr: PATCH_LEVEL reads 0",
       "msr: DE_CFG bit 1 set",
       "msr: PERF_CTR0 reads 0",
       "msr: PERF_CTR0 write accepted",
       "msr: OSVW_ID_LENGTH reads 0",
       "msr: MCG_CAP read raises #GP",
       "msr: MC0_STATUS read raises #GP",
       "msr: SPEC_CTRL read raises #GP",
       "msr: SPEC_CTRL write raises #GP",
       "msr: PRED_CMD write raises #GP",
       "msr: unknown MSR 0xC0011234 read raises #GP",
       "msr: unknown MSR 0xC0011234 write raises #GP",
       "msr: unknown MSR 0x12345678 read raises #GP",
       "msr: unknown MSR 0x12345678 write raises #GP"])
# By CPUID: NX, SYSCALL; RDTSCP decides which TSC_AUX group runs (the
# other group is a SKIP).
MSR_OPTIONAL = ["msr: EFER.NXE reads back", "msr: EFER.SCE reads back",
                # SKIP on QEMU: its #VMEXIT leaves the host without paging then
                "msr: EFER.LME with paging and CR4.PAE off reads back"]
TSC_AUX_WITH = ["msr: TSC_AUX 0x5a reads back",
                "msr: TSC_AUX 0x5a, RDTSCP returns it in ECX",
                "msr: TSC_AUX write with bits 63:32 raises #GP, TSC_AUX kept"]
TSC_AUX_WITHOUT = ["msr: TSC_AUX read raises #GP without RDTSCP",
                   "msr: TSC_AUX write raises #GP without RDTSCP",
                   "msr: RDTSCP raises #UD without RDTSCP"]

# --- guests/cpumodel32.asm -----------------------------------------------------
CPUMODEL_CASES = [
    "cpuid: leaf 1 ECX hypervisor bit (31) set",
    "cpuid: leaf 1 ECX VMX (5) clear",
    "cpuid: leaf 1 ECX MONITOR (3) clear",
    "cpuid: leaf 1 EBX[31:24] is vcpu0's index 0",
    "cpuid: leaf 1 EBX[23:16] is the VM's vCPU count 1",
    "cpuid: leaf 1 EDX HTT (28) clear with one vCPU",
    "cpuid: leaf 1 ECX OSXSAVE (27) clear while CR4.OSXSAVE is clear",
    "cpuid: 0x80000001 ECX SVM (2) clear",
    "cpuid: 0x8000000A all zero",
    "cpuid: 0x40000000 EAX 0x40000010 and signature svmvisor",
    "cpuid: 0x40000010 EAX (TSC kHz) non-zero",
    "cpuid: basic leaf above leaf 0 EAX returns zeros",
    "insn: WBINVD x1000 completes, memory intact",
    "insn: WBNOINVD x1000 completes, memory intact",
    "insn: INVD x1000 completes, memory intact",
    "insn: RDPMC raises #GP",
    "insn: RDPRU raises #UD",
    "insn: MONITOR raises #UD"]
# XSAVE in CPUID.1:ECX, AVX in CPUID 0xD.0 EAX, leaf 0x80000008; and on
# QEMU (brand string) an XSETBV the CPU ran itself without the intercept.
CPUMODEL_OPTIONAL = [
    "cpuid: 0x80000008 EBX RDPRU (4) clear",
    "xsetbv: #UD while CR4.OSXSAVE is clear",
    "cpuid: leaf 1 ECX OSXSAVE (27) set with CR4.OSXSAVE",
    "xgetbv: XCR0 is 1 at the start",
    "xsetbv: XCR0 = 3 (x87, SSE) reads back",
    "xsetbv: XCR0 = 7 (x87, SSE, AVX) reads back",
    "cpuid: leaf 0xD.0 EBX grows from XCR0 = 3 to 7",
    "cpuid: leaf 0xD.0 EBX at XCR0 = 7 the same with paging on",
    "xsetbv: XCR0 = 0 raises #GP, XCR0 kept",
    "xsetbv: XCR0 = 5 (AVX without SSE) raises #GP, XCR0 kept",
    "xsetbv: XCR0 bit 9 (PKRU) raises #GP, XCR0 kept",
    "xsetbv: ECX = 1 raises #GP, XCR0 kept",
    "xsetbv: XCR0 bit absent from CPUID 0xD.0 EAX raises #GP, XCR0 kept",
    "cpuid: leaf 1 ECX OSXSAVE (27) clear again after CR4.OSXSAVE is cleared"]

# --- guests/ring3_32.asm -------------------------------------------------------
RING3_CASES = [
    "vmmcall: console write from ring 0 returns 0",
    "vmmcall: console write from ring 3 raises #UD",
    "vmmcall: exit from ring 3 raises #UD, the VM goes on",
    "vmmcall: console write from ring 0 still returns 0 after ring 3 tries",
    "vmmcall: console write from ring 0 returns 0 after the task switch attempt"]
# SKIP only where QEMU's TCG (no task-switch intercept) switched tasks itself.
RING3_TASK = [
    "task switch: POPF(NT) + IRET in ring 3 raises #GP in the kernel",
    "task switch: refused, TR and both TSS descriptors unchanged"]

# --- guests/race32.asm ---------------------------------------------------------
RACE_CASES = [
    "cpuid: vcpu0 leaf 1 EBX[31:24] is 0",
    "cpuid: leaf 1 EBX[23:16] is the VM's vCPU count 3",
    "cpuid: leaf 1 EDX HTT (28) set with three vCPUs",
    "msr: APIC_BASE on vcpu0 is 0xFEE00900 (enabled, BSP)",
    "race: vcpu1 started",
    "cpuid: vcpu1 leaf 1 EBX[31:24] is 1",
    "cpuid: vcpu1 leaf 1 EBX[23:16] is 3",
    "msr: APIC_BASE on vcpu1 is 0xFEE00800 (enabled, not BSP)",
    "race: of two simultaneous starts of vcpu2 exactly one got 0, the other ~0",
    "race: vcpu2 ran exactly once",
    "race: vcpu2 runs with its index 2 in EBX",
    "cpuid: vcpu2 leaf 1 EBX[31:24] is 2"]


def flat(name, opts):
    with open(os.path.join(BUILD, "guests", name + ".bin"), "rb") as f:
        data = f.read()
    return Module(name + ".bin", data, f"kind=flat load=0x100000 mode=prot32 {opts}")


BOOTS = {
    # name: (modules, QEMU -smp / Bochs cpus)
    "single": (lambda: [flat("cpumodel32", "vm=cpumodel mem=16M cpus=1"),
                        flat("ring3_32", "vm=ring3 mem=16M cpus=2")], 3),
    "msr": (lambda: [flat("msr32", "vm=msra mem=16M cpus=0"),
                     flat("msr32", "vm=msrb entry=0x100010 mem=32M cpus=1")], 2),
    "race": (lambda: [flat("race32", "vm=race mem=16M cpus=1,2,3")], 4),
}


def check_cases(run, vm, required, optional=()):
    """svmv.check_cases, with SKIPs outside `optional` tolerated (the CPU
    model's guests SKIP what the emulator lacks)."""
    _check_cases(run, vm, required, optional, other_skips_fail=False)


@functools.lru_cache(maxsize=None)
def boot(name, emulator):
    mods, cores = BOOTS[name]
    iso = build_iso("testexit=on", mods())
    if emulator == "qemu":
        return qemu(iso, smp=cores, timeout=120)
    return bochs(iso, cpus=cores, timeout=300)


def check_core_lines(c, vm, core):
    """The hypervisor's lines after the VM stopped come from the VM's core
    and name it: its per-CPU data (GS base) survived the guest's MSRs."""
    m = re.search(rf"cpu(\d+) I: vm {vm}: stopped: .*\(vcpu0 on cpu(\d+),", c)
    assert m, f"no stop line for vm {vm}:\n" + vm_lines(c, vm)
    assert (int(m.group(1)), int(m.group(2))) == (core, core), m.group(0)
    m = re.search(rf"cpu(\d+) I: vm {vm}: vcpu0: \d+ exits", c)
    assert m and int(m.group(1)) == core, vm_lines(c, vm)


@pytest.mark.parametrize("emulator", EMULATORS)
def test_msr_two_vms_keep_their_own(emulator):
    run = boot("msr", emulator)
    c = run.console
    assert "[msra] msr32: VM A (entry 0x100000, expects mem=16M)" in c, c
    assert "[msrb] msr32: VM B (entry 0x100010, expects mem=32M)" in c, c
    for vm in ("msra", "msrb"):
        check_cases(run, vm, MSR_CASES, MSR_OPTIONAL + TSC_AUX_WITH + TSC_AUX_WITHOUT)
        with_rdtscp = all(f"[{vm}] PASS {case}\n" in c for case in TSC_AUX_WITH)
        without = all(f"[{vm}] PASS {case}\n" in c for case in TSC_AUX_WITHOUT)
        assert with_rdtscp or without, "one TSC_AUX group must run:\n" + vm_lines(c, vm)
    check_core_lines(c, "msra", 0)
    check_core_lines(c, "msrb", 1)
    # 20000 exits each: CPUID and OUT (exit 0x72, 0x7b) at least 10000 times.
    for vm in ("msra", "msrb"):
        for code in ("0x072", "0x07b"):
            m = re.search(rf"vm {vm}: vcpu0:   exit {code} x (\d+) ", c)
            assert m and int(m.group(1)) >= 10000, (vm, code, vm_lines(c, vm))


@pytest.mark.parametrize("emulator", EMULATORS)
def test_cpu_model(emulator):
    run = boot("single", emulator)
    check_cases(run, "cpumodel", CPUMODEL_CASES, CPUMODEL_OPTIONAL)
    if emulator == "bochs":     # ryzen: XSAVE and AVX, XSETBV intercepted
        check_cases(run, "cpumodel", CPUMODEL_OPTIONAL)


@pytest.mark.parametrize("emulator", EMULATORS)
def test_ring3_cannot_call_or_switch_tasks(emulator):
    run = boot("single", emulator)
    c = run.console
    check_cases(run, "ring3", RING3_CASES, RING3_TASK)
    if emulator == "bochs":     # Bochs intercepts task switches
        check_cases(run, "ring3", RING3_TASK)
    assert "RING3_LEAK" not in c, vm_lines(c, "ring3")
    assert c.count("[ring3] ring3_32: console write from ring 0") == 3, vm_lines(c, "ring3")


@pytest.mark.parametrize("emulator", EMULATORS)
def test_two_vcpus_race_to_start_a_third(emulator):
    run = boot("race", emulator)
    c = run.console
    check_cases(run, "race", RACE_CASES)
    assert c.count("vm race: vcpu1 started at 0x") == 1, vm_lines(c, "race")
    assert c.count("vm race: vcpu2 started at 0x") == 1, vm_lines(c, "race")
