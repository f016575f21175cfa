# SPDX-License-Identifier: BSD-2-Clause
"""Debian's own kernel in a VM (docs/linux.md), on QEMU (Bochs is too slow
for a Linux boot): `make linux` puts Debian 12's linux-image-cloud-amd64
and a busybox initramfs in build/linux/.

  boot      1 and 2 vCPUs reach the initramfs's marker; through the
            console's focus: nproc, the local timer (LOC) counting on every
            CPU and COM1's interrupt arriving on each CPU in turn (its
            affinity moved through the I/O APIC), the date against the
            host's, the TSC rate Linux found against the hypervisor's, and
            none of the calibration-fallback, unstable-clock or APIC/IOAPIC
            failure messages in dmesg
  pvh       the same kernel as an ELF vmlinux through PVH
  mp        Debian's generic kernel with acpi=off, on the MP table
  power     poweroff stops the VM, reboot resets it and it boots again,
            the VM beside it never notices
  beside    two Linux VMs at once, and Linux beside a guest that floods
            its COM1 (an exit per byte)
  console   pause, resume, regs, vmcb, exits, lapic and kill on Linux
"""
import os
import re
import time

import pexpect
import pytest

from svmv import BUILD, Module, build_iso, qemu_session, vm_lines

LINUX = os.path.join(BUILD, "linux")
PROMPT = "svmvisor> "
BOOT_TIMEOUT = 300      # seconds to the marker; about 15 on an idle machine
# What Linux prints when it had to measure time itself, lost the TSC, or
# found no working interrupt controller (docs/linux.md, "Time").
BAD_DMESG = [
    "Fast TSC calibration failed", "Fast TSC calibration using PIT",
    "TSC calibration", "calibrate against", "using PIT calibration",
    "using PMTIMER", "using HPET reference", "Refined TSC",
    "Marking TSC unstable", "TSC unstable", "tsc-early' as unstable",
    "APIC timer disabled", "APIC frequency too slow",
    "IO-APIC + timer doesn't work", "..MP-BIOS bug", "APIC: ACPI MADT or MP tables are not detected",
    "not listed by BIOS", "not listed by the BIOS", "ACPI BIOS Error", "ACPI Error",
    "unchecked MSR access", "Unstable clock detected", "spurious 8259A interrupt",
    "ExtINT not setup in hardware",
]


def _read(name):
    path = os.path.join(LINUX, name)
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: `make linux` builds it (make integration runs it)")
    with open(path, "rb") as f:
        return f.read()


def linux_modules(name="linux", cpus="1", mem="256M", cmdline="console=ttyS0", image="vmlinuz",
                  kind=""):
    kind = f" kind={kind}" if kind else ""
    return [Module(f"{name}-{image}", _read(image),
                   f'vm={name} mem={mem} cpus={cpus}{kind} cmdline="{cmdline}"'),
            Module(f"{name}-initramfs.gz", _read("initramfs.gz"), f"for={name}")]


def marker(vm, ncpus):
    return f"[{vm}] svmvisor-linux: shell ready on ttyS0, {ncpus} CPUs"


class Shell:
    """The busybox shell on a Linux VM's COM1, through the console's focus."""

    def __init__(self, child, vm):
        self.child, self.vm, self.n = child, vm, 0

    PRINTK = re.compile(r"^\[\s*\d+\.\d+\] ")

    def run(self, cmd, timeout=60, printk=False):
        """Runs cmd and returns its output lines (the VM's own lines between
        the command's echo and an end marker). The kernel's own console
        messages may come in between (a loaded host makes it warn about
        slow interrupts): they are left out unless printk (dmesg's output
        looks the same)."""
        self.n += 1
        end = f"end-{self.n}-of-cmd"
        # The echo of the typed line shows end-"N"..., the output end-N...
        self.child.send(f'{cmd}; echo end-"{self.n}"-of-cmd\r')
        self.child.expect_exact(f"[{self.vm}] {end}", timeout=timeout)
        text = self.child.before.replace("\r", "")
        out = [l.split(f"[{self.vm}] ", 1)[1] for l in text.split("\n") if f"[{self.vm}] " in l]
        # The output starts after the echo of the typed line, whose end
        # (the terminal may wrap it) holds end-"N".
        echo = [i for i, l in enumerate(out) if f'end-"{self.n}"' in l]
        out = out[echo[-1] + 1:] if echo else out
        return out if printk else [l for l in out if not self.PRINTK.match(l)]


