# SPDX-License-Identifier: BSD-2-Clause
"""Guest RAM on the largest nested pages the machine allows (issue 16,
mm/ramplace.h, docs/PERFORMANCE.md). QEMU q35 with -m 4G gives the
hypervisor RAM below 2 GiB (the firmware keeps the top of it, so the GiB
at 1 GiB is not whole) and 2 GiB above 4 GiB: two whole, 1 GiB-aligned
GiBs. svmv.py's CPU model (-cpu max) offers 1 GiB pages (pdpe1gb) under
TCG; the hypervisor's own identity map, logged at boot, shows it.

Each VM's creation line says how its RAM is mapped, the console's `mem`
lists its extents and `npt` its pages by size."""
import os
import re
import time

import pexpect

from svmv import BUILD, Module, build_iso, qemu_session

PROMPT = "svmvisor> "


def spin(vm, mem, core, image="spin32"):
    with open(os.path.join(BUILD, "guests", image + ".bin"), "rb") as f:
        data = f.read()
    return Module(f"{vm}.bin", data,
                  f"vm={vm} kind=flat load=0x100000 mode=prot32 mem={mem} cpus={core}")


def boot(mods, spinning):
    """Boots mods on QEMU -m 4G; returns (log up to the console, answers
    to `mem` and `npt` of each VM)."""
    iso = build_iso("loglevel=info serial=com1", mods)
    with qemu_session(iso, smp=len(mods) + 1, mem="4G", timeout=120) as child:
        text, deadline = "", time.monotonic() + 120
        while not ("boot complete" in text and PROMPT in text and
                   all(f"[{vm}] spin32: spinning" in text for vm in spinning)):
            assert time.monotonic() < deadline, text
            try:
                text += child.read_nonblocking(1 << 16, timeout=0.5)
            except pexpect.TIMEOUT:
                pass
        answers = {}
        for cmd in ["mem"] + [f"npt {m.name[:-4]}" for m in mods]:
            child.send(cmd + "\r")
            child.expect_exact(cmd)      # its echo: past any prompt a log line redrew
            child.expect_exact(PROMPT)
            answers[cmd] = child.before.replace("\r", "")
        assert re.search(r"paging: identity map to 0x[0-9a-f]+: [1-9]\d* x 1G", text), \
            "the CPU model offers no 1 GiB pages (pdpe1gb): " + text
        return text.replace("\r", ""), answers


def created(log, vm):
    m = re.search(rf"vm {vm}: (\d+) MiB RAM \(([^)]*)\) at host (0x[0-9a-f]+)"
                  rf"(?: and (\d+) more extents?)?, \d+-byte image", log)
    assert m, (vm, log)
    return int(m.group(1)), m.group(2), int(m.group(3), 16), 1 + int(m.group(4) or 0)


def extents(mem_answer, vm):
    """The extents `mem` lists for vm: [(gpa, last gpa, hpa)]."""
    block = re.search(rf"^  vm {vm}\s+RAM\s+\d+ MiB in (\d+) extents?;.*\n((?:    GPA .*\n)*)",
                      mem_answer, re.M)
    assert block, mem_answer
    rows = re.findall(r"GPA 0x([0-9a-f]+)-0x([0-9a-f]+) -> HPA 0x([0-9a-f]+)", block.group(2))
    assert len(rows) == int(block.group(1)), block.group(0)
    return [tuple(int(x, 16) for x in r) for r in rows]


def test_two_gib_vm_is_mapped_with_two_1g_pages():
    log, ans = boot([spin("big", "2G", 1)], ["big"])
    mib, how, hpa, n = created(log, "big")
    assert (mib, how) == (2048, "2 x 1G"), log
    assert hpa % (1 << 30) == 0
    ext = extents(ans["mem"], "big")
    assert len(ext) == n and all(h % (1 << 30) == 0 == g % (1 << 30) for g, _, h in ext), ext
    assert ext[-1][1] == (2 << 30) - 1
    assert "pages 2 x 1G 0 x 2M 0 x 4K" in ans["mem"], ans["mem"]
    assert re.search(r"pages: 2 x 1G, 0 x 2M, 0 x 4K", ans["npt big"]), ans["npt big"]
    assert re.search(r"-> HPA 0x[0-9a-f]+ +[12] x 1G W X", ans["npt big"]), ans["npt big"]


