# SPDX-License-Identifier: BSD-2-Clause
"""Boot the real ISO on every boot path and check the serial console."""
import os
import re
import subprocess

import pytest

from svmv import (BUILD, ELF, QEMU_EXIT_OK, QEMU_EXIT_PANIC, Module, bochs, build_iso,
                  qemu)

def _guest():
    with open(os.path.join(BUILD, "guests", "cpuid32.bin"), "rb") as f:
        return f.read()


MODULE = Module("demo.bin", _guest(), "vm=demo kind=flat load=0x100000 mode=prot32 mem=16M")
LINE = re.compile(r"^\[\s*\d+\.\d{6}\] cpu\d+ [EWID]: ")


def check_banner(run):
    c = run.console
    assert "svmvisor 0.1.0" in c and "type-1 hypervisor for AMD SVM" in c
    assert re.search(r"cpu: \w+ family 0x[0-9a-f]+ model 0x[0-9a-f]+ stepping \d+", c)
    assert re.search(r"memory map: \d+ entries", c)
    assert re.search(r"\[0x0000000000100000-0x[0-9a-f]{16}\] available", c)
    assert re.search(r"memory: \d+ MiB managed, \d+ MiB free", c)
    assert re.search(rf'module 0: \[0x[0-9a-f]+-0x[0-9a-f]+\) {len(MODULE.data)} bytes, '
                     r'command line "vm=demo kind=flat load=0x100000 mode=prot32 mem=16M"', c)
    # Every line the hypervisor prints carries a timestamp, CPU and level
    # (after the console's prompt, which is erased by ESC [ K before each).
    ours = [l.rsplit("\x1b[K", 1)[-1] for l in c.splitlines() if "cpu0 " in l]
    assert ours and all(LINE.match(l) for l in ours), ours


def check_dump(run, name, vector):
    c = run.console
    assert f"EXCEPTION {name} (vector {vector}) on cpu0" in c
    for reg in ("RIP=", "RFLAGS=", "RSP=", "RAX=", "R15=", "CR0=", "CR2=", "CR3=", "CR4="):
        assert reg in c, reg
    assert "cpu0 halted" in c


def test_elf_is_multiboot2():
    subprocess.run(["grub-file", "--is-x86-multiboot2", ELF], check=True)


def test_qemu_bios_banner():
    run = qemu(build_iso("testexit=on", [MODULE]), mem="512M")
    check_banner(run)
    assert "SVM advertised" in run.console
    assert re.search(r"tsc: \d+ kHz", run.console)
    assert "boot complete" in run.console
    assert "vm demo: result 0" in run.console
    assert run.status == QEMU_EXIT_OK, run.console


def test_qemu_bios_above_4g_uses_1g_pages():
    run = qemu(build_iso("testexit=on"), mem="6G")
    m = re.search(r"paging: identity map to (0x[0-9a-f]+): (\d+) x 1G, (\d+) x 2M, (\d+) x 4K", run.console)
    assert m, run.console
    assert int(m.group(1), 16) >= 6 << 30 and int(m.group(2)) >= 4
    free = int(re.search(r"(\d+) MiB free", run.console).group(1))
    assert 5500 < free < 6144
    assert run.status == QEMU_EXIT_OK


def test_qemu_2m_pages_without_pdpe1gb():
    run = qemu(build_iso("testexit=on"), mem="2G", cpu="qemu64,+svm,-pdpe1gb")
    m = re.search(r"(\d+) x 1G, (\d+) x 2M", run.console)
    assert m and m.group(1) == "0" and int(m.group(2)) > 1000, run.console
    assert run.status == QEMU_EXIT_OK


def test_bad_options_warn_and_keep_defaults():
    run = qemu(build_iso('loglevel=loud frob=1 baud=7 serial=com9 "=x" testexit=on'))
    c = run.console
    assert re.search(r'W: command line: .*"loud".*loglevel', c), c
    assert re.search(r'W: command line: unknown option "frob"', c), c
    assert re.search(r'W: command line: .*"7".*baud', c), c
    assert re.search(r'W: command line: .*"com9".*serial', c), c
    assert "boot complete" in c and run.status == QEMU_EXIT_OK


def test_loglevel_debug_and_error():
    quiet = qemu(build_iso("loglevel=error testexit=on"))
    assert " I: " not in quiet.console and "boot complete" not in quiet.console
    assert quiet.status == QEMU_EXIT_OK


