"""make bench: per-exit hypervisor cost, in instructions, on two emulators.

Boots the bench32 guest (N exits of each kind) where the TSC advances one
per instruction, so the counts repeat exactly:
- QEMU with -icount shift=0,sleep=off (no NRIP save: lengths are searched);
- Bochs model ryzen with clock sync=none, ips=4000000 (TSC 4000 kHz, one
  tick per instruction; NRIP save present).
It prints the hypervisor's per-exit-code counts: instructions from the world
switch's return to its next call (the C path). The assembly around VMRUN
adds WORLD_SWITCH_INSNS."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from svmv import BUILD, Module, bochs, build_iso, qemu  # noqa: E402

# svm/vmrun.asm, counted from the listing: 28 instructions from the call to
# VMRUN, 30 from VMRUN's return to RET.
WORLD_SWITCH_INSNS = 58
NAMES = {0x72: "CPUID", 0x7b: "IOIO", 0x7c: "MSR", 0x81: "VMMCALL"}


def table(title, console):
    rows = re.findall(r"exit (0x[0-9a-f]+) x (\d+)\s+cycles min (\d+) avg (\d+) max (\d+)", console)
    if not rows:
        print(console)
        sys.exit(f"bench: no exit statistics from {title}")
    print(title)
    print(f"{'exit':<10}{'count':>8}{'C path min':>12}{'avg':>6}{'max':>6}{'+ switch':>10}")
    for code, count, lo, avg, hi in rows:
        name = NAMES.get(int(code, 16), code)
        print(f"{name:<10}{count:>8}{lo:>12}{avg:>6}{hi:>6}{int(lo) + WORLD_SWITCH_INSNS:>10}")
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