# Where a stuck boot shows why: the kernel's warnings and stall reports.
TROUBLE = re.compile(r"BUG|WARNING|INFO:|rcu|stall|blocked for|lockup|timer|Call Trace|RIP:|panic")


def boot(child, vm, ncpus, timeout=BOOT_TIMEOUT):
    try:
        child.expect_exact(marker(vm, ncpus), timeout=timeout)
    except pexpect.TIMEOUT:
        raise AssertionError(stuck_report(child, vm)) from None


def stuck_report(child, vm):
    """What a boot that never reached its marker printed that matters (the
    first of the kernel's trouble lines, the last lines) and the console's
    view of its vCPUs and APICs: short enough for the tail of a CI log."""
    lines = [l for l in child.before.replace("\r", "").split("\n") if f"[{vm}] " in l]
    lines = [l.split(f"[{vm}] ", 1)[1] for l in lines]
    first = next((i for i, l in enumerate(lines) if TROUBLE.search(l)), len(lines))
    for cmd in [f"vcpus {vm}", f"lapic {vm} 0", f"lapic {vm} 1"]:
        child.send(cmd + "\r")
        time.sleep(2)
    child.expect([pexpect.TIMEOUT], timeout=1)
    text = child.before.replace("\r", "")
    state = [l for l in text[text.find(f"vcpus {vm}"):].split("\n") if f"[{vm}] " not in l]
    return "\n".join([f"{vm} never reached its marker; its first trouble lines:"]
                     + lines[max(first - 5, 0):first + 25] + ["... its last lines:"] + lines[-8:]
                     + ["the console:"] + state)


def focus(child, vm):
    """Ctrl-]: the next running VM's COM1 gets the keyboard."""
    child.send("\x1d")
    child.expect_exact(f"[input to vm {vm}; Ctrl-] for the next]", timeout=10)


def unfocus(child):
    """Ctrl-] until the console has the keyboard again."""
    while True:
        child.send("\x1d")
        if child.expect_exact(["[input to the console]", "Ctrl-] for the next]"], timeout=10) == 0:
            return


def console(child, cmd, expect, timeout=30):
    child.send(cmd + "\r")
    child.expect(expect, timeout=timeout)
    text = child.before + (child.after if isinstance(child.after, str) else "")
    child.expect_exact(PROMPT, timeout=timeout)
    return text


def check_dmesg(lines, host_tsc_khz):
    bad = [l for l in lines if any(b in l for b in BAD_DMESG)]
    assert not bad, "dmesg has:\n" + "\n".join(bad)
    mhz = [re.search(r"tsc: Detected (\d+)\.(\d+) MHz", l) for l in lines]
    mhz = [m for m in mhz if m]
    assert mhz, "no 'tsc: Detected ... MHz' in dmesg:\n" + "\n".join(lines[:40])
    khz = int(mhz[0].group(1)) * 1000 + int(mhz[0].group(2))
    assert abs(khz - host_tsc_khz) <= host_tsc_khz / 1000, (khz, host_tsc_khz)


def host_tsc_khz(text):
    m = re.search(r"tsc: (\d+) kHz", text)
    assert m, "no 'tsc: N kHz' boot line"
    return int(m.group(1))


