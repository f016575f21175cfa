#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""make soak SOAK_MINUTES=30 (docs/security.md#soak): QEMU with 7 cores runs
VMs of every kind for the given time while this script drives the console
the whole time:

- linux     Debian's kernel on two vCPUs (cores 1-2), when `make linux` has run;
- selftest  cpuid32, reset by the script each time it ends: the self-tests in a loop;
- storm     flood32, one exit per byte it prints, reset each time it ends;
- ticker    ticker32, reset from the console every few seconds;
- victim    spin32, killed and then recreated (reset from its image) again and again;
- echo      echo32 on the boot CPU beside the console, typed at now and then.

Between those it sends a console command every half second (vms, cpus, mem,
exits, lapic, irqs, trace, regs, ...) and times each answer. At the end it
checks that every VM is accounted for (running, or stopped for the reason
the script caused), that the free frames are what they were after boot,
that the log holds no warning or error line the script did not cause, and
that the console and the log still answer. It prints the figures
docs/security.md quotes and exits non-zero on any problem."""
import argparse
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from svmv import BUILD, LineReader, Module, build_iso, qemu_session  # noqa: E402

PROMPT = "svmvisor> "
PREFIX = re.compile(r"^\[\s*\d+\.\d+\] cpu\d+ ([A-Z]): (.*)$")
LINUX = os.path.join(BUILD, "linux")
COMMANDS = ["vms", "cpus", "mem", "exits storm", "lapic {l}", "irqs {l}", "ioapic {l}", "pit {l}",
            "trace selftest 0 4", "regs ticker", "vcpus {l}", "devices {l}", "log 5", "npt victim",
            "msrs {l}", "features", "help"]
# Warnings the script causes: none yet. A line here names what causes it.
EXPECTED_WARNINGS = []


def flat(name, vm, opts):
    with open(os.path.join(BUILD, "guests", name + ".bin"), "rb") as f:
        return Module(f"{vm}.bin", f.read(),
                      f"vm={vm} kind=flat load=0x100000 mode=prot32 mem=16M {opts}".strip())


def modules(with_linux):
    mods = []
    if with_linux:
        for image, opts in (("vmlinuz", 'vm=linux mem=256M cpus=1,2 cmdline="console=ttyS0"'),
                            ("initramfs.gz", "for=linux")):
            with open(os.path.join(LINUX, image), "rb") as f:
                mods.append(Module(f"linux-{image}", f.read(), opts))
    mods += [flat("cpuid32", "selftest", "cpus=3"), flat("flood32", "storm", "cpus=4"),
             flat("ticker32", "ticker", "cpus=5"), flat("spin32", "victim", "cpus=6"),
             flat("echo32", "echo", "cpus=0")]
    return mods


class Console:
    """Commands and their answers, with every log line kept."""

    def __init__(self, child):
        self.child, self.r = child, LineReader(child)
        self.slowest = 0.0
        self.commands = 0
        self.events = []        # (text of a log line) as they come

    def pump(self, seconds):
        for _, line in self.r.poll(seconds):
            m = PREFIX.match(line)
            if m:
                self.events.append((m.group(1), m.group(2)))

    def run(self, cmd, expect=None, timeout=20):
        """Sends cmd; waits for its answer (the line matching expect, else
        the next prompt). Returns the seconds it took, or None."""
        start = time.monotonic()
        mark = len(self.r.lines)
        self.child.send(cmd + "\r")
        self.commands += 1
        while time.monotonic() - start < timeout:
            self.pump(0.05)
            for _, line in self.r.lines[mark:]:
                if (expect and re.search(expect, line)) or (not expect and PROMPT in line):
                    took = time.monotonic() - start
                    self.slowest = max(self.slowest, took)
                    return took
            if self.r.eof:
                return None
        return None


def free_frames(con):
    mark = len(con.r.lines)
    if con.run("mem", r"host: \d+ free frames") is None:
        return None
    for _, line in con.r.lines[mark:]:
        m = re.search(r"host: (\d+) free frames", line)
        if m:
            return int(m.group(1))
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30)
    args = ap.parse_args()
    with_linux = os.path.exists(os.path.join(LINUX, "vmlinuz"))
    iso = build_iso("loglevel=info", modules(with_linux))
    deadline = args.minutes * 60
    problems = []
    counts = {"selftest loops": 0, "storm loops": 0, "ticker resets": 0, "victim kills": 0,
              "echo lines": 0}
    with qemu_session(iso, smp=7, mem="2G", timeout=60) as child:
        con = Console(child)
        boot_end = time.monotonic() + 240
        while time.monotonic() < boot_end:
            con.pump(0.5)
            if any("boot complete" in t for _, t in con.events):
                break
        else:
            sys.exit("soak: the hypervisor never said 'boot complete'")
        if with_linux:
            child.send("\r")
        con.pump(2)
        frames0 = free_frames(con)
        start = time.monotonic()
        seen = 0
        last_ticker = last_victim = last_echo = start
        rng = random.Random(14)
        while time.monotonic() - start < deadline:
            cmd = rng.choice(COMMANDS).format(l="linux" if with_linux else "selftest")
            if con.run(cmd) is None:
                problems.append(f"the console did not answer `{cmd}` within 20 s")
                break
            now = time.monotonic()
            for lvl, text in con.events[seen:]:
                if re.match(r"vm selftest: stopped: debug exit with code 0", text):
                    counts["selftest loops"] += 1
                    con.run("reset selftest", "reset selftest")
                elif re.match(r"vm selftest: stopped", text):
                    problems.append(f"selftest failed: {text}")
                    con.run("reset selftest", "reset selftest")
                elif re.match(r"vm storm: stopped: debug exit with code 0", text):
                    counts["storm loops"] += 1
                    con.run("reset storm", "reset storm")
            seen = len(con.events)
            if now - last_ticker > 5:
                con.run("reset ticker", "reset ticker")
                counts["ticker resets"] += 1
                last_ticker = now
            if now - last_victim > 20:
                con.run("kill victim", "killed victim")
                con.run("vms", r"victim\s+stopped")
                con.run("reset victim", "reset victim")
                counts["victim kills"] += 1
                last_victim = now
            if now - last_echo > 10:     # echo is the last VM: one Ctrl-] comes back
                n = counts["echo lines"]
                con.run("focus echo", r"\[input to vm echo")
                if con.run(f"soak {n}", rf"\[echo\] got: soak {n}$") is None:
                    problems.append(f"echo did not answer line {n}")
                con.run("\x1d", r"\[input to the console\]")
                counts["echo lines"] += 1
                last_echo = now
            con.pump(0.5)
        elapsed = time.monotonic() - start
        child.send("\r")
        con.pump(2)
        frames1 = free_frames(con)
        mark = len(con.r.lines)
        con.run("vms")
        con.pump(1)
        table = [l for _, l in con.r.lines[mark:]]
    alive = "(running|halted)"        # halted: every vCPU sleeps in HLT
    want = {"linux": alive} if with_linux else {}
    want.update({"ticker": alive, "victim": alive, "echo": alive})
    for vm, state in want.items():
        if not any(re.match(rf"^\s*{vm}\s+{state}\b", l) for l in table):
            problems.append(f"vm {vm} is not running at the end: {table}")
    for vm in ("selftest", "storm"):
        if not any(re.match(rf"^\s*{vm}\s+(running|stopped)\b", l) for l in table):
            problems.append(f"vm {vm} is missing from vms: {table}")
    if frames0 is None or frames1 is None or frames0 != frames1:
        problems.append(f"free frames: {frames0} after boot, {frames1} at the end")
    bad = [t for lvl, t in con.events if lvl in ("W", "E") and
           not any(re.search(w, t) for w in EXPECTED_WARNINGS)]
    problems += [f"unexpected log line: {t}" for t in bad]
    print(f"soak: {elapsed / 60:.1f} min, {con.commands} console commands, slowest answer "
          f"{con.slowest * 1000:.0f} ms; " + ", ".join(f"{k} {v}" for k, v in counts.items()) +
          f"; free frames {frames0} -> {frames1}; linux {'on' if with_linux else 'absent'}")
    for p in problems:
        print("soak: PROBLEM:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