def test_one_gib_and_six_mib_vm_is_mapped_with_1g_and_three_2m_pages():
    log, ans = boot([spin("odd", "1030M", 1)], ["odd"])
    mib, how, _, n = created(log, "odd")
    assert (mib, how, n) == (1030, "1 x 1G, 3 x 2M", 2), log
    ext = extents(ans["mem"], "odd")
    assert ext[0][:2] == (0, (1 << 30) - 1) and ext[0][2] % (1 << 30) == 0, ext
    assert ext[1][:2] == (1 << 30, (1 << 30) + (6 << 20) - 1) and ext[1][2] % (2 << 20) == 0, ext
    # The 6 MiB did not break the other whole GiB: a later VM still has it.
    assert re.search(r"whole free blocks 1 x 1G, \d+ x 2M", ans["mem"]), ans["mem"]
    assert "pages: 1 x 1G, 3 x 2M, 0 x 4K" in ans["npt odd"], ans["npt odd"]


def test_vms_beside_other_allocations_start_and_say_how_they_are_mapped():
    """Small VMs first (one with a 4 KiB tail) take nothing a large page
    needs: the 2 GiB VM after them still gets both GiBs. The 1 GiB VM
    after that finds no whole GiB left: it starts all the same, on 2 MiB
    pages, and its line says memory was too fragmented for better."""
    mods = [spin("s1", "16M", 1, "cpuid32"), spin("s2", "2052K", 2, "cpuid32"),
            spin("big", "2G", 3), spin("late", "1G", 4)]
    log, ans = boot(mods, ["big", "late"])
    assert created(log, "s1")[1] == "8 x 2M", log
    assert created(log, "s2")[1] == "1 x 2M, 1 x 4K", log
    assert created(log, "big")[:2] == (2048, "2 x 1G"), log
    assert created(log, "late")[:2] == (1024, "512 x 2M; memory fragmented"), log
    assert "vm late: stopped" not in log, log
    assert "pages: 0 x 1G, 512 x 2M, 0 x 4K" in ans["npt late"], ans["npt late"]
    assert re.search(r"whole free blocks 0 x 1G", ans["mem"]), ans["mem"]
    # No two VMs share a host frame.
    spans = sorted((h, h + (last - g) + 1, vm) for vm in ("s1", "s2", "big", "late")
                   for g, last, h in extents(ans["mem"], vm))
    for (a0, a1, va), (b0, b1, vb) in zip(spans, spans[1:]):
        assert a1 <= b0, (va, vb, spans)


def test_long_mode_tables_across_two_host_runs():
    """flat64 with 1 GiB + 8 KiB: its RAM is a 1 GiB page and two 4 KiB
    pages elsewhere on the host, and the long-mode start area the VM
    builder writes at the top of RAM (20 KiB from 1 GiB - 12 KiB: PML4,
    PDPT and GDT below 1 GiB, the two page directories above) straddles the
    two runs: it is built through a bounce buffer and copied across. The
    guest starts in 64-bit mode on it (flat64's other checks assume 16 MiB
    of RAM), and the console's guest walk finds every table where the
    builder put it and each address on the right host run."""
    with open(os.path.join(BUILD, "guests", "flat64.bin"), "rb") as f:
        mod = Module("flat64.bin", f.read(),
                     "vm=flat64 kind=flat load=0x100000 mode=long mem=1048584K")
    iso = build_iso("loglevel=info serial=com1", [mod])
    with qemu_session(iso, smp=2, mem="4G", timeout=120) as child:
        child.expect(r"vm flat64: stopped: debug exit")
        log = child.before.replace("\r", "")
        child.send("\r")
        child.expect_exact(PROMPT)
        answers = {}
        for cmd in ["mem", "xlate flat64 0x3fe00010", "xlate flat64 0x40001008"]:
            child.send(cmd + "\r")
            child.expect_exact(cmd)
            child.expect_exact(PROMPT)
            answers[cmd] = child.before.replace("\r", "")
    _, how, _, n = created(log, "flat64")
    assert (how, n) == ("1 x 1G, 2 x 4K", 2), log
    assert "[flat64] PASS flat64: started in 64-bit mode" in log, log
    assert "[flat64] PASS flat64: CPUID hypervisor leaf" in log, log
    ext = extents(answers["mem"], "flat64")
    assert [e[:2] for e in ext] == [(0, (1 << 30) - 1), (1 << 30, (1 << 30) + 0x1fff)], ext
    top = (1 << 30) - 0x3000
    for gva, pde, ext_i in ((0x3fe00010, (1 << 30) + 511 * 8, 0), (0x40001008, (1 << 30) + 0x1000, 1)):
        a = answers[f"xlate flat64 {gva:#x}"]
        assert f"guest PML4E at GPA {top:#x} " in a, a
        assert f"guest PDPTE at GPA {top + 0x1000 + (gva >> 30) * 8:#x} " in a, a
        assert re.search(rf"guest PDE   at GPA {pde:#x} = [0-9a-f]{{16}}  PW- large", a), a
        m = re.search(r"host physical (0x[0-9a-f]+)", a)
        assert m and int(m.group(1), 16) == ext[ext_i][2] + gva - ext[ext_i][0], (a, ext)
