# SPDX-License-Identifier: BSD-2-Clause
"""The virtual local APIC checked from inside, on QEMU (TCG, SeaBIOS) and
Bochs: xAPIC registers, timer, priorities, self-IPIs and the MMIO
instruction emulation (guests/apic32.asm), x2APIC through MSRs
(guests/x2apic32.asm), INIT-SIPI-SIPI and IPIs between four vCPUs
(guests/ipi32.asm), and an NMI that ends HLT with IF clear
(guests/hltnmi32.asm, through the console's `nmi`).

Every guest prints one "PASS <case>" or "FAIL <case>" line per case (a FAIL
is followed by a "  got ..." line with what it saw) and ends with the number
of failures as its result. "SKIP <case>: <why>" is allowed only for the
optional case below: the periodic rate check, which needs CPUID 0x40000010
(EBX = APIC timer kHz) and SKIPs when the host held the vCPU up for half a
period in each of three windows (a loaded TCG host). Everything else
svmvisor's APIC must do: it
advertises x2APIC (CPUID.1:ECX[21]) and TSC-deadline (ECX[24]), decodes
reads narrower than 32 bits, flags illegal IPI vectors in the ESR, raises
#GP for the x2APIC MSRs in xAPIC mode and reads unassigned guest-physical
space as all ones (the guests SKIP those only outside svmvisor, where bare
QEMU's or Bochs' APIC is their reference; see guests/bare.inc).

Two boots per emulator:
  apic    apic32 (cpus=1), x2apic32 (cpus=2) and ipi32 with four vCPUs
          (cpus=3,4,5,6), testexit=on: 7 cores, the console alone on cpu0
  hltnmi  hltnmi32 (cpus=1) on a live console: wait for its line, `vcpus`
          shows vcpu0 halted, `nmi hltnmi`, then its PASS line
"""
import functools
import os
import re
import time

import pytest

from svmv import (BUILD, ROOT, Module, bochs, bochs_session, build_iso, check_cases, qemu,
                  qemu_session, vm_lines)

EMULATORS = ["qemu", "bochs"]
PROMPT = "svmvisor> "

# --- guests/apic32.asm ---------------------------------------------------------
APIC_CASES = [
    "apic: APIC_BASE is 0xFEE00000, enabled, BSP",
    "apic: SVR software enable and spurious vector 0xFF read back",
    "apic: ID register bits 31:24 match CPUID.1:EBX[31:24]",
    "apic: version 0x1X with at least 5 LVT entries",
    "apic: TPR 0x20 reads back",
    "apic: PPR follows TPR with nothing in service",
    "apic: PPR 0 with TPR 0",
    "apic: one-shot timer interrupt arrives",
    "apic: one-shot timer fires once, then no more",
    "apic: current count 0 after the one-shot expired",
    "apic: current count decreases from the initial count",
    "apic: divide by 1 counts 16 times as fast as divide by 16 (+-20%)",
    "apic: masked LVT timer raises no interrupt",
    "apic: periodic timer fires repeatedly",
    "apic: periodic timer stops when the initial count is set to 0",
    "apic: TSC-deadline interrupt arrives",
    "apic: TSC-deadline interrupt not before the deadline",
    "apic: TSC-deadline fires once",
    "apic: TSC-deadline MSR 0x6E0 reads 0 after it fired",
    "apic: TPR 0x50 holds off vector 0x45",
    "apic: the held vector is pending in IRR",
    "apic: the held vector is delivered when TPR drops to 0",
    "apic: ESR reads 0 after a write",
    "apic: self-IPI with vector 3 sets ESR send illegal vector (0x20)",
    "apic: ESR cleared by the next write",
    "apic: a higher vector preempts a lower one in service",
    "apic: ISR holds both nested vectors",
    "apic: PPR is the class of the highest vector in service",
    "apic: EOI ends the highest vector in service first",
    "apic: a lower vector waits until both EOIs",
    "apic: the lower vector arrives after the EOIs",
    "apic: ISR empty at the end",
    "apic: self-IPI through the ICR self shorthand",
    "apic: self-IPI to its own physical APIC ID",
    "apic: each self-IPI arrives once",
    "apic: ICR delivery status idle after the IPIs",
    "apic: x2APIC MSR 0x802 in xAPIC mode raises #GP",
    "apic: emul MOV r32, [reg+disp8] (8B)",
    "apic: emul MOV r32, [base+index] (8B, SIB)",
    "apic: emul MOV EAX, [moffs32] (A1)",
    "apic: emul MOVZX r32, byte [mem] (0F B6) of the version",
    "apic: emul MOV r16, [mem] (66 8B) of the version",
    "apic: emul MOV [mem], imm32 (C7) to TPR",
    "apic: emul MOV [mem], r32 (89) to TPR",
    "apic: emul MOVSX r32, byte [mem] (0F BE) of TPR 0xF0",
    "apic: emul MOV [moffs32], EAX (A3) to TPR",
    "apic: emul XOR [mem], r32 (31) on TPR",
    "apic: emul ADD r32, [mem] (03) from TPR",
    "apic: emul ADD [mem], r32 (01) on TPR",
    "apic: emul SUB [mem], imm8 (83 /5) on TPR",
    "apic: emul TEST [mem], imm32 (F7 /0) on TPR",
    "apic: emul TEST [mem], r32 (85) on TPR",
    "apic: emul CMP [mem], imm8 (83 /7) on TPR",
    "apic: emul CMP r32, [mem] (3B) on TPR",
    "apic: emul XCHG [mem], r32 (87) with TPR",
    "apic: emul AND [mem], imm32 (81 /4) on the LVT timer",
    "apic: emul OR [mem], imm32 (81 /1) on the LVT timer",
    "apic: emul BT [mem], imm8 (0F BA /4) on the version",
    "apic: emul BTR [mem], imm8 (0F BA /6) on the LVT timer",
    "apic: emul BTS [mem], imm8 (0F BA /5) on the LVT timer",
    "apic: emul BTC [mem], imm8 (0F BA /7) on the LVT timer",
    "apic: emul BTS [mem], r32 (0F AB) on the LVT timer",
    "apic: emul REP STOSD x1 to TPR",
    "apic: emul REP MOVSD x1 from the version register to RAM",
    "apic: emul MOVSD from RAM to TPR",
    "apic: emul LODSD from the version register",
    "apic: unassigned MMIO 0xFEB00000 reads all ones",
    "apic: unassigned 0xC0000000 (above RAM) reads all ones, writes ignored",
    "apic: HLT with IF set woken by the timer interrupt"]
