# SPDX-License-Identifier: BSD-2-Clause
"""The virtual CPU's host-side rules: VM placement on SMT siblings, a crash
that resets its VM (on_crash=reset), and the console's view of the MSRs a
guest was refused."""
import re

import pytest

from svmv import build_iso, qemu, qemu_session
from test_console import PROMPT
from test_guests import guest

SMT = "4,sockets=1,cores=2,threads=2"   # cpu0/cpu1 share a core, cpu2/cpu3 the other


def command(child, line, pattern):
    child.send(line + "\r")
    child.expect(pattern)
    child.expect_exact(PROMPT)


def test_two_vms_are_not_placed_on_smt_siblings():
    iso = build_iso("testexit=on", [guest("cpuid32", "a", "cpus=2"), guest("cpuid32", "b", "cpus=3")])
    run = qemu(iso, smp=SMT, timeout=60)
    assert not run.timed_out, run.console
    assert ("vm b: stopped: cpu3 is an SMT sibling of cpu2, which runs vm a "
            "(the boot option smt=shared allows that)") in run.console, run.console
    assert "vm a: result 0" in run.console


def test_smt_shared_allows_siblings_and_one_vm_may_use_both():
    iso = build_iso("testexit=on smt=shared",
                    [guest("cpuid32", "a", "cpus=2"), guest("cpuid32", "b", "cpus=3")])
    run = qemu(iso, smp=SMT, timeout=60)
    assert "vm a: result 0" in run.console and "vm b: result 0" in run.console, run.console
    # Without smt=shared the two threads of one core may still serve one VM.
    iso = build_iso("testexit=on", [guest("smp32", "smp", "cpus=2-3")])
    run = qemu(iso, smp=SMT, timeout=60)
    assert "vm smp: result 0" in run.console, run.console


def test_automatic_placement_skips_a_sibling_of_another_vm():
    # a on cpu2 and c on cpu1: the free cpu3 and cpu0 are each a sibling of
    # another VM's core, so b finds no core; with smt=shared it takes cpu3.
    mods = [guest("cpuid32", "a", "cpus=2"), guest("cpuid32", "c", "cpus=1"), guest("cpuid32", "b")]
    run = qemu(build_iso("testexit=on", mods), smp=SMT, timeout=60)
    assert "vm b: stopped: no free core with SVM for vcpu0" in run.console, run.console
    assert "vm a: result 0" in run.console and "vm c: result 0" in run.console
    run = qemu(build_iso("testexit=on smt=shared", mods), smp=SMT, timeout=60)
    assert re.search(r"vm b: .*vcpu0 on cpu3", run.console), run.console
    assert "vm b: result 0" in run.console


def test_on_crash_reset_restarts_the_vm_from_its_image():
    iso = build_iso("", [guest("triple32", "crashy", "on_crash=reset"), guest("nmi32", "other")])
    with qemu_session(iso, smp=3, timeout=60) as child:
        for _ in range(2):   # it crashes, is reset, crashes again...
            child.expect(r"vm crashy: resetting: (triple fault \(shutdown\)|double fault in the guest "
                         r"\(a triple fault follows\)); on_crash=reset")
            child.expect_exact("vm crashy: vcpu0: the last exits before it stopped:")
            child.expect(r"vm crashy: reset \((triple|double) fault.*; on_crash=reset\) "
                         r"\(RAM zeroed, image reloaded, entry 0x100000\)")
        child.send("\r")
        child.expect_exact(PROMPT)
        command(child, "kill crashy", "killed crashy")
        command(child, "vms", re.compile(r"crashy\s+stopped"))
        command(child, "vms", re.compile(r"other\s+running"))   # the other VM never noticed


def test_msrs_lists_the_msrs_a_guest_was_refused():
    iso = build_iso("", [guest("cpuid32", "cpuid")])
    with qemu_session(iso, smp=2, timeout=60) as child:
        child.expect_exact("vm cpuid: stopped: debug exit with code 0")
        child.send("\r")
        child.expect_exact(PROMPT)
        child.send("msrs cpuid\r")
        child.expect(r"msr\s+name\s+reads\s+writes\s+last written")
        child.expect(r"0xc0011234\s+-\s+1\s+0\s+-")
        child.expect_exact(PROMPT)
        command(child, "msrs nope", re.escape('msrs: no VM named "nope"'))


def test_wbinvd_storm_does_not_slow_a_neighbour():
    """WBINVD and WBNOINVD complete as no-ops: every one of the flusher's
    200000 exits (none reaches the caches) while a neighbour times its own
    memory copies. The emulators model no caches, so the neighbour's figures
    only mean something on hardware; here the test checks that both ran at
    once and ended well."""
    iso = build_iso("testexit=on", [guest("wbinvd32", "flush", "cpus=1"),
                                    guest("memspeed32", "speed", "cpus=2")])
    run = qemu(iso, smp=3, timeout=120, extra=["-icount", "shift=0,sleep=off"])
    c = run.console
    assert "[flush] wbinvd32: flushing" in c and "[flush] wbinvd32: done" in c, c
    assert re.search(r"\[speed\] memspeed: fastest copy 0x[0-9a-f]{8}, slowest 0x[0-9a-f]{8}", c), c
    # Side by side: the speed VM measured and stopped while the flusher ran.
    # By the hypervisor's timestamps: two lines that reach the drain at the
    # same moment may come out in either order.
    def at(pattern):
        return float(re.search(r"\[\s*([\d.]+)\] cpu\d+ I: " + pattern, c).group(1))
    assert at(r"vm flush: 16 MiB RAM") < at(r"vm speed: stopped") < at(r"vm flush: stopped"), \
        "the two guests did not run side by side"
    assert c.index("[speed] memspeed:") < c.index("[flush] wbinvd32: done"), c
    assert "vm flush: result 0" in c and "vm speed: result 0" in c, c
    assert re.search(r"vm flush: vcpu0:\s+exit 0x089 x 200000 ", c), c   # every one intercepted