def test_debugcon_mirror_and_no_uart(tmp_path):
    log = tmp_path / "e9.txt"
    run = qemu(build_iso("debugcon=on testexit=on"), serial=False,
               extra=["-debugcon", f"file:{log}"])
    text = log.read_text(errors="replace")
    assert "no UART at 0x3f8" in text and "boot complete" in text
    assert run.status == QEMU_EXIT_OK


CRASHES = [
    ("ud", "#UD invalid opcode", 6, None),
    ("de", "#DE divide error", 0, None),
    ("bp", "#BP breakpoint", 3, None),
    ("gp", "#GP general protection", 13, None),
    ("pf", "#PF page fault", 14, "page fault at 0x10: page not present, read"),
    ("pf-write", "#PF page fault", 14, "protection violation, write"),
    ("pf-exec", "#PF page fault", 14, "instruction fetch"),
    ("df", "#DF double fault", 8, None),
]


@pytest.mark.parametrize("kind,name,vector,detail", CRASHES, ids=[c[0] for c in CRASHES])
def test_qemu_exception_dump(kind, name, vector, detail):
    run = qemu(build_iso(f"crash={kind} testexit=on"))
    check_dump(run, name, vector)
    if detail:
        assert detail in run.console
    assert run.status == QEMU_EXIT_PANIC


def test_qemu_nmi_is_reported_and_survived():
    run = qemu(build_iso("crash=nmi testexit=on"))
    c = run.console
    assert "W: NMI on cpu0 from an unknown source; registers follow, carrying on" in c, c
    assert re.search(r"cpu0 E:   RIP=[0-9a-f]{16} CS=0008", c)
    assert "crash=nmi: the NMI handler returned; carrying on" in c
    assert "boot complete" in c and run.status == QEMU_EXIT_OK


def test_qemu_uefi():
    run = qemu(build_iso("crash=ud testexit=on", [MODULE]), firmware="uefi", timeout=120)
    check_banner(run)
    assert re.search(r"efi: 64-bit system table at 0x[0-9a-f]+", run.console)
    assert "acpi: RSDP from Multiboot2 tag" in run.console
    check_dump(run, "#UD invalid opcode", 6)
    assert run.status == QEMU_EXIT_PANIC


def test_bochs_ryzen():
    run = bochs(build_iso("crash=ud testexit=on", [MODULE]), cpus=2)
    assert not run.timed_out, run.console
    check_banner(run)
    assert "AuthenticAMD" in run.console and "SVM advertised" in run.console
    check_dump(run, "#UD invalid opcode", 6)


def test_bochs_that_dies_early_is_reported_with_its_stderr():
    """A Bochs that ends before its BIOS runs (here: no ROM image; on a
    machine without sound, its ALSA thread without sound: driver=dummy)
    is reported as such, not as a missing serial file."""
    from svmv import BochsDidNotStart
    with pytest.raises(BochsDidNotStart, match=r"^Bochs did not start: (?s:.*)\S"):
        bochs(build_iso("testexit=on", [MODULE]), rom="/nonexistent/bios.bin", timeout=60)


def test_default_iso_as_make_run_boots_it():
    """build/svmvisor.iso's default entry, on `make run`'s nine CPUs and
    1 GiB: Linux reaches its shell on two vCPUs and answers through the
    console's Ctrl-], the self-tests pass, and echo answers too."""
    from svmv import qemu_session
    with qemu_session(os.path.join(BUILD, "svmvisor.iso"), smp=9, mem="1G", timeout=300,
                      postmortem=True) as child:
        # The menu waits 5 s for a choice on the serial line: pick the first entry.
        child.expect_exact("executed automatically in")
        child.send("\r")
        want = ["[selftest] PASS cpuid: SVM hidden", "[real] PASS real mode: CPUID signature",
                "[flat64] PASS flat64: CPUID hypervisor leaf",
                "[smp] PASS smp: locked increments from both vCPUs",
                "vcpu0 on cpu0",                     # echo shares the console's core
                "[linux] svmvisor-linux: shell ready on ttyS0, 2 CPUs"]
        while want:                                  # the guests run in parallel: any order
            want.pop(child.expect_exact(want, timeout=300))
        child.send("\r")
        child.expect_exact("svmvisor> ")
        child.send("\x1d")                           # the first VM: Linux
        child.expect_exact("[input to vm linux; Ctrl-] for the next]")
        child.send("uname -sm\r")
        child.expect_exact("[linux] Linux x86_64")
        for _ in range(8):                           # on past the VMs still running
            child.send("\x1d")
            if child.expect_exact(["[input to vm echo; Ctrl-] for the next]",
                                   "Ctrl-] for the next]"], timeout=10) == 0:
                break
        child.send("hi there\r")
        child.expect_exact("[echo] got: hi there")
