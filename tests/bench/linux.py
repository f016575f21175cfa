# SPDX-License-Identifier: BSD-2-Clause
"""make bench-linux: Debian's kernel (make linux) under svmvisor, against
bare QEMU, on QEMU TCG (docs/PERFORMANCE.md, "Linux").

1. Boot time to the initramfs's marker, back to back in one run: bare QEMU
   booting the same bzImage, initramfs and command line on its minimal
   machine (-M microvm), from the start of the QEMU process; then svmvisor's
   Linux VM (one vCPU) through the boot protocol and through PVH, from the
   hypervisor's "vm linux: ... entry" line (its own boot, GRUB's and the
   firmware's are not counted). Each is the median of ROUNDS runs; the
   ratio is the goal's figure (at most 1.3). Wall-clock seconds on a
   shared machine: compare the ratios of one run, not seconds across runs.
2. Exits of the boot to the marker (two vCPUs), by reason (the console's
   exits) and by device (its devices).
3. An idle Linux at its shell: exits per second per vCPU over IDLE_SECONDS,
   by reason; then the same while vcpu0 runs a shell loop.
"""
import os
import re
import statistics
import subprocess
import sys
import time

import pexpect

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from svmv import BUILD, Module, build_iso, qemu_session  # noqa: E402

LINUX = os.path.join(BUILD, "linux")
CMDLINE = "console=ttyS0"
MARKER = "svmvisor-linux: shell ready"
ROUNDS = 5
IDLE_SECONDS = 10
LOOP = "i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done"   # ~20 s here
LOOP_SECONDS = 5


def read(name):
    with open(os.path.join(LINUX, name), "rb") as f:
        return f.read()


def bare_qemu():
    cmd = ["qemu-system-x86_64", "-M", "microvm,pit=on,pic=on,rtc=on", "-accel", "tcg", "-cpu", "max", "-m", "256M",
           "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none",
           "-serial", "stdio", "-kernel", os.path.join(LINUX, "vmlinuz"),
           "-initrd", os.path.join(LINUX, "initramfs.gz"), "-append", CMDLINE]
    t0 = time.monotonic()
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace", timeout=60)
    try:
        child.expect_exact(MARKER)
        return time.monotonic() - t0
    except pexpect.TIMEOUT:
        # Bare Linux calibrates the TSC against the PIT, which under TCG
        # sometimes fails ("Unable to calibrate against PIT"); it then
        # crawls on jiffies. Such a run is reported, not timed.
        print("  (a bare QEMU run did not reach the marker in 60 s:"
              f" {'calibrat' in child.before and 'TSC calibration failed' or 'timeout'})")
        return None
    finally:
        child.close(force=True)


def linux_iso(cpus, image="vmlinuz", kind=""):
    kind = f" kind={kind}" if kind else ""
    return build_iso("loglevel=info serial=com1", [
        Module(f"k-{image}", read(image), f'vm=linux mem=256M cpus={cpus}{kind} cmdline="{CMDLINE}"'),
        Module("initramfs.gz", read("initramfs.gz"), "for=linux")])


def console(child, cmd, settle=1.5):
    """Sends a console command; returns what came back within settle s."""
    child.send(cmd + "\r")
    out, end = "", time.monotonic() + settle
    while time.monotonic() < end:
        try:
            out += child.read_nonblocking(1 << 16, timeout=0.1)
        except pexpect.TIMEOUT:
            pass
    return out.replace("\r", "")


def svmvisor_boot(image="vmlinuz", kind=""):
    with qemu_session(linux_iso("1", image, kind), smp=2, timeout=300) as child:
        child.expect(r"vm linux: \d+ MiB RAM")
        t0 = time.monotonic()
        child.expect_exact(MARKER)
        return time.monotonic() - t0


def exits_table(text):
    """{vcpu: {name: count}} from the console's exits output."""
    out, vcpu = {}, None
    for line in text.splitlines():
        m = re.match(r"\s+linux vcpu(\d+):", line)
        if m:
            vcpu = int(m.group(1))
            out[vcpu] = {}
            continue
        m = re.match(r"\s+0x([0-9a-f]{4}) (\S*)\s+(\d+)", line)
        if m and vcpu is not None:
            name = m.group(2) if m.group(2) and not m.group(2).isdigit() else f"0x{m.group(1)}"
            code = int(m.group(1), 16)
            name = {0x64: "VINTR", 0x74: "IRET"}.get(code, name)
            out[vcpu][name] = int(m.group(3))
    return out


def all_exits(child, vcpus=2):
    table = {}
    for i in range(vcpus):
        table.update(exits_table(console(child, f"exits linux {i}")))
    return table


def print_rates(title, table, seconds):
    print(title)
    for vcpu, rows in sorted(table.items()):
        total = sum(rows.values())
        detail = ", ".join(f"{k} {v / seconds:.0f}" for k, v in sorted(rows.items(), key=lambda kv: -kv[1]))
        print(f"  vcpu{vcpu}: {total / seconds:.0f} exits/s ({detail})")


def main():
    print(f"Boot to the marker, {ROUNDS} rounds each, interleaved (median seconds):")
    times = {"bare QEMU -M microvm": [], "svmvisor, bzImage": [], "svmvisor, PVH": []}
    for _ in range(ROUNDS):
        times["bare QEMU -M microvm"].append(bare_qemu())
        times["svmvisor, bzImage"].append(svmvisor_boot())
        times["svmvisor, PVH"].append(svmvisor_boot("vmlinux", "pvh"))
    times = {k: [t for t in v if t is not None] for k, v in times.items()}
    bare = statistics.median(times["bare QEMU -M microvm"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:<22} {med:6.2f} s  (runs {', '.join(f'{t:.2f}' for t in ts)})"
              f"  ratio {med / bare:.2f}")

    with qemu_session(linux_iso("1,2"), smp=3, timeout=300) as child:
        child.expect_exact(MARKER)
        time.sleep(1)
        child.send("\r")
        boot = all_exits(child)
        print("\nExits of a two-vCPU boot to the marker, by reason:")
        for vcpu, rows in sorted(boot.items()):
            print(f"  vcpu{vcpu}: {sum(rows.values())} ("
                  + ", ".join(f"{k} {v}" for k, v in sorted(rows.items(), key=lambda kv: -kv[1])) + ")")
        print("\nBy device (accesses; each is one exit):")
        for line in console(child, "devices linux").splitlines():
            if re.match(r"\s+(port|mmio|unassigned)", line):
                print(line)

        console(child, "exits reset")
        time.sleep(IDLE_SECONDS)
        print_rates(f"\nIdle at the shell, {IDLE_SECONDS} s, exits per second per vCPU:",
                    all_exits(child), IDLE_SECONDS)

        # A compute loop on one vCPU (busybox's shell arithmetic: no system
        # calls), measured in its middle: typing and echoing it are not.
        child.send("\x1d")                  # Ctrl-]: the keyboard to linux
        child.send(f"sh -c '{LOOP}'; echo loop-""done\r")
        time.sleep(2)
        child.send("\x1d")                  # back to the console
        console(child, "exits reset", settle=0.5)
        time.sleep(LOOP_SECONDS)
        print_rates(f"\nOne vCPU in a compute loop, {LOOP_SECONDS} s, exits per second per vCPU:",
                    all_exits(child), LOOP_SECONDS)
        child.expect(r"\[linux\] loop-done", timeout=300)


if __name__ == "__main__":
    main()