@pytest.mark.parametrize("ncpus", [1, 2])
def test_linux_boots_to_its_shell(ncpus):
    cpus = ",".join(str(i + 1) for i in range(ncpus))
    iso = build_iso("loglevel=info serial=com1", linux_modules(cpus=cpus))
    with qemu_session(iso, smp=ncpus + 1, timeout=BOOT_TIMEOUT, postmortem=True) as child:
        child.expect(r"tsc: \d+ kHz", timeout=60)
        tsc = host_tsc_khz(child.after)
        boot(child, "linux", ncpus)
        focus(child, "linux")
        sh = Shell(child, "linux")
        assert sh.run("nproc") == [str(ncpus)]

        # The local timer ticks on every CPU.
        loc = [l for l in sh.run("cat /proc/interrupts") if l.strip().startswith("LOC:")]
        assert loc, "no LOC line in /proc/interrupts"
        counts = [int(x) for x in loc[0].split()[1:1 + ncpus]]
        assert all(c > 0 for c in counts), loc[0]

        # COM1's interrupt (IRQ 4 through the I/O APIC) reaches each CPU
        # in turn: every line typed is a few receive interrupts.
        for cpu in range(ncpus):
            sh.run(f"echo {1 << cpu:x} > /proc/irq/4/smp_affinity")
            before = ttys0_counts(sh, ncpus)
            sh.run("echo typing; echo more typing")
            after = ttys0_counts(sh, ncpus)
            assert after[cpu] > before[cpu], (cpu, before, after)

        # The TSC, synchronized across the vCPUs, is the clocksource.
        assert sh.run("cat /sys/devices/system/clocksource/clocksource0/current_clocksource") \
            == ["tsc"]

        # The RTC started from the host's clock.
        now = int(sh.run("date +%s")[0])
        assert abs(now - time.time()) < 60, (now, time.time())

        check_dmesg(sh.run("dmesg", printk=True), tsc)


def ttys0_counts(sh, ncpus):
    lines = [l for l in sh.run("cat /proc/interrupts") if l.rstrip().endswith("ttyS0")]
    assert lines, "no ttyS0 line in /proc/interrupts"
    return [int(x) for x in lines[0].split()[1:1 + ncpus]]


def test_linux_through_pvh():
    """The ELF vmlinux, found to be a PVH kernel by its Xen note (kind=auto)."""
    iso = build_iso("loglevel=info serial=com1", linux_modules(cpus="1,2", image="vmlinux"))
    with qemu_session(iso, smp=3, timeout=BOOT_TIMEOUT, postmortem=True) as child:
        child.expect(r"tsc: \d+ kHz", timeout=60)
        tsc = host_tsc_khz(child.after)
        child.expect(r"vm linux: 256 MiB RAM \(128 x 2M\) at host 0x[0-9a-f]+, \d+-byte image, entry 0x[0-9a-f]+ "
                     r"\(32-bit protected mode\)")
        boot(child, "linux", 2)
        focus(child, "linux")
        sh = Shell(child, "linux")
        assert sh.run("nproc") == ["2"]
        check_dmesg(sh.run("dmesg", printk=True), tsc)


def test_poweroff_and_reboot_touch_only_their_vm():
    mods = linux_modules(cpus="1") + [
        Module("echo.bin", open(os.path.join(BUILD, "guests", "echo32.bin"), "rb").read(),
               "vm=echo kind=flat load=0x100000 mode=prot32 mem=16M cpus=2")]
    iso = build_iso("loglevel=info serial=com1", mods)
    with qemu_session(iso, smp=3, timeout=BOOT_TIMEOUT, postmortem=True) as child:
        boot(child, "linux", 1)
        focus(child, "linux")
        child.send("reboot\r")
        child.expect(r"vm linux: reset .*\n", timeout=120)
        boot(child, "linux", 1)
        child.send("poweroff\r")
        child.expect(r"vm linux: stopped: powered off by the guest \(sleep type \d\)", timeout=120)
        # The echo VM still answers (Ctrl-] skips the stopped VM), and was
        # never reset or stopped.
        focus(child, "echo")
        child.send("still here\r")
        child.expect_exact("[echo] got: still here", timeout=30)
        unfocus(child)
        text = console(child, "vms", r"echo\s+running")
        assert "vm echo: reset" not in text and "vm echo: stopped" not in text


def test_two_linux_vms_and_a_flood_beside_them():
    flood = open(os.path.join(BUILD, "guests", "flood32.bin"), "rb").read()
    mods = (linux_modules("lin1", cpus="1") + linux_modules("lin2", cpus="2") +
            [Module("flood.bin", flood, "vm=flood kind=flat load=0x100000 mode=prot32 mem=16M cpus=3")])
    iso = build_iso("loglevel=info serial=com1", mods)
    with qemu_session(iso, smp=4, mem="1G", timeout=BOOT_TIMEOUT, postmortem=True) as child:
        seen = set()
        while len(seen) < 2:
            i = child.expect_exact([marker("lin1", 1), marker("lin2", 1)], timeout=BOOT_TIMEOUT)
            seen.add(i)
        focus(child, "lin1")
        assert Shell(child, "lin1").run("nproc") == ["1"]
        focus(child, "lin2")
        assert Shell(child, "lin2").run("nproc") == ["1"]


