# SPDX-License-Identifier: BSD-2-Clause
"""make bench: per-exit hypervisor cost, in instructions, on two emulators.

Boots the bench32 guest (N exits of each kind) where the TSC advances one
per instruction, so the counts repeat exactly:
- QEMU with -icount shift=0,sleep=off (no NRIP save: lengths are searched);
- Bochs model ryzen with clock sync=none, ips=4000000 (TSC 4000 kHz, one
  tick per instruction; NRIP save present).
Two figures per exit kind:
- round trip: measured by the guest itself (RDTSC around N iterations of a
  four-instruction loop), minus the loop's three other guest instructions:
  every instruction from the exiting one to the guest's next, the
  hypervisor's and VMRUN included. This is the figure the goals are about.
- C path: the hypervisor's own timing of each exit, from vcpu_fast_exit's
  first RDTSC to its next VMRUN (min, avg, max); a breakdown, not a total."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from svmv import BUILD, Module, bochs, build_iso, qemu  # noqa: E402

N = 1000                    # guests/bench32.asm
GUEST_INSNS = 3             # per iteration besides the exiting instruction
NAMES = {0x72: "cpuid", 0x7b: "ioio", 0x7c: "rdmsr", 0x81: "vmmcall"}


def table(title, console):
    rows = re.findall(r"exit (0x[0-9a-f]+) x (\d+)\s+cycles min (\d+) avg (\d+) max (\d+)", console)
    if not rows:
        print(console)
        sys.exit(f"bench: no exit statistics from {title}")
    ticks = dict(re.findall(r"bench (\w+) ([0-9a-f]{16})", console))
    print(title)
    print(f"{'exit':<10}{'count':>8}{'round trip':>12}{'C path min':>12}{'avg':>6}{'max':>7}")
    for code, count, lo, avg, hi in rows:
        name = NAMES.get(int(code, 16), code)
        trip = f"{int(ticks[name], 16) / N - GUEST_INSNS:.0f}" if name in ticks else "-"
        print(f"{name:<10}{count:>8}{trip:>12}{lo:>12}{avg:>6}{hi:>7}")
    print()


def main():
    with open(os.path.join(BUILD, "guests", "bench32.bin"), "rb") as f:
        img = f.read()
    iso = build_iso("testexit=on", [Module("bench32.bin", img,
                                           "vm=bench kind=flat load=0x100000 mode=prot32 mem=16M")])
    run = qemu(iso, smp=2, timeout=120, extra=["-icount", "shift=0,sleep=off"])
    table("QEMU 7.2 TCG -cpu max -smp 2 -icount shift=0,sleep=off (no NRIP save)", run.console)
    run = bochs(iso, cpus=2)
    table("Bochs 2.7 model ryzen, 2 CPUs, ips=4000000, clock sync=none (NRIP save)", run.console)


if __name__ == "__main__":
    main()
