# SPDX-License-Identifier: BSD-2-Clause
"""Guest RAM page mix (docs/PERFORMANCE.md, "Guest RAM on large pages").

Usage: python3 tests/bench/largepages.py MACHINE_MEM NAME MEM [NAME MEM ...]
e.g.   python3 tests/bench/largepages.py 4G a 1030M b 37M c 1000M d 1G

Boots QEMU (q35, TCG, svmv.py's -cpu max) with MACHINE_MEM of RAM and one
cpuid32 flat guest per NAME MEM pair, created in that order, each on its
own core (it runs to its debug exit; a stopped VM keeps its RAM). Prints
the boot's memory lines and each VM's creation line (how its RAM is
mapped), then the console's `mem` (extents, NPT pages and tables, the
whole free 1G/2M blocks left). Needs `make all`."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from svmv import BUILD, Module, build_iso, qemu_session  # noqa: E402


def main():
    if len(sys.argv) < 4 or len(sys.argv) % 2:
        sys.exit(__doc__)
    machine, args = sys.argv[1], sys.argv[2:]
    with open(os.path.join(BUILD, "guests", "cpuid32.bin"), "rb") as f:
        image = f.read()
    mods = [Module(f"{n}.bin", image,
                   f"vm={n} kind=flat load=0x100000 mode=prot32 mem={m} cpus={i + 1}")
            for i, (n, m) in enumerate(zip(args[::2], args[1::2]))]
    iso = build_iso("loglevel=info serial=com1", mods)
    with qemu_session(iso, smp=len(mods) + 1, mem=machine, timeout=300) as c:
        c.expect("boot complete")
        log = c.before.replace("\r", "")
        time.sleep(1)
        c.send("\r")
        c.expect_exact("svmvisor> ")
        c.send("mem\r")
        c.expect_exact("mem")
        c.expect_exact("svmvisor> ")
        mem = c.before.replace("\r", "")
    for line in log.splitlines():
        if re.search(r"MiB RAM|memory:|paging:|: stopped: (?!debug exit)", line):
            print(line.split("] ", 1)[-1])
    print(mem.strip("\n"))


if __name__ == "__main__":
    main()