def test_console_commands_on_a_linux_vm():
    iso = build_iso("loglevel=info serial=com1", linux_modules(cpus="1,2"))
    with qemu_session(iso, smp=3, timeout=BOOT_TIMEOUT, postmortem=True) as child:
        boot(child, "linux", 2)
        child.send("\r")
        child.expect_exact(PROMPT)
        console(child, "pause linux", "paused linux")
        # in the kernel (idle) or, on a loaded host, in the shell it starts
        console(child, "regs linux", r"RIP (ffffffff[0-9a-f]{8}|0000[0-9a-f]{12}) RFLAGS")
        console(child, "vmcb linux", r"NP_ENABLE 0x1 N_CR3 0x[0-9a-f]+")
        console(child, "lapic linux", r"(?i)svr")
        console(child, "exits linux", r"(?i)IOIO|MSR|HLT")
        console(child, "resume linux", "resumed linux")
        focus(child, "linux")
        assert Shell(child, "linux").run("nproc") == ["2"]
        unfocus(child)
        console(child, "kill linux", "killed linux")


def test_images_the_protocols_refuse_stop_only_their_vm():
    """A kernel the boot protocol cannot load, a bzImage too big for its
    RAM and an ELF without PVH's note stop their VMs with the field named;
    a good Linux VM beside them boots."""
    kernel = bytearray(_read("vmlinuz"))
    old = bytearray(kernel)
    old[0x206:0x208] = (0x020a).to_bytes(2, "little")        # protocol 2.10
    elf = open(os.path.join(BUILD, "guests", "mb2hello.elf"), "rb").read()
    mods = [Module("old", bytes(old), 'vm=old mem=64M cpus=1'),
            Module("small", bytes(kernel), 'vm=small mem=16M cpus=1 kind=linux'),
            Module("nopvh", elf, 'vm=nopvh mem=16M cpus=1 kind=pvh')] + linux_modules(cpus="2")
    iso = build_iso("loglevel=info serial=com1", mods)
    with qemu_session(iso, smp=3, timeout=BOOT_TIMEOUT, postmortem=True) as child:
        child.expect_exact("vm old: stopped: bzImage: boot protocol 2.10 is older than 2.12 "
                           "(no 64-bit entry)")
        child.expect(r"vm small: stopped: bzImage: \S*init_size\S* ")
        child.expect_exact("vm nopvh: stopped: PVH: no XEN_ELFNOTE_PHYS32_ENTRY note")
        boot(child, "linux", 1)


def test_another_debian_kernel_through_the_mp_table():
    """Debian's generic kernel (another configuration, xz-compressed) with
    acpi=off: it finds its two CPUs and the I/O APIC in svmvisor's MP
    table, and reaches its shell like the cloud kernel."""
    mods = [Module("generic", _read("vmlinuz-generic"),
                   'vm=linux mem=256M cpus=1,2 cmdline="console=ttyS0 acpi=off"'),
            Module("generic-initramfs.gz", _read("initramfs.gz"), "for=linux")]
    with qemu_session(build_iso("loglevel=info serial=com1", mods), smp=3,
                      timeout=BOOT_TIMEOUT, postmortem=True) as child:
        child.expect(r"tsc: \d+ kHz", timeout=60)
        tsc = host_tsc_khz(child.after)
        boot(child, "linux", 2)
        focus(child, "linux")
        lines = Shell(child, "linux").run("dmesg", printk=True)
        for want in ("found SMP MP-table at [mem 0x000f0000-0x000f000f]", "MPTABLE: OEM ID: SVMVISOR",
                     "IOAPIC[0]: apic_id 8, version 32, address 0xfec00000, GSI 0-23"):
            assert any(want in l for l in lines), want
        check_dmesg(lines, tsc)
