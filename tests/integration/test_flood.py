# SPDX-License-Identifier: BSD-2-Clause
"""A VM that floods its COM1 cannot hold back the other VMs' output or the
console: each VM's COM1 output goes into a ring of its own (4 KiB) that the
console core drains with a fair share per VM; a full ring drops the VM's
output, counts it, says so ("... N bytes of output lost") and `vms` shows
the count.

flood32 writes 10,000 lines of ~60 bytes as fast as it can (cpu1);
heartbeat32 prints "beat 0" .. "beat 399", one every ~15 ms of guest TSC
time (cpu2). The console (cpu0) is asked for `vms` while the flood runs."""
import re
import time

from svmv import LineReader, build_iso, qemu_session
from test_guests import guest

PROMPT = "svmvisor> "
FLOOD_LINES = 10000             # guests/flood32.asm LINES
BEATS = 400                     # guests/heartbeat32.asm BEATS
MAX_BEAT_GAP = 1.0              # s of wall clock between two beat lines during the flood
MAX_VMS_LATENCY = 1.0           # s from sending "vms" to its flood and beat rows
MIN_BEATS_DURING_FLOOD = 20     # else the two did not overlap and the gap says nothing
VMS_PROBE_EVERY = 2.0           # s between two `vms` probes while the flood runs
DEADLINE = 55.0                 # s from QEMU's start for the whole run

BEAT = re.compile(r"\[beat\] beat (\d+)$")
FLOOD = re.compile(r"\[flood\] flood (\d{5}) ={44}$")
# A row of `vms`: two spaces, the name, a state (docs/monitor.md "vms").
VMS_ROW = re.compile(r"^  (flood|beat) +(created|running|paused|halted|wait-sipi|stopped)\b")
VMS_HEADER = re.compile(r"^  name +state\b")


class Probe:
    """One `vms` sent to the console: when, and when its rows came back."""

    def __init__(self, child, now):
        child.send("vms\r")
        self.sent = now
        self.header = None
        self.rows = {}                          # name -> (time, text)

    def feed(self, t, text):
        if self.header is None and VMS_HEADER.match(text):
            self.header = text
        m = VMS_ROW.match(text)
        if m and self.header is not None and m.group(1) not in self.rows:
            self.rows[m.group(1)] = (t, text)

    @property
    def done(self):
        return len(self.rows) == 2

    @property
    def latency(self):
        return max(t for t, _ in self.rows.values()) - self.sent


def drop_count(header, row):
    """The flood row's drop count, from the `vms` column after exits; None
    when the table has no column there (only "result" follows exits).
    The column's name is not final: any column between exits and result."""
    cols = header.split()
    if "exits" not in cols or cols[cols.index("exits") + 1:cols.index("exits") + 2] == ["result"]:
        return None
    # The row's fields up to the drop column have no spaces in them
    # (name state MiB vcpus cpu exits drops); the result text comes last.
    field = row.split()[cols.index("exits") + 1]
    m = re.match(r"(\d+)", field)
    return int(m.group(1)) if m else 0     # "-" or such: none


