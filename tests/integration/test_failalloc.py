# SPDX-License-Identifier: BSD-2-Clause
"""The boot option failalloc=N (docs/boot-options.md): the VM builder's
N-th frame allocation fails, as if memory had run out. The VM it hits
stops with a message that names it and the memory it could not get, gives
back every frame it took, and the VMs before and after it run. The free
frame count afterwards (the console's mem) equals that of a boot in which
the same VM fails for another reason after taking all its memory (no core
for it: cpus= names one QEMU does not have): nothing leaks, wherever the
failure falls. Both boots have command lines of the same lengths, so the
boot's own reservations are the same."""
import os
import re
import time

import pexpect
import pytest

from svmv import BUILD, Module, build_iso, qemu_session

PROMPT = "svmvisor> "
SPIN = os.path.join(BUILD, "guests", "spin32.bin")
NEVER = 99      # an allocation number the three VMs never reach: the same command-line length


def boot(failalloc, bad=None):
    """a, b, c: three spin32 VMs of 16 MiB on cores 1-3, `bad` on core 9,
    which QEMU's four CPUs lack. Returns the log up to the console, the VMs
    that spin, and the free frames."""
    with open(SPIN, "rb") as f:
        spin = f.read()
    mods = [Module(f"{vm}.bin", spin, f"vm={vm} kind=flat load=0x100000 mode=prot32 mem=16M "
                                      f"cpus={9 if vm == bad else i + 1}")
            for i, vm in enumerate("abc")]
    iso = build_iso(f"loglevel=info serial=com1 failalloc={failalloc:02d}", mods)
    want = 3 - (bad is not None or failalloc != NEVER)
    with qemu_session(iso, smp=4, timeout=60) as child:
        text, deadline = "", time.monotonic() + 60
        while not ("boot complete" in text and PROMPT in text and
                   len(set(re.findall(r"\[(\w)\] spin32: spinning", text))) >= want):
            assert time.monotonic() < deadline, text
            try:
                text += child.read_nonblocking(1 << 16, timeout=0.5)
            except pexpect.TIMEOUT:
                pass
        child.send("mem\r")
        child.expect(r"host: (\d+) free frames")
        text = text.replace("\r", "")
        return text, set(re.findall(r"\[(\w)\] spin32: spinning", text)), int(child.match.group(1))


@pytest.mark.parametrize("n", [11, 13])
def test_failed_allocation_stops_one_vm_and_frees_what_it_took(n):
    log, spinning, free = boot(n)
    assert f"the VM builder's allocation number {n} will fail (failalloc={n})" in log
    stopped = re.findall(r"vm (\w): stopped: (.*)", log)
    assert len(stopped) == 1, log
    vm, why = stopped[0]
    assert "memory" in why, why
    assert re.search(rf"vm {vm}: the \d+ frames it took are free again", log), log
    assert spinning == set("abc") - {vm}
    # The same VM failing after taking all its memory leaves as many free.
    _, _, free_bad = boot(NEVER, bad=vm)
    assert free == free_bad, (free, free_bad)
