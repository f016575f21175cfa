# SPDX-License-Identifier: BSD-2-Clause
"""The virtual PC's legacy devices (docs/devices.md), on QEMU and Bochs:

  pc     guests/pc32.asm on one vCPU, on a live console: the 8259A pair
         through LINT0 ExtINT, the PIT (counter 0's rate, counter 2's
         calibration loop), the RTC (date, UIP, periodic interrupt), the
         I/O APIC (physical and logical destinations, edge and level with
         remote IRR and EOI, COM1's receive interrupt from a key typed
         through the console's focus), the ACPI PM timer's rate, PCI
         configuration and port 0x80. Then the console's ioapic, pic, pit,
         rtc and irqs commands on what the guest left.
  reset  guests/reset32.asm in four VMs at once: each resets its own VM
         through port 0xcf9, 0x92 or 0x64 (the others run on), finds its
         CMOS marker after the reset and passes; the fourth powers its VM
         off through PM1a control.

On QEMU a rate case may SKIP when the host held the vCPU up in every
window (a loaded TCG host), as the APIC guests' do; on Bochs, whose time
is emulated, every case must PASS.
"""
import datetime
import functools
import os
import re
import time

import pytest

from svmv import (BUILD, ROOT, Module, bochs, bochs_session, build_iso, check_cases, qemu,
                  qemu_session, vm_lines, Run)

EMULATORS = ["qemu", "bochs"]
PROMPT = "svmvisor> "

PC_CASES = [
    "pc: vcpu0's local APIC starts in virtual wire mode (SVR enabled, LINT0 ExtINT, LINT1 NMI)",
    "pc: PIC IMR reads back (master 0xA5, slave 0x5A) after ICW1-ICW4 (0x11, 0x20/0x28, 4/2, 1)",
    "pc: PIC ISR reads 0 through OCW3 (0x0B) with nothing in service",
    "pc: PIC IRR bit 0 (OCW3 0x0A) set by a PIT terminal count with IRQ0 masked",
    "pc: PIT IRQ0 at 1000 Hz (mode 2) arrives through the PIC and LINT0 ExtINT (vector 0x20)",
    "pc: IRQ0 masked in the IMR: no interrupt within 20 ms",
    "pc: IRQ0 unmasked again: interrupts resume",
    "pc: PIT counter 2 latch command (0x80) reads decreasing counts 1 ms apart",
    "pc: PIT counter 2 OUT (port 0x61 bit 5) low after the mode 0 load, high within 50 ms",
    "pc: RTC time and date are valid BCD in 24-hour mode (register B 0x02), year >= 2024",
    "pc: RTC UIP (register A bit 7) set within 1.1 s of polling; the seconds changed once it cleared",
    "pc: IOAPIC version register: max redirection entry 23 (0x00170020 under svmvisor)",
    "pc: IOAPIC all 24 redirection entries masked at start",
    "pc: IOAPIC redirection entry 23 round-trips (0x5A000000_0001A85A)",
    "pc: PIT IRQ0 arrives on IOAPIC pin 2 (edge, physical destination, vector 0x42)",
    "pc: RTC periodic interrupt arrives through IOAPIC pin 8 (edge, physical destination, vector 0x48)",
    "pc: RTC periodic interrupt arrives through IOAPIC pin 8 (logical flat destination 0x01)",
    "pc: IOAPIC pin 8 with logical destination 0x02 (not this CPU) delivers nothing in 50 ms",
    "pc: level pin 8: remote IRR (entry bit 14) set in the handler before the EOI",
    "pc: level pin 8: EOI with IRQ8 still high delivers the vector again at once (< 100 ms, the period is 500 ms)",
    "pc: level pin 8 at 1024 Hz: no interrupt storm once C is read (100 ms count bounded)",
    "pc: level pin 8: remote IRR clear after the last EOI",
    "pc: COM1 received-data interrupt through IOAPIC pin 4 (edge, vector 0x44) reads the typed key",
    "pc: ACPI PM timer (port 0x608) is 24 bits wide (bits 31:24 read 0)",
    "pc: ACPI PM timer advances over 50 ms",
    "pc: PCI CONFIG_ADDRESS (0xCF8) reads back 0x80000000",
    "pc: PCI config read of bus 0 device 31 function 7 (0xCFC) returns all ones",
    "pc: port 0x80 write accepted"]
