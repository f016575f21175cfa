# SPDX-License-Identifier: BSD-2-Clause
"""The hostile-guest suite (docs/security.md): every case under
guests/hostile/ runs as VM "hostile" (one vCPU on cpu1) beside the witness
(guests/hostile/witness.asm, VM "witness" on cpu2), on QEMU and on Bochs.

A case passes when:
- the guest saw what its header's `guest:` says: no FAIL line, and it ended
  through the debug exit with 0 failures, or, when the header has `stop:`,
  the hypervisor stopped it for a reason matching that regex;
- the hypervisor said what `report:` asks for, and nothing that shows it
  was hurt (a panic, an exception in the host, a VMRUN that failed);
- the witness kept beating with its RAM intact and no interrupt of
  another VM's in its APIC, for two beats after the case ended;
- the console still answers: `vms` lists the witness as running.
"""
import glob
import os
import re
import time

import pytest

from svmv import BUILD, ROOT, LineReader, Module, bochs_session, build_iso, qemu_session

CASES_DIR = os.path.join(ROOT, "guests", "hostile")
SECURITY_MD = os.path.join(ROOT, "docs", "security.md")
KEYS = ("HOSTILE", "class", "guest", "hypervisor", "others", "stop", "report", "vm", "only")
CLASSES = ("vmcb", "db", "tables", "irq", "ipi", "emul", "strio", "host", "mem", "storm")
BEATS_AFTER = 2                 # witness beats required after the case ended
DEADLINE = {"qemu": 90, "bochs": 240}   # s for one case's whole run

# What the hypervisor must never print, whatever a guest does.
HURT = re.compile(r"PANIC|panic|EXCEPTION .* on cpu\d|VMEXIT_INVALID|"
                  r"invalid guest state|vm witness: (stopped|result)")

LOG_PREFIX = re.compile(r"^\[\s*\d+\.\d+\] cpu\d+ [A-Z]: ")
CASE_END = re.compile(r"^vm hostile: (stopped|result)")
PASSED = re.compile(r"^vm hostile: stopped: debug exit with code 0 ")


def text(line):
    """A console line without the hypervisor log's time and CPU prefix."""
    return LOG_PREFIX.sub("", line)


def header(path):
    """The case's header: its leading "; key: value" comment lines."""
    h = {}
    with open(path) as f:
        for line in f:
            if not line.startswith(";"):
                break
            m = re.match(r";\s*(\w+):\s*(.*\S)\s*$", line)
            if m and m.group(1) in KEYS:
                h[m.group(1)] = m.group(2)
    return h


def cases():
    return sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(CASES_DIR, "*.asm"))
                  if not p.endswith("witness.asm"))


def image(name):
    with open(os.path.join(BUILD, "guests", "hostile", name + ".bin"), "rb") as f:
        return f.read()


def flat(name, opts):
    return Module(name + ".bin", image(name),
                  f"kind=flat load=0x100000 mode=prot32 mem=16M {opts}".strip())


def test_every_case_has_a_complete_header_and_a_row_in_docs():
    names = cases()
    assert len(names) >= 30, f"{len(names)} hostile cases under guests/hostile/; issue 14 asks for 30"
    with open(SECURITY_MD) as f:
        doc = f.read()
    problems = []
    for name in names:
        h = header(os.path.join(CASES_DIR, name + ".asm"))
        for key in ("HOSTILE", "class", "guest", "hypervisor", "others"):
            if key not in h:
                problems.append(f"{name}: no `; {key}:` line")
        if h.get("class") not in CLASSES:
            problems.append(f"{name}: class {h.get('class')!r} is none of {CLASSES}")
        if h.get("only") not in (None, "qemu", "bochs"):
            problems.append(f"{name}: only: {h['only']!r}")
        if f"| `{name}` |" not in doc:
            problems.append(f"{name}: no row in docs/security.md")
    assert not problems, "\n".join(problems)


def outcome(h, lines, emu):
    """Problems with one run's console lines (texts)."""
    whole = "\n".join(text(l) for l in lines)
    problems = [l for l in lines if HURT.search(l)]
    problems += [l for l in lines if l.startswith("[hostile] FAIL") or l.startswith("[hostile]   got")]
    problems += [l for l in lines if l.startswith("[witness]") and
                 ("CORRUPT" in l or "STRAY" in l)]
    end = [text(l) for l in lines if CASE_END.match(text(l))]
    if not end:
        problems.append("the case never ended")
    elif "stop" in h:
        if not re.search(r"^vm hostile: stopped: " + h["stop"], end[0]):
            problems.append(f"the case should stop for /{h['stop']}/: {end[0]}")
    elif not PASSED.match(end[0]):
        problems.append(f"the case should end through the debug exit with 0: {end[0]}")
    if "report" in h and not re.search(h["report"], whole, re.M):
        problems.append(f"no hypervisor line matches /{h['report']}/")
    return problems