# PASS with the rates of CPUID 0x40000010 and a window the host did not
# disturb, else SKIP.
APIC_OPTIONAL = ["apic: periodic timer rate within 20% of the programmed one"]

# --- guests/x2apic32.asm -------------------------------------------------------
X2APIC_CASES = [
    "x2apic: APIC_BASE EN|EXTD set, base 0xFEE00000 kept",
    "x2apic: ID MSR 0x802 is the initial APIC ID",
    "x2apic: version MSR 0x803 matches the xAPIC version",
    "x2apic: LDR MSR 0x80D derived from the ID",
    "x2apic: SVR MSR 0x80F keeps the software enable",
    "x2apic: TPR MSR 0x808 reads back, PPR MSR 0x80A follows",
    "x2apic: EOI MSR 0x80B with a non-zero value raises #GP",
    "x2apic: EOI MSR 0x80B with 0 accepted",
    "x2apic: writing read-only version MSR 0x803 raises #GP",
    "x2apic: writing read-only ID MSR 0x802 raises #GP",
    "x2apic: reserved MSR 0x831 (no ICR high) raises #GP",
    "x2apic: DFR MSR 0x80E (none in x2APIC) raises #GP",
    "x2apic: reading write-only SELF IPI MSR 0x83F raises #GP",
    "x2apic: SELF IPI MSR 0x83F delivers the vector",
    "x2apic: ICR MSR 0x830 fixed IPI to its own ID delivers",
    "x2apic: one-shot timer through MSRs 0x832/0x83E/0x838 fires once",
    "x2apic: current count MSR 0x839 runs down to 0",
    "x2apic: the xAPIC MMIO page no longer decodes (reads all ones)",
    "x2apic: x2APIC -> xAPIC directly raises #GP, mode kept",
    "x2apic: x2APIC -> disabled accepted",
    "x2apic: disabled -> xAPIC accepted, MMIO decodes again",
    "x2apic: EXTD without EN (invalid) raises #GP, xAPIC kept"]

# --- guests/ipi32.asm ----------------------------------------------------------
IPI_CASES = [
    "ipi: INIT-SIPI-SIPI started all 3 APs",
    "ipi: APs with APIC IDs 1, 2, 3 came up once each",
    "ipi: a STARTUP to running APs is ignored",
    "ipi: fixed IPI from the BSP reaches each AP by physical ID, once",
    "ipi: fixed IPI from AP 1 reaches the BSP",
    "ipi: fixed IPI from AP 2 reaches AP 3",
    "ipi: NMI IPI reaches AP 2's NMI handler, only it",
    "ipi: all-excluding-self reaches each AP once, not the BSP",
    "ipi: all-including-self reaches every CPU once",
    "ipi: logical flat destination 0x06 reaches APs 1 and 2",
    "ipi: lowest priority to APs 1-3 reaches exactly one of them",
    "ipi: logical cluster 1 mask 0x3 reaches APs 1 and 2",
    "ipi: logical cluster 2 mask 0x1 reaches AP 3",
    "ipi: self-IPI on AP 3"]

HLTNMI_CASE = "hltnmi: NMI woke HLT with IF clear"


def flat(name, opts):
    with open(os.path.join(BUILD, "guests", name + ".bin"), "rb") as f:
        data = f.read()
    return Module(name + ".bin", data, f"kind=flat load=0x100000 mode=prot32 {opts}")


