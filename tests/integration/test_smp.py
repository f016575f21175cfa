# SPDX-License-Identifier: BSD-2-Clause
"""Every core up with SVM on, on every boot path; the feature report matches
what each emulator offers (../shared/EMULATORS.md)."""
import re

import pytest

from svmv import QEMU_EXIT_OK, QEMU_EXIT_PANIC, bochs, build_iso, qemu

# Feature name -> present, as printed by svm_report().
QEMU_MAX = {"nested paging": "yes", "NRIP save": "no", "decode assists": "no",
            "flush-by-ASID": "no", "VMCB clean bits": "no", "VGIF": "yes",
            "pause filter": "no", "LBR virtualization": "no", "AVIC": "no"}
BOCHS_RYZEN = {"nested paging": "yes", "NRIP save": "yes", "decode assists": "no",
               "flush-by-ASID": "yes", "VMCB clean bits": "no", "VGIF": "no",
               "pause filter": "yes", "LBR virtualization": "yes", "AVIC": "no"}


def check_cores(run, n):
    c = run.console
    assert f"smp: {n} of {n} CPUs online, {n} with SVM" in c, c
    pages = set()
    for cpu in range(n):
        m = re.search(rf"cpu{cpu} I: cpu{cpu}: online, APIC ID \d+, timer ok, SVM on, "
                      r"host-save page at (0x[0-9a-f]+)", c)
        assert m, f"cpu{cpu} did not report in:\n{c}"
        pages.add(int(m.group(1), 16))
    assert len(pages) == n and all(p % 4096 == 0 for p in pages)


def check_features(run, asids, expected):
    assert f"svm: revision 1, {asids} ASIDs" in run.console
    for name, present in expected.items():
        assert re.search(rf"svm:   {re.escape(name)} +{present} ", run.console), name


@pytest.mark.parametrize("smp", [1, 2, 4, 8])
def test_qemu_bios_all_cores(smp):
    run = qemu(build_iso("testexit=on"), smp=smp, timeout=90)
    check_cores(run, smp)
    check_features(run, 16, QEMU_MAX)
    assert "acpi: RSDT (ACPI 1.0)" in run.console and "HPET at 0xfed00000" in run.console
    assert run.status == QEMU_EXIT_OK


def test_qemu_uefi_four_cores():
    run = qemu(build_iso("testexit=on"), firmware="uefi", smp=4, timeout=120)
    check_cores(run, 4)
    check_features(run, 16, QEMU_MAX)
    assert "acpi: XSDT (ACPI 2.0+)" in run.console
    assert run.status == QEMU_EXIT_OK


def test_bochs_two_cores():
    run = bochs(build_iso("testexit=on"), cpus=2)
    assert not run.timed_out, run.console
    check_cores(run, 2)
    check_features(run, 32768, BOCHS_RYZEN)
    assert "boot complete" in run.console


def test_qemu_without_svm():
    run = qemu(build_iso("testexit=on"), smp=2, cpu="qemu64,-svm")
    c = run.console
    assert "cpu: SVM NOT advertised" in c
    assert "cpu0: out of service for guests: no SVM (CPUID 0x80000001 ECX bit 2 clear)" in c
    assert "cpu1: out of service for guests: no SVM" in c
    assert "smp: 2 of 2 CPUs online, 0 with SVM" in c
    assert "svm: no core can run guests; the serial console stays up for diagnostics" in c
    assert run.status == QEMU_EXIT_OK


def test_qemu_without_npt():
    run = qemu(build_iso("testexit=on"), smp=1, cpu="qemu64,+svm,-npt")
    assert "out of service for guests: no nested paging" in run.console
    assert run.status == QEMU_EXIT_OK


def test_exception_on_ap_leaves_others_running():
    run = qemu(build_iso("crash=ud crashcpu=2 testexit=on"), smp=4)
    c = run.console
    assert "cpu2 E: EXCEPTION #UD invalid opcode (vector 6) on cpu2" in c
    assert re.search(r"cpu2 E:   RIP=[0-9a-f]{16}", c) and "cpu2 E: cpu2 halted" in c
    # The boot CPU carries on after the AP died and reports it in the status.
    assert c.index("cpu2 halted") < c.index("cpu0 I: boot complete")
    assert "smp: 4 of 4 CPUs online" in c
    assert run.status == QEMU_EXIT_PANIC


def test_qemu_timebases_agree():
    """The TSC rate measured against the PIT, the HPET and the PM timer."""
    rates = {}
    for tb, name in (("pit", "PIT"), ("hpet", "HPET"), ("pmtimer", "ACPI PM timer")):
        run = qemu(build_iso(f"timebase={tb} testexit=on"), smp=1)
        m = re.search(rf"tsc: (\d+) kHz \(calibrated against the {name}\)", run.console)
        assert m, run.console
        rates[tb] = int(m.group(1))
    assert max(rates.values()) < min(rates.values()) * 1.05, rates


def test_bochs_timebases_agree_exactly():
    """Bochs' clocks all follow its instruction count: every reference must
    give the same TSC rate (ips = 4000000, so 4000 kHz) within 1%."""
    for tb in ("pit", "hpet", "pmtimer"):
        run = bochs(build_iso(f"timebase={tb} testexit=on"), cpus=1)
        m = re.search(r"tsc: (\d+) kHz", run.console)
        assert m and abs(int(m.group(1)) - 4000) <= 40, (tb, run.console)
