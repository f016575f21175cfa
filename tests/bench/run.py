"""make bench: per-exit hypervisor cost, deterministic under QEMU icount.

Boots the bench32 guest (N exits of each kind) with -icount shift=0,sleep=off,
where the TSC advances one per instruction, and prints the hypervisor's
per-exit-code counts: instructions from the world switch's return to its
next call (the C path). The assembly around VMRUN adds WORLD_SWITCH_INSNS."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from svmv import BUILD, Module, build_iso, qemu  # noqa: E402

# svm/vmrun.asm, counted from the listing: 28 instructions from the call to
# VMRUN, 30 from VMRUN's return to RET.
WORLD_SWITCH_INSNS = 58
NAMES = {0x72: "CPUID", 0x7b: "IOIO", 0x7c: "MSR", 0x81: "VMMCALL"}


def main():
    with open(os.path.join(BUILD, "guests", "bench32.bin"), "rb") as f:
        img = f.read()
    iso = build_iso("testexit=on", [Module("bench32.bin", img,
                                           "vm=bench kind=flat load=0x100000 mode=prot32 mem=16M")])
    run = qemu(iso, smp=2, timeout=120, extra=["-icount", "shift=0,sleep=off"])
    rows = re.findall(r"exit (0x[0-9a-f]+) x (\d+)\s+cycles min (\d+) avg (\d+) max (\d+)",
                      run.console)
    if not rows:
        print(run.console)
        sys.exit("bench: no exit statistics in the output")
    print("command: qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 2 -m 512M "
          "-icount shift=0,sleep=off (tests/bench/run.py)")
    print(f"{'exit':<10}{'count':>8}{'C path min':>12}{'avg':>6}{'max':>6}{'+ switch':>10}")
    for code, count, lo, avg, hi in rows:
        name = NAMES.get(int(code, 16), code)
        print(f"{name:<10}{count:>8}{lo:>12}{avg:>6}{hi:>6}{int(avg) + WORLD_SWITCH_INSNS:>10}")


if __name__ == "__main__":
    main()