def apic_modules():
    return [flat("apic32", "vm=apic mem=16M cpus=1"),
            flat("x2apic32", "vm=x2apic mem=16M cpus=2"),
            flat("ipi32", "vm=ipi mem=16M cpus=3,4,5,6")]


APIC_CORES = 7      # the console's cpu0 and the six guest cores above


@functools.lru_cache(maxsize=None)
def boot(emulator):
    iso = build_iso("testexit=on", apic_modules())
    if emulator == "qemu":
        return qemu(iso, smp=APIC_CORES, timeout=90)
    return bochs(iso, cpus=APIC_CORES, timeout=400)


def test_case_lists_match_the_guests():
    """Each listed case is named in its guest's source (spelled as there),
    so a renamed case cannot leave a test waiting for a line never printed."""
    for name, cases in (("apic32", APIC_CASES + APIC_OPTIONAL), ("x2apic32", X2APIC_CASES),
                        ("ipi32", IPI_CASES), ("hltnmi32", [HLTNMI_CASE])):
        with open(os.path.join(ROOT, "guests", name + ".asm")) as f:
            src = f.read()
        missing = [case for case in cases if f'"{case}"' not in src]
        assert not missing, (name, missing)


@pytest.mark.parametrize("emulator", EMULATORS)
def test_xapic_registers_timer_priorities_and_mmio_emulation(emulator):
    run = boot(emulator)
    assert "[apic] apic32: under svmvisor" in run.console, vm_lines(run.console, "apic")
    check_cases(run, "apic", APIC_CASES, APIC_OPTIONAL)


@pytest.mark.parametrize("emulator", EMULATORS)
def test_x2apic_msr_interface(emulator):
    run = boot(emulator)
    check_cases(run, "x2apic", X2APIC_CASES)


@pytest.mark.parametrize("emulator", EMULATORS)
def test_init_sipi_and_ipis_between_four_vcpus(emulator):
    run = boot(emulator)
    c = run.console
    assert "[ipi] ipi32: starting APs 1-3 with INIT-SIPI-SIPI" in c, vm_lines(c, "ipi")
    check_cases(run, "ipi", IPI_CASES)
    # The APs never print; all four vCPUs ran on their own cores and reported.
    for vcpu in range(4):
        assert re.search(rf"vm ipi: vcpu{vcpu}: \d+ exits", c), vm_lines(c, "ipi")


def command(child, line, expect):
    child.send(line + "\r")
    child.expect_exact(expect)
    child.expect_exact(PROMPT)


@pytest.mark.parametrize("emulator", EMULATORS)
def test_nmi_wakes_hlt_with_interrupts_disabled(emulator):
    """hltnmi32 halts with IF clear: the vCPU sleeps (`vcpus` says halted)
    instead of the VM stopping, takes no exits while it sleeps, and the
    console's NMI wakes it."""
    iso = build_iso("", [flat("hltnmi32", "vm=hltnmi mem=16M cpus=1")])
    session = (qemu_session(iso, smp=2, timeout=60) if emulator == "qemu"
               else bochs_session(iso, cpus=2, timeout=180))
    with session as child:
        want = [PROMPT, "[hltnmi] hltnmi: waiting"]     # guest and console: any order
        while want:
            want.pop(child.expect_exact(want))
        child.send("\r")
        child.expect_exact(PROMPT)
        def vcpu0():
            child.send("vcpus hltnmi\r")
            child.expect(r"\n\s*0\s+\d+\s+([\w-]+)\s+(\d+)\s")
            row = child.match.group(1), int(child.match.group(2))
            child.expect_exact(PROMPT)
            return row

        state = None
        for _ in range(20):                 # the guest reaches HLT right after its line
            state, exits = vcpu0()
            if state == "halted":
                break
            time.sleep(0.5)
        assert state == "halted", f"vcpu0 of hltnmi is {state}, not halted"
        # Asleep, it costs no exits: the core waits in its own HLT.
        time.sleep(1)
        assert vcpu0() == ("halted", exits), "a halted vCPU took exits while asleep"
        # The console's view of its local APIC while it sleeps.
        child.send("lapic hltnmi\r")
        child.expect(r"hltnmi vcpu0 local APIC: (enabled|software-disabled \(SVR\)), xAPIC mode, ID 0,")
        child.expect(r"IRR  -\s")
        child.expect(r"LVT timer\s+0x[0-9a-f]{8} vector 0x[0-9a-f]{2} one-shot")
        child.expect(r"NMI: none pending, 0 injected")
        child.expect_exact(PROMPT)
        command(child, "nmi hltnmi", "NMI sent to hltnmi")
        child.expect_exact(f"[hltnmi] PASS {HLTNMI_CASE}")
        child.expect_exact("vm hltnmi: stopped: debug exit with code 0")
        # irqs counts the one NMI it took.
        child.send("\r")
        child.expect_exact(PROMPT)
        child.send("irqs hltnmi\r")
        child.expect(r"\n\s+NMI\s+1\s")
        child.expect_exact(PROMPT)