# Rates measured against the TSC: PASS, or SKIP when the host held the
# vCPU up in every window.
PC_OPTIONAL = [
    "pc: PIT IRQ0 rate 1000 Hz (+-5%) over 100 ms of TSC",
    "pc: PIT counter 2 calibration (10 ms) gives the CPUID 0x40000010 TSC kHz (+-1%)",
    "pc: RTC periodic interrupt rate 1024 Hz (+-10%) over 100 ms of TSC",
    "pc: ACPI PM timer rate 3.579545 MHz (+-1%) over 50 ms of TSC"]

# Bochs runs 100 million instructions per emulated second for pc32 (TSC
# 100 MHz): at the default 4 MHz a 1 kHz tick would leave the vCPU a few
# thousand instructions per period, less than the exits it costs.
PC_BOCHS_IPS = 100000000

RTC_LINE = re.compile(r"\[pc\] pc: rtc (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
HOST_CLOCK = re.compile(r"host clock: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC")


def flat(name, opts):
    with open(os.path.join(BUILD, "guests", name + ".bin"), "rb") as f:
        data = f.read()
    return Module(name + ".bin", data, f"kind=flat load=0x100000 mode=prot32 {opts}")


def mb1(name, opts):
    with open(os.path.join(BUILD, "guests", name + ".bin"), "rb") as f:
        data = f.read()
    return Module(name + ".bin", data, f"kind=mb1 {opts}")


def test_case_lists_match_the_guest():
    with open(os.path.join(ROOT, "guests", "pc32.asm")) as f:
        src = f.read()
    missing = [case for case in PC_CASES + PC_OPTIONAL if f'"{case}"' not in src]
    assert not missing, missing


def command(child, line):
    """Runs a console command; its output up to the next prompt."""
    child.send(line + "\r")
    child.expect_exact(line)
    child.expect_exact(PROMPT)
    return child.before.replace("\r", "")


@functools.lru_cache(maxsize=None)
def pc_run(emulator):
    """pc32 on a live console; a key typed into its COM1 when it asks; the
    console's views once it stopped. Returns (Run, the time its RTC line
    arrived, {command: output})."""
    iso = build_iso("", [flat("pc32", "vm=pc mem=16M cpus=1")])
    session = (qemu_session(iso, smp=2, timeout=120) if emulator == "qemu"
               else bochs_session(iso, cpus=2, timeout=600, ips=PC_BOCHS_IPS))
    text, views, rtc_seen = "", {}, None
    with session as child:
        child.expect(RTC_LINE)
        rtc_seen = time.time()
        text += child.before + child.after
        child.expect_exact("[pc] pc: type a key")
        text += child.before + child.after
        child.send("\x1d")                      # Ctrl-]: COM1 of pc gets the keyboard
        child.expect_exact("pc")
        time.sleep(0.5)
        child.send("x")
        child.expect(r"vm pc: stopped: [^\n]*\n")
        text += child.before + child.after
        child.send("\x1d")                      # Ctrl-] again: back to the console
        child.expect_exact(PROMPT)
        text += child.before
        for cmd in ("ioapic pc", "pic pc", "pit pc", "rtc pc", "irqs pc"):
            views[cmd] = command(child, cmd)
    text = text.replace("\r", "")
    m = re.search(r"vm pc: stopped: debug exit with code (\d+)", text)
    if m:       # the form check_cases knows from testexit=on runs
        text += f"\nvm pc: result {m.group(1)} (debug exit with code {m.group(1)})\n"
    return Run(status=None, console=text, timed_out=False), rtc_seen, views


@pytest.mark.parametrize("emulator", EMULATORS)
def test_legacy_devices_self_test(emulator):
    run, _, _ = pc_run(emulator)
    if emulator == "bochs":     # emulated time: nothing holds the vCPU up, rates must hold
        check_cases(run, "pc", PC_CASES + PC_OPTIONAL)
    else:
        check_cases(run, "pc", PC_CASES, PC_OPTIONAL)
    assert "[pc] pc: got key 0x78" in run.console, vm_lines(run.console, "pc")


@pytest.mark.parametrize("emulator", EMULATORS)
def test_rtc_starts_at_the_host_clock(emulator):
    """The guest's RTC date: the host's CMOS clock at boot, advancing with
    the TSC. On QEMU (whose CMOS follows the real clock and whose TSC runs
    at its rate) within 2 s of the real time the line arrived; on Bochs
    (emulated time) no earlier than the host clock the hypervisor logged
    and at most the run's length after it."""
    run, seen, _ = pc_run(emulator)
    guest = RTC_LINE.search(run.console)
    assert guest, vm_lines(run.console, "pc")
    when = datetime.datetime.strptime(guest.group(1), "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    host = HOST_CLOCK.search(run.console)
    assert host, "no 'host clock:' line at boot"
    booted = datetime.datetime.strptime(host.group(1), "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    assert 0 <= (when - booted).total_seconds() <= 600, (booted, when)
    if emulator == "qemu":
        real = datetime.datetime.fromtimestamp(seen, datetime.timezone.utc)
        assert abs((real - when).total_seconds()) <= 2, (real, when)


@pytest.mark.parametrize("emulator", EMULATORS)
def test_console_views_of_the_devices(emulator):
    run, _, views = pc_run(emulator)
    io = views["ioapic pc"]
    assert "pc I/O APIC at 0xfec00000: ID 8, version 0x170020, 24 pins" in io, io
    sent = {int(m.group(1)): int(m.group(2))
            for m in re.finditer(r"^\s*(\d+) (?:low|high)\s+0x[0-9a-f]{16} .* (\d+)$", io, re.M)}
    assert len(sent) == 24, io
    assert sent[2] > 0 and sent[8] > 0 and sent[4] == 1, io    # PIT, RTC, the one key
    pic = views["pic pc"]
    assert "master initialized, vectors 0x20-0x27" in pic, pic
    assert "slave  initialized, vectors 0x28-0x2f" in pic, pic
    assert re.search(r"acknowledged per IRQ: 0:\d+", pic), pic
    pit = views["pit pc"]
    assert "counter 2: mode 0, lobyte/hibyte, binary, reload 11932" in pit, pit
    assert re.search(r"IRQ0 pulses [1-9]\d*", pit), pit
    rtc = views["rtc pc"]
    assert re.search(r"pc RTC: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, A 0x26 B 0x02 .* BCD, 24-hour", rtc), rtc
    irqs = views["irqs pc"]
    assert re.search(r"0x20\s+[1-9]\d*\s+LINT device", irqs), irqs
    assert re.search(r"0x44\s+1\s+device", irqs), irqs
    assert re.search(r"IRQ0 pit [1-9]\d*, IRQ4 com1 1, IRQ8 rtc [1-9]\d*", irqs), irqs


RESETS = {"r1": ("cf9", "reset through port 0xcf9"),
          "r2": ("92", "reset through port 0x92"),
          "r3": ("64", "reset through port 0x64 (keyboard controller)")}


@functools.lru_cache(maxsize=None)
def reset_run(emulator):
    mods = [mb1("reset32", f"vm={vm} mem=16M cmdline={how}") for vm, (how, _) in RESETS.items()]
    mods.append(mb1("reset32", "vm=off mem=16M cmdline=off"))
    iso = build_iso("testexit=on", mods)
    if emulator == "qemu":
        return qemu(iso, smp=5, timeout=120)
    return bochs(iso, cpus=5, timeout=600)


@pytest.mark.parametrize("emulator", EMULATORS)
def test_reset_ports_reset_only_their_vm(emulator):
    run = reset_run(emulator)
    c = run.console
    assert not run.timed_out, c[-3000:]
    for vm, (how, why) in RESETS.items():
        lines = "\n".join(vm_lines(c, v) for v in list(RESETS) + ["off"])
        assert f"[{vm}] reset32: resetting through {how}" in c, lines
        # Exactly one reset, of this VM, for this reason; then the second
        # run found its CMOS marker and passed.
        assert c.count(f"vm {vm}: resetting: {why}") == 1, lines
        assert len(re.findall(rf"vm {vm}: reset .*\(RAM zeroed, image reloaded", c)) == 1, lines
        assert f"[{vm}] reset32: back after reset" in c, lines
        assert f"vm {vm}: result 0 (debug exit with code 0)" in c, lines
    assert "vm off: resetting" not in c and "vm off: reset " not in c
    assert "[off] reset32: powering off" in c, vm_lines(c, "off")
    assert re.search(r"vm off: stopped: powered off by the guest \(sleep type 5\)", c), \
        vm_lines(c, "off")
    assert "FAIL" not in c