@pytest.mark.parametrize("emu", ["qemu", "bochs"])
@pytest.mark.parametrize("name", cases())
def test_case(name, emu):
    h = header(os.path.join(CASES_DIR, name + ".asm"))
    if h.get("only", emu) != emu:
        pytest.skip(f"{name} runs on {h['only']} only (see its header)")
    mods = [flat(name, f"vm=hostile cpus=1 {h.get('vm', '')}"), flat("witness", "vm=witness cpus=2")]
    iso = build_iso("loglevel=info", mods)
    session = (qemu_session(iso, smp=3, timeout=DEADLINE[emu]) if emu == "qemu"
               else bochs_session(iso, cpus=3, timeout=DEADLINE[emu]))
    with session as child:
        r = LineReader(child)
        start = time.monotonic()
        ended = None            # the witness's beat count when the case ended
        beats = 0
        asked = None
        answered = False
        while time.monotonic() - start < DEADLINE[emu]:
            for _, l in r.poll(0.2):
                if l.startswith("[witness] beat "):
                    beats += 1
                if ended is None and CASE_END.match(text(l)):
                    ended = beats
                if asked and re.match(r"^\s+witness\s+running\b", l):
                    answered = True
            if ended is not None and beats >= ended + BEATS_AFTER and asked is None:
                child.send("vms\r")
                asked = time.monotonic()
            if answered or (asked and time.monotonic() - asked > 20) or r.eof:
                break
        lines = [l for _, l in r.lines]
    problems = outcome(h, lines, emu)
    if ended is not None and beats < ended + BEATS_AFTER:
        problems.append(f"the witness beat {beats - ended} times after the case ended, "
                        f"not {BEATS_AFTER}")
    if ended is not None and not answered:
        problems.append("the console did not list the witness as running")
    assert not problems, "\n".join(problems) + "\n--- console:\n" + "\n".join(lines[-60:])


@pytest.mark.parametrize("core", [0, 1])
def test_exit_storm_leaves_the_console_answering(core):
    """exit-storm on the boot CPU (which the console shares) and on a core
    of its own: `vms` typed every second during the storms is answered
    every time, `trace` of the storming vCPU prints at most the rows asked
    for, and the case and the witness are as in test_case. QEMU's
    answer times are printed (a benchmark figure, not asserted: the
    machine is shared); each must come within ANSWER_S."""
    answer_s = 5.0
    mods = [flat("exit-storm", f"vm=hostile cpus={core}"), flat("witness", "vm=witness cpus=2")]
    iso = build_iso("loglevel=info", mods)
    times, pending, traced, rows = [], None, False, 0
    with qemu_session(iso, smp=3, timeout=DEADLINE["qemu"]) as child:
        r = LineReader(child)
        start = time.monotonic()
        started = ended = False
        n = 0
        while time.monotonic() - start < DEADLINE["qemu"] and not r.eof and not ended:
            for _, l in r.poll(0.05):
                started |= l.startswith("[hostile]")
                ended |= bool(CASE_END.match(text(l)))
                if re.match(r"^\s*\d+\s+[0-9a-f]+\s+0x[0-9a-f]+\s", l):
                    rows += 1
                if pending and re.match(r"^\s+witness\s+running\b", l):
                    times.append(time.monotonic() - pending)
                    pending = None
            if pending and time.monotonic() - pending > answer_s:
                pytest.fail(f"`vms` #{n} not answered within {answer_s} s during the storm "
                            f"on cpu{core}")
            if started and not ended and not pending and \
                    (not times or time.monotonic() - start > len(times) + 1):
                n += 1
                if len(times) == 3 and not traced:
                    child.send("trace hostile 0 32\r")    # the recorder of a storming vCPU
                    traced = True
                child.send("vms\r")
                pending = time.monotonic()
        lines = [l for _, l in r.lines]
    problems = outcome(header(os.path.join(CASES_DIR, "exit-storm.asm")), lines, "qemu")
    assert not problems, "\n".join(problems) + "\n--- console:\n" + "\n".join(lines[-60:])
    assert len(times) >= 5, f"only {len(times)} answers during the storms"
    assert traced and 1 <= rows <= 32, f"`trace hostile 0 32` during the storm printed {rows} rows"
    print(f"exit-storm on cpu{core}: {len(times)} answers, median "
          f"{sorted(times)[len(times) // 2] * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")


def test_host_state_survives_a_million_exits_and_console_nmis():
    """host-state on QEMU (a million exits there) while the console sends
    the VM an NMI every 0.3 s: the case passes as in test_case, its own
    handler took the NMIs, and the witness and the console are fine."""
    mods = [flat("host-state", "vm=hostile cpus=1"), flat("witness", "vm=witness cpus=2")]
    iso = build_iso("loglevel=info", mods)
    with qemu_session(iso, smp=3, timeout=DEADLINE["qemu"]) as child:
        r = LineReader(child)
        start = time.monotonic()
        started = ended = False
        last = 0.0
        while time.monotonic() - start < DEADLINE["qemu"] and not r.eof and not ended:
            for _, l in r.poll(0.05):
                started |= l.startswith("[hostile]")
                ended |= bool(CASE_END.match(text(l)))
            if started and not ended and time.monotonic() - last > 0.3:
                child.send("nmi hostile\r")
                last = time.monotonic()
        time.sleep(0.5)
        r.poll(0.5)
        lines = [l for _, l in r.lines]
    problems = outcome(header(os.path.join(CASES_DIR, "host-state.asm")), lines, "qemu")
    assert not problems, "\n".join(problems) + "\n--- console:\n" + "\n".join(lines[-60:])
    nmis = [int(m.group(1)) for l in lines
            for m in [re.match(r"\[hostile\] NMIs taken during the case: (\d+)", l)] if m]
    assert nmis and nmis[0] >= 3, f"the guest counted {nmis} NMIs"
    print(f"host-state: {nmis[0]} NMIs taken during a million exits")
