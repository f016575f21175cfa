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
  first RDTSC to its next VMRUN (min, avg, max); a breakdown, not a total.

Then the benchapic32 guest (interrupts), on the same two emulators:
- one vCPU (cpus=1): the EOI round trips, xAPIC (MMIO, a nested page fault
  completed by emulation) and x2APIC (WRMSR 0x80B), each 1000 times in a
  four-instruction loop (ticks / 1000 - 3, as above); the TSC-deadline
  timer's lateness from the deadline to the handler's first instruction,
  with the vCPU spinning (tscdl) and in HLT (hlt_wake), 100 rounds each;
- two vCPUs (cpus=1,2), the receiver vcpu1 doing nothing but take IPIs:
  sender's RDTSC before the ICR write to the receiver's handler's RDTSC,
  receiver spinning (ipi) or in HLT (ipi_halted), 100 IPIs each, and the
  exits per IPI of each vCPU by exit code: the counts of the run with 100
  IPIs less those of the same guest sending none (the set-up's), / 100.
  QEMU's -icount runs the vCPUs round-robin in one thread: these latencies
  include the sender's instructions until it yields (its PAUSE)."""
import os
import re
import struct
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


APIC_VM = "vm=benchapic kind=flat load=0x100000 mode=prot32 mem=16M"
APIC_N = 1000               # guests/benchapic32.asm: N, the EOI loops
APIC_ROUNDS = 100           # ROUNDS: deadlines, IPIs
APIC_ROWS = [               # name, what one event is
    ("xapic_eoi", "EOI round trip, xAPIC MMIO (NPF + emulation)"),
    ("x2apic_eoi", "EOI round trip, x2APIC WRMSR 0x80B"),
    ("tscdl", "TSC deadline -> handler, vCPU spinning"),
    ("hlt_wake", "TSC deadline -> handler, vCPU in HLT"),
    ("ipi", "sender RDTSC -> receiver handler, receiver spinning"),
    ("ipi_halted", "sender RDTSC -> receiver handler, receiver in HLT")]
EXIT_NAMES = {0x60: "intr", 0x61: "nmi", 0x64: "vintr", 0x72: "cpuid", 0x74: "iret",
              0x77: "pause", 0x78: "hlt", 0x7b: "ioio", 0x7c: "msr", 0x81: "vmmcall",
              0x400: "npf"}
IPI_MODES = {"ipi": 0, "ipi_halted": 1}    # benchapic32's cfg_mode


def apic_image(mode=0, rounds=APIC_ROUNDS):
    """benchapic32 with its cfg_mode and cfg_rounds (after its marker) set."""
    with open(os.path.join(BUILD, "guests", "benchapic32.bin"), "rb") as f:
        img = f.read()
    at = img.index(b"benchapic-cfg:") + len(b"benchapic-cfg:")
    return img[:at] + struct.pack("<II", mode, rounds) + img[at + 8:]


def vcpu_exits(console):
    """{vCPU index: {exit code: count}} from the statistics at the VM's stop."""
    out = {}
    for vcpu, code, count in re.findall(r"vm benchapic: vcpu(\d+):\s+exit (0x[0-9a-f]+) x (\d+)",
                                        console):
        out.setdefault(int(vcpu), {})[int(code, 16)] = int(count)
    return out


def apic_runs(boot):
    """boot(image, cpus) -> console. The ticks per row, and per IPI row the
    exits per IPI: {vcpu: {code: count}} (100 IPIs less none, / 100)."""
    consoles = [boot(apic_image(), "1")]
    per_ipi = {}
    for name, mode in IPI_MODES.items():
        full = boot(apic_image(mode), "1,2")
        base = boot(apic_image(mode, 0), "1,2")
        consoles.append(full)
        a, b = vcpu_exits(full), vcpu_exits(base)
        if not a or not b:
            print(full + base)
            sys.exit(f"bench: no exit statistics from benchapic ({name})")
        per_ipi[name] = {v: {c: (n - b.get(v, {}).get(c, 0)) / APIC_ROUNDS
                             for c, n in a[v].items() if n != b.get(v, {}).get(c, 0)}
                         for v in a}
    ticks = {}
    for c in consoles:
        ticks.update(dict(re.findall(r"bench (\w+) ([0-9a-f]{16})", c)))
    missing = [name for name, _ in APIC_ROWS if name not in ticks]
    if missing:
        print("\n".join(consoles))
        sys.exit(f"bench: benchapic printed no {', '.join(missing)}")
    return ticks, per_ipi


def exits_text(codes):
    total = sum(codes.values())
    parts = ", ".join(f"{EXIT_NAMES.get(c, hex(c))} {n:.2f}" for c, n in sorted(codes.items()))
    return f"{total:.2f}" + (f" ({parts})" if parts else "")


def apic_table(title, ticks, per_ipi):
    print(title)
    print(f"{'event':<12}{'instructions':>13}  what")
    for name, what in APIC_ROWS:
        t = int(ticks[name], 16)
        per = t / APIC_N - GUEST_INSNS if name.endswith("_eoi") else t / APIC_ROUNDS
        print(f"{name:<12}{per:>13.0f}  {what}")
    print(f"exits per IPI ({APIC_ROUNDS} IPIs less a run with none; the receiver's msr is"
          " its handler's EOI):")
    for name in IPI_MODES:
        for v, role in ((0, "sender"), (1, "receiver")):
            print(f"  {name:<12}vcpu{v} {role:<9}{exits_text(per_ipi[name].get(v, {}))}")
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

    def apic_iso(img, cpus):
        return build_iso("testexit=on", [Module("benchapic32.bin", img, f"{APIC_VM} cpus={cpus}")])

    def on_qemu(img, cpus):
        return qemu(apic_iso(img, cpus), smp=3, timeout=120,
                    extra=["-icount", "shift=0,sleep=off"]).console

    def on_bochs(img, cpus):
        return bochs(apic_iso(img, cpus), cpus=3).console

    apic_table("QEMU 7.2 TCG -cpu max -smp 3 -icount shift=0,sleep=off: interrupts (benchapic32)",
               *apic_runs(on_qemu))
    apic_table("Bochs 2.7 model ryzen, 3 CPUs, ips=4000000, clock sync=none: interrupts (benchapic32)",
               *apic_runs(on_bochs))


if __name__ == "__main__":
    main()