def test_flood_does_not_hold_back_other_vms_or_the_console():
    mods = [guest("flood32", "flood", "cpus=1"), guest("heartbeat32", "beat", "cpus=2")]
    iso = build_iso("", mods)
    with qemu_session(iso, smp=4, timeout=DEADLINE) as child:
        start = time.monotonic()
        r = LineReader(child)
        beats = []              # (time, n)
        flood_seen = []         # counters of the whole flood lines, in arrival order
        flood_start = flood_end = None
        beat_end = None
        lost = []               # lines that report lost output
        probes = []
        final = None            # the `vms` after both VMs ended
        stops = {}              # vm -> its "stopped" line
        console_up = False      # its prompt has been seen

        def finished():
            return flood_end is not None and beat_end is not None

        while time.monotonic() - start < DEADLINE and not r.eof:
            for t, text in r.poll(0.05):
                for p in probes + ([final] if final else []):
                    p.feed(t, text)
                m = BEAT.search(text)
                if m:
                    beats.append((t, int(m.group(1))))
                    continue
                m = FLOOD.search(text)
                if m:
                    flood_seen.append(int(m.group(1)))
                    if flood_start is None:
                        flood_start = t
                    continue
                if "lost" in text:
                    lost.append(text)
                m = re.search(r"vm (flood|beat): stopped: (.*)", text)
                if m:
                    stops[m.group(1)] = text
                    if m.group(1) == "flood" and flood_end is None:
                        flood_end = t
                    if m.group(1) == "beat" and beat_end is None:
                        beat_end = t
                if "[flood] flood done" in text and flood_end is None:
                    flood_end = t
                if "[beat] heartbeat done" in text and beat_end is None:
                    beat_end = t
            now = time.monotonic()
            console_up = console_up or PROMPT in r.last or PROMPT in r.raw_tail
            # While the flood runs: `vms` once the console is up, then every
            # VMS_PROBE_EVERY s, one at a time.
            if (flood_start is not None and flood_end is None and console_up
                    and (not probes or (probes[-1].done and now - probes[-1].sent >= VMS_PROBE_EVERY)
                         or now - probes[-1].sent > 5.0)):
                probes.append(Probe(child, now))
            if finished():
                if final is None:
                    final = Probe(child, now)
                elif final.done or now - final.sent > 5.0:
                    break

        elapsed = time.monotonic() - start
        progress = (f"after {elapsed:.1f} s: {len(beats)} beat lines (last {beats[-1][1] if beats else None}), "
                    f"{len(flood_seen)} flood lines (last {flood_seen[-1] if flood_seen else None}), "
                    f"flood {'ended' if flood_end else 'running'}, heartbeat {'ended' if beat_end else 'running'}; "
                    f"last console lines: {[l for _, l in r.lines[-5:]]}")
        print(progress)
        for p in probes:
            print(f"vms probe at +{p.sent - start:.2f} s: "
                  f"{f'{p.latency:.3f} s' if p.done else 'no answer'}")

        # The flood started and both VMs ended, the flood with result 0.
        assert flood_start is not None, "no flood line ever appeared; " + progress
        assert flood_end is not None, "the flood VM neither said 'flood done' nor stopped; " + progress
        assert beat_end is not None, "the heartbeat VM did not end; " + progress
        assert "flood" not in stops or "debug exit with code 0" in stops["flood"], stops["flood"]
        assert "debug exit with code 0" in stops.get("beat", "debug exit with code 0"), stops["beat"]

        # Every beat exactly once, in order: separate rings never lose or
        # reorder the quiet VM's output because of the loud one.
        got = [n for _, n in beats]
        missing = sorted(set(range(BEATS)) - set(got))
        dups = sorted({n for n in got if got.count(n) > 1})
        assert not missing, f"beat lines missing: {missing[:20]}{' ...' if len(missing) > 20 else ''}; " + progress
        assert not dups, f"beat lines seen more than once: {dups[:20]}"
        assert got == list(range(BEATS)), \
            f"beat lines out of order near {next(i for i, n in enumerate(got) if n != i)}: {got}"
        assert not [l for l in lost if "beat" in l], f"the heartbeat VM lost output: {lost}"

        # The flood cannot hold the heartbeat back: the beats that came while
        # it ran came at most MAX_BEAT_GAP s apart (on the host's clock).
        during = [(a, b) for a, b in zip(beats, beats[1:]) if b[0] >= flood_start and a[0] <= flood_end]
        assert len(during) >= MIN_BEATS_DURING_FLOOD, (
            f"only {len(during)} beats came while the flood ran (+{flood_start - start:.2f} s to "
            f"+{flood_end - start:.2f} s): the two VMs did not overlap enough to tell")
        gap, (a, b) = max((b[0] - a[0], (a, b)) for a, b in during)
        assert gap < MAX_BEAT_GAP, (
            f"beat {b[1]} came {gap:.3f} s after beat {a[1]} while the flood ran "
            f"(at +{a[0] - start:.2f} s and +{b[0] - start:.2f} s; the limit is {MAX_BEAT_GAP} s)")

        # The console answers while the flood runs.
        assert probes, "the flood ended before `vms` could be sent (no prompt seen while it ran)"
        for p in probes:
            assert p.done, (f"`vms` sent at +{p.sent - start:.2f} s during the flood: "
                            f"{'no table header' if p.header is None else 'rows missing: ' + str(sorted({'flood', 'beat'} - set(p.rows)))}"
                            f" by the end of the run; " + progress)
            assert p.latency < MAX_VMS_LATENCY, (
                f"`vms` sent at +{p.sent - start:.2f} s during the flood took {p.latency:.3f} s "
                f"to show its flood and beat rows (limit {MAX_VMS_LATENCY} s)")

        # Flood lines: in order, and any that are missing were reported lost.
        assert flood_seen == sorted(set(flood_seen)), "flood lines duplicated or out of order"
        never = sorted(set(range(FLOOD_LINES)) - set(flood_seen))
        if never:
            flood_lost = [l for l in lost if "flood" in l]
            assert flood_lost, (f"{len(never)} flood lines never appeared (first {never[0]}), "
                                f"and no line reported flood output as lost")
            assert final is not None and final.done, "no `vms` table after the VMs ended"
            header, row = final.header, final.rows["flood"][1]
            drops = drop_count(header, row)
            assert drops is not None, f"`vms` has no drop column after exits: {header!r}"
            assert drops > 0, f"flood lost output ({flood_lost[0]!r}), yet `vms` says: {row!r}"
        for l in lost[:5]:
            print("lost report:", l)
        print(f"flood: {len(flood_seen)} of {FLOOD_LINES} lines shown, {len(lost)} 'lost' reports; "
              f"flood ran {flood_end - flood_start:.2f} s; largest beat gap {gap:.3f} s")
