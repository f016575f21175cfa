# SPDX-License-Identifier: BSD-2-Clause
"""Issue 14, console input abuse and oversized configurations.

Console input abuse (docs/monitor.md, "Keys" and "Arguments and errors"):
a 64 KiB line, NUL, 0xFF and other control bytes, escape sequences, a paste
of a thousand commands, kills of a stopped VM and of a VM being stepped.
After each, the console must still answer `vms` correctly and the
hypervisor must not have printed a panic or a host exception.

Oversized configurations (docs/vms.md, "Left to the VM builder"): more VMs
than cores, more RAM than the machine has, two VMs pinned to one core. The
VMs are admitted in the order of their lines; the rest are refused with a
message that names the VM and what was short, and the admitted ones run.
"""
import contextlib
import os
import re
import time

import pexpect
import pytest

from svmv import build_iso, console_text, qemu_session
from test_guests import guest

PROMPT = "svmvisor> "
# What the hypervisor must never print, whatever is typed at it.
HURT = re.compile(r"PANIC|EXCEPTION #|exception in the hypervisor|VMEXIT_INVALID|"
                  r"VMRUN consistency")
VERSION = r"^svmvisor \d+\.\d+\.\d+\S*$"   # the answer to `version` (a git suffix may follow)


class Console:
    """The serial line of a QEMU session: raw bytes out, everything read
    kept, searched from a mark on as a terminal would show it."""

    def __init__(self, child):
        self.child = child
        self.raw = ""
        self.eof = False

    def read(self, timeout=0.05):
        if self.eof:
            time.sleep(timeout)
            return
        try:
            self.raw += self.child.read_nonblocking(1 << 16, timeout=timeout)
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            self.eof = True

    def mark(self):
        return len(self.raw)

    def text(self, since=0):
        """Output from `since` on, one terminal line per line."""
        return "\n".join(console_text(l) for l in self.raw[since:].split("\n"))

    def wait(self, pattern, since=0, timeout=30, count=1):
        """Reads until pattern matched count times after since; the last match."""
        deadline = time.monotonic() + timeout
        while True:
            found = list(re.finditer(pattern, self.text(since), re.M))
            if len(found) >= count:
                return found[count - 1]
            assert not self.eof and time.monotonic() < deadline, \
                f"no {pattern!r} (x{count}, saw {len(found)}) after {timeout} s:\n" + \
                self.text(since)[-3000:]
            self.read(0.2)

    def quiet(self, seconds):
        """Reads for a while (keeps QEMU's output flowing)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.read(0.05)

    def send(self, data, chunk=256):
        """Writes bytes as they are (no UTF-8 coding), in chunks, reading
        in between so neither side blocks on a full pty."""
        if isinstance(data, str):
            data = data.encode("latin-1")
        fd = self.child.child_fd
        os.set_blocking(fd, False)
        try:
            i = 0
            while i < len(data):
                try:
                    i += os.write(fd, data[i:i + chunk])
                except BlockingIOError:
                    pass
                self.read(0.005)
        finally:
            os.set_blocking(fd, True)

    def cmd(self, line, pattern, timeout=30):
        """Runs one line; the match of pattern in what followed."""
        m = self.mark()
        self.send(line + "\r")
        return self.wait(pattern, m, timeout)

    def check_alive(self, running, stopped=()):
        """`vms` answers with every VM in the state expected, and nothing
        hurt the hypervisor so far."""
        m = self.mark()
        self.send("vms\r")
        self.wait(r"^  name\s+state\s+MiB\s+vcpus\s+cpu\s+exits\s+dropped\s+result$", m)
        for vm in running:
            self.wait(rf"^  {vm}\s+running\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+-$", m)
        for vm in stopped:
            self.wait(rf"^  {vm}\s+stopped\s", m)
        self.wait("^" + re.escape(PROMPT) + "$", m)
        self.unhurt()

    def unhurt(self):
        bad = [l for l in self.text().splitlines() if HURT.search(l)]
        assert not bad, "\n".join(bad)


@contextlib.contextmanager
def boot(mods, ready, smp=2, mem="512M", cmdline="", timeout=90):
    """A QEMU session with mods, up to the console's prompt and every
    pattern of ready; yields its Console."""
    with qemu_session(build_iso(cmdline, mods), smp=smp, mem=mem, timeout=timeout) as child:
        con = Console(child)
        con.wait("boot complete", 0, timeout)
        con.wait(re.escape(PROMPT), 0, timeout)
        for pattern in ready:
            con.wait(pattern, 0, timeout)
        yield con


def answers(con, since, pattern):
    return len(re.findall(pattern, con.text(since), re.M))


# --- console input abuse ------------------------------------------------------

def two_vms():
    """spin32 as spin, echo32 as echo, and what they print when ready.
    With QEMU -smp 2 echo shares cpu0 with the console, which then reads
    the UART between two of echo's exits; with -smp 3 echo gets cpu2 and
    the console has cpu0 to itself (it keeps polling while input flows)."""
    return [guest("spin32", "spin"), guest("echo32", "echo")], \
        [r"\[spin\] spin32: spinning", r"\[echo\] echo32: type a line"]


def test_64k_line_is_refused_whole_and_not_kept():
    """128 characters are a line, 129 are not. A 64 KiB line: the first
    128 characters are echoed, the rest are dropped unechoed, and at Enter
    the whole line is refused with `error: line longer than 128
    characters, ignored` (docs/monitor.md, "Arguments and errors"). Its first 128 characters
    are a valid command (`kill spin` and spaces): truncating and running
    them would kill spin. An overlong line is not kept in the history: Up
    after it recalls the line before."""
    with boot(*two_vms(), smp=3) as con:
        # The limit itself: 128 characters run, 129 do not.
        con.cmd("version" + " " * 121, VERSION)
        con.cmd("version" + " " * 122, r"^error: line longer than 128 characters, ignored$")
        con.cmd("version", VERSION)
        head = "kill spin" + " " * 119
        body = "".join(chr(0x21 + i % 94) for i in range(64 * 1024 - len(head)))
        line = head + body
        assert len(line) == 64 * 1024
        m = con.mark()
        t0 = time.monotonic()
        con.send(line + "\r", chunk=4096)
        err = con.wait(r"^error: line longer than 128 characters, ignored$", m, timeout=240)
        took = time.monotonic() - t0
        shown = con.text(m)[:err.start()].rstrip("\n").split("\n")
        # The line as the terminal shows it at Enter: the prompt, then
        # exactly the first 128 characters.
        assert shown[-1] in (head, PROMPT + head), repr(shown[-1][:200])
        assert body[:16] not in con.text(m), "characters past the 128th were echoed"
        assert "killed spin" not in con.text(m)
        # Up: the line before the overlong one.
        con.cmd("\x1b[A", VERSION)
        con.check_alive(running=("spin", "echo"))
        print(f"64 KiB line refused {took:.1f} s after the first byte was sent")


def test_an_overlong_line_erased_before_enter_is_a_new_line():
    """200 characters, then the line erased (Ctrl-U; 200 Backspaces;
    Ctrl-W) and `version` typed: the terminal shows `svmvisor> version`,
    and Enter runs it (once the console answered `error: line longer than
    128 characters, ignored` for what it showed as 7 characters)."""
    with boot(*two_vms(), smp=3) as con:
        for erase in ("\x15", "\x7f" * 200, "\x17\x17"):
            m = con.mark()
            con.send("x" * 200 + erase + "version\r")
            con.wait(r"^svmvisor \d+\.\d+\.\d+", m, timeout=60)     # the answer to version
            assert "error: line longer" not in con.text(m), con.text(m)[-400:]


# Bytes the line editor acts on (docs/monitor.md, "Keys"): Ctrl-B, Ctrl-E,
# Ctrl-F, Backspace, LF, CR, Ctrl-U, Ctrl-W, ESC, Ctrl-] and DEL. Every
# other byte below 0x20 or from 0x7f up (NUL, Ctrl-C, Ctrl-D, XON/XOFF,
# Ctrl-Z, 0x80-0xff) is to be ignored, without echo.
EDIT_KEYS = {0x02, 0x05, 0x06, 0x08, 0x0a, 0x0d, 0x15, 0x17, 0x1b, 0x1d, 0x7f}
IGNORED = bytes(c for c in range(256) if (c < 0x20 or c >= 0x7f) and c not in EDIT_KEYS)


def echoed(raw, cmd):
    """The console's echo of cmd in its output from a mark on: the first
    line holding cmd, without the prompt (or the part of one) before it.
    The end of the previous answer may come first."""
    for line in raw.replace("\r", "").split("\n"):
        if cmd in line:
            return re.sub(r"^(\x1b\[K)*((s?v?m?v?i?s?o?r?> )|(\x1b\[K))*", "", line)
    return None


def test_nul_ff_and_control_bytes_are_ignored_inside_and_between_commands():
    assert len(IGNORED) == 22 + 128 and IGNORED[0] == 0 and IGNORED[-1] == 0xff
    with boot(*two_vms(), smp=3) as con:
        # Between commands: 8 KiB of NUL and 0xFF, then every ignored byte
        # 16 times: no echo, no line; the next command's echo comes first.
        m = con.mark()
        con.send(b"\x00" * 4096 + b"\xff" * 4096 + IGNORED * 16 + b"vms\r")
        con.wait(r"^  echo\s+running", m, timeout=120)
        assert echoed(con.raw[m:], "vms") == "vms", repr(con.raw[m:m + 200])
        # Inside commands: every ignored byte between every two characters.
        for line, answer in (("version", VERSION),
                             ("irqs spin", r"^  device lines \(rising edges\):"),
                             ("help kill", r"^  kill     <vm>\s+stop the VM for good$"),
                             ("x/p spin 1M 4", r"^  0000000000100000: a3 14 03 10 +\.\.\.\.$")):
            m = con.mark()
            con.send(b"".join(bytes([c]) + IGNORED for c in line.encode()) + b"\r")
            con.wait(answer, m, timeout=60)
            assert echoed(con.raw[m:], line) == line, \
                repr(con.raw[m:m + 200])
        # A line of nothing but ignored bytes is an empty line: no answer.
        m = con.mark()
        con.send(IGNORED + b"\r" + IGNORED + b"\r\n" + b"version\r")
        con.wait(VERSION, m)
        assert "error" not in con.text(m), con.text(m)
        # Ctrl-C and Ctrl-D alone, as a frightened user types them: nothing.
        m = con.mark()
        con.send(b"\x03\x03\x04\x1a\x1c" + b"version\r")
        con.wait(VERSION, m)
        con.check_alive(running=("spin", "echo"))


def test_ctrl_bracket_in_a_paste_gives_the_keyboard_away_and_back():
    """Ctrl-] inside pasted bytes does what it does when typed (docs/monitor.md,
    "Console switching"): the bytes after it go to the next running VM's
    COM1. spin never reads its COM1: 64 bytes wait in its receive ring (one
    more in its receiver, as seen), each further byte is dropped with a
    line `[vm spin is not reading its COM1: byte dropped]` (one line per
    byte: 1,000 bytes give some 935 lines). The next Ctrl-] goes to echo,
    which answers a line; the next back to the console, which answers."""
    with boot(*two_vms(), smp=3) as con:
        m = con.mark()
        con.send(b"\x1d" + b"x" * 1000 + b"\x1d" + b"hello from a paste\r" + b"\x1d" + b"version\r")
        con.wait(r"^\[input to vm spin; Ctrl-\] for the next\]$", m)
        con.wait(r"^\[input to vm echo; Ctrl-\] for the next\]$", m, timeout=120)
        con.wait(r"^\[echo\] got: hello from a paste$", m)
        con.wait(r"^\[input to the console\]$", m)
        con.wait(VERSION, m)
        dropped = con.raw[m:].count("[vm spin is not reading its COM1: byte dropped]")
        print(f"\n1000 bytes to spin's COM1: {dropped} dropped, each with a line")
        assert 1000 - 64 - 16 <= dropped <= 1000 - 64, dropped
        assert answers(con, m, r"^\[echo\] got:") == 1, con.text(m)[-2000:]
        con.check_alive(running=("spin", "echo"))


def test_escape_sequences_edit_or_vanish_and_never_wedge_the_console():
    """Cursor keys edit the line in both forms (ESC [ x, ESC O x), the
    VT220 keys (ESC [ n ~) too; other sequences (ESC [ 2 J, SGR, function
    keys, modifiers, private modes) vanish without a trace in the line.
    An escape sequence that never ends is given up after 16 bytes
    (ESC_MAX in kernel/console/mon_line.c), and a lone ESC takes the next
    byte with it (ESC x is a two-byte sequence); after either, the console
    runs the next line as typed."""
    with boot(*two_vms(), smp=3) as con:
        edits = [
            "vrsion" + "\x1b[D" * 5 + "e",                  # Left x5, insert
            "ersion\x1b[Hv\x1b[F",                          # Home, End
            "rsion\x1bOHve\x1bOF",                          # Home, End: ESC O form
            "versoin\x1bOD\x1bOD\x7f\x1b[Co",               # Left x2, DEL, Right, insert
            "versionxx\x1b[D\x1b[D\x1b[3~\x1b[3~",         # Delete under the cursor x2
            "versi\x1b[1~\x1b[4~on",                        # Home and End, VT220 form
            "ver\x02\x02\x06\x06\x05sion",                  # Ctrl-B, Ctrl-F, Ctrl-E
            "ve\x1b[2J\x1b[H\x1b[Frsion",                   # clear screen: ignored
            "ve\x1b[0m\x1b[1;31m\x1b[38;5;196mrsion",        # colours: ignored
            "ve\x1b[1;5C\x1b[1;2D\x1b[3;5~rsion",            # keys with modifiers: ignored
            "ve\x1bOP\x1b[15~\x1b[24~rsion",                # F1, F5, F12: ignored
            "ve\x1b[?25l\x1b[?1049h\x1b[>0crsion",           # private modes, DA2: ignored
            "ve\x1b[1000~rsion",                            # an unknown VT220 key
        ]
        for keys in edits:
            m = con.mark()
            con.send(keys + "\r")
            con.wait(VERSION, m)
            assert "error" not in con.text(m), (keys, con.text(m))
        # History: Up twice, Down once, from the start of a new line.
        con.cmd("vms", r"^  spin\s+running")
        con.cmd("help pit", r"^  pit      <vm>")
        m = con.mark()
        con.send("\x1b[A\x1b[A\x1bOA\x1b[B\r")       # help pit, vms, version; down: vms
        con.wait(r"^  echo\s+running", m)
        assert "pit      <vm>" not in con.text(m) and not answers(con, m, VERSION)
        # A sequence that never ends: 40 parameter bytes. The first 16 are
        # the sequence's, the 17th ends it, the other 23 are typed text.
        m = con.mark()
        con.send("\x1b[" + "1" * 40 + "\r")
        con.wait(r'^error: unknown command "1{23}"; try help$', m)
        # Its Enter inside the 16 bytes is part of the sequence: the line
        # runs only at the Enter after them.
        m = con.mark()
        con.send("version\x1b[" + "\r" * 16)
        con.quiet(2)
        assert answers(con, m, VERSION) == 0, con.text(m)
        con.send("\r\r")                              # the 17th ends it, the 18th runs
        con.wait(VERSION, m)
        # ESC alone: it takes the next byte, printable or Enter.
        con.cmd("\x1bvms", r'^error: unknown command "ms"; try help$')
        m = con.mark()
        con.send("version\x1b\r")
        con.quiet(2)
        assert answers(con, m, VERSION) == 0, con.text(m)
        con.send("\r")
        con.wait(VERSION, m)
        # ESC ESC: the second is the first's byte, so the line is intact.
        con.cmd("\x1b\x1bversion", VERSION)
        # Incomplete sequences at the end of a paste, then Ctrl-U and a command.
        for tail in ("\x1b", "\x1b[", "\x1b[1;", "\x1bO", "\x1b[?"):
            m = con.mark()
            con.send("frob" + tail)
            con.quiet(0.5)
            con.send("A\x15version\r")                # A ends each of them
            con.wait(VERSION, m)
            assert "error" not in con.text(m), (tail, con.text(m))
        con.check_alive(running=("spin", "echo"))


# One pasted command and the line that shows it was answered.
PASTE = [("vms", r"^  name\s+state\s+MiB\s+vcpus"),
         ("help", r"^  Keys: Ctrl-\] gives the next running VM's COM1 the keyboard"),
         ("irqs spin", r"^  vector\s+vcpu0\s+sources$"),
         ("version", VERSION),
         ("frob", r'^error: unknown command "frob"; try help$')]


def test_a_thousand_pasted_commands_are_answered_in_order():
    """1,000 lines in one write, 200 of each of five commands in turn,
    on the console that shares cpu0 with echo's vCPU (QEMU -smp 2), where
    it reads the UART between two of echo's exits. Real hardware would
    drop what overflows the UART's 16-byte FIFO; QEMU's UART holds the
    sender back instead, so here every line should arrive. The test counts
    the answers and wants at least 90 % of them, in order, and no garbled
    line: an unknown command other than the pasted `frob`, or a line too
    long (two lines run together) would show bytes lost or mixed."""
    with boot(*two_vms()) as con:
        lines = [PASTE[i % len(PASTE)][0] for i in range(1000)]
        m = con.mark()
        t0 = time.monotonic()
        con.send("".join(l + "\r" for l in lines) + "help reboot\r", chunk=4096)
        sent = time.monotonic() - t0
        con.wait(r"^  reboot\s+reset the machine$", m, timeout=400, count=201)
        took = time.monotonic() - t0
        text = con.text(m)
        kinds = [i for l in text.splitlines() for i, (_, p) in enumerate(PASTE) if re.match(p, l)]
        counts = {cmd: kinds.count(i) for i, (cmd, _) in enumerate(PASTE)}
        garbled = [l for l in text.splitlines()
                   if (l.startswith("error:") and l != 'error: unknown command "frob"; try help')
                   or re.match(r"^\w+: (unexpected|missing|no VM named)", l)]
        print(f"\n1000 pasted lines ({len(''.join(lines)) + 1000} bytes): written in {sent:.1f} s, "
              f"the last answered after {took:.1f} s ({len(text)} characters of answers); "
              f"answered {len(kinds)} ({len(kinds) / 10:.1f} %): {counts}; garbled: {len(garbled)}")
        assert not garbled, garbled[:10]
        assert len(kinds) >= 900, counts
        if len(kinds) == 1000:      # all there: in the order pasted
            assert kinds == [i % len(PASTE) for i in range(1000)], kinds[:40]
        con.check_alive(running=("spin", "echo"))


# guests/step32.asm: step_loop's instructions, address -> address after it
# (as test_console.STEP32; MOV SS at 0x10020e takes the NOP in its shadow along).
STEP32 = {0x100200: 0x100201, 0x100201: 0x100202, 0x100202: 0x100203, 0x100203: 0x100204,
          0x100204: 0x10020a, 0x10020a: 0x10020b, 0x10020b: 0x10020c, 0x10020c: 0x10020e,
          0x10020e: 0x100211, 0x100210: 0x100211, 0x100211: 0x100200}
KILLED = "killed from the console"


def step(con, vm):
    """One `step`; (RIP before, RIP after, how) from the vCPU's log line."""
    s = con.cmd(f"step {vm}",
                rf"vm {vm}: vcpu0: step: RIP (0x[0-9a-f]+) -> (0x[0-9a-f]+) \(([^)]*)\)")
    return int(s.group(1), 16), int(s.group(2), 16), s.group(3)


def rdx(con, vm):
    """vcpu0's RDX (step32 and spin32 count in it)."""
    return int(con.cmd(f"regs {vm}", r"^  RDX ([0-9a-f]{16}) RSI").group(1), 16)


def test_kill_twice_and_kill_while_stepping():
    """`kill` on a VM being single-stepped, on another core (f, cpu1) and
    on the console's own core (n, cpus=0), each line followed at once by a
    second `kill` in the same write: the first answers `killed <vm>`, the
    VM stops once, the second answers `kill <vm>: already stopped`, and
    the VM commands that need a running VM say `not running`. The other
    VM keeps running meanwhile. A `reset` then runs each killed VM again
    freely: the trap flag of the step it was killed in is gone."""
    mods = [guest("step32", "f"), guest("step32", "n", "cpus=0")]
    with boot(mods, [r"\[f\] step32: ready", r"\[n\] step32: ready"]) as con:
        for vm, other in (("f", "n"), ("n", "f")):
            con.cmd(f"pause {vm}", rf"^paused {vm}$")
            for _ in range(3):
                before, after, how = step(con, vm)
                assert how == "trap flag" and STEP32[before] == after, (hex(before), hex(after), how)
            m = con.mark()
            con.send(f"step {vm}\rkill {vm}\rkill {vm}\r")
            con.wait(rf"^killed {vm}$", m)
            con.wait(rf"vm {vm}: stopped: {KILLED} "
                     rf"\(vcpu0 on cpu\d, exit 0x[0-9a-f]+, RIP 0x1002[01][0-9a-f]\)", m)
            second = con.wait(rf"^(kill {vm}: already stopped|killed {vm})$", m, count=2).group(1)
            print(f"\n{vm}: the second kill of the same write answered {second!r}")
            con.cmd(f"kill {vm}", rf"^kill {vm}: already stopped$")
            for cmd in ("step", "pause", "resume", "nmi"):
                con.cmd(f"{cmd} {vm}", rf"^{cmd} {vm}: not running$")
            assert answers(con, m, rf"vm {vm}: stopped:") == 1, con.text(m)
            con.check_alive(running=(other,), stopped=(vm,))
            con.cmd("vms", rf"^  {vm}\s+stopped\s+16\s+1\s+\d\s+\d+\s+0\s+-1: {KILLED}$")
            # The other VM runs: its loop counter moves.
            first = rdx(con, other)
            con.quiet(0.5)
            assert rdx(con, other) != first, f"{other} stopped running"
            # Reset: it runs again, freely, without the step's trap flag.
            m = con.mark()
            con.cmd(f"reset {vm}", rf"^reset {vm}$")
            con.wait(rf"vm {vm}: reset from the console "
                     rf"\(RAM zeroed, image reloaded, entry 0x100000\)", m)
            con.wait(rf"^\[{vm}\] step32: ready$", m)
            first = rdx(con, vm)
            con.quiet(0.5)
            assert rdx(con, vm) - first > 100, f"{vm} does not run freely after its reset"
            assert not int(con.cmd(f"regs {vm}", r"RFLAGS ([0-9a-f]{16})").group(1), 16) & 0x100
        con.check_alive(running=("f", "n"))


def test_kill_inside_a_rep_outsb_of_2_32_elements():
    """A guest inside REP OUTSB with ECX 0xffffffff (strio32): the
    hypervisor runs it in bounded batches, so between two looks ECX has
    fallen while RIP stays on the instruction; the console answers; `kill`
    stops the VM at once, and the other VM runs on (docs/cpu.md, "String
    I/O (INS, OUTS)")."""
    mods = [guest("strio32", "s"), guest("spin32", "f")]
    with boot(mods, [r"\[s\] strio32: in REP OUTSB", r"\[f\] spin32: spinning"]) as con:
        def ecx_rip():
            r = con.cmd("regs s", r"^  RIP ([0-9a-f]{16}) RFLAGS.*\n.* RCX ([0-9a-f]{16})$")
            return int(r.group(2), 16), int(r.group(1), 16)
        ecx0, rip0 = ecx_rip()
        con.quiet(0.5)
        ecx1, rip1 = ecx_rip()
        assert rip1 == rip0, (hex(rip0), hex(rip1))
        assert ecx1 < ecx0 < 0xffffffff, (hex(ecx0), hex(ecx1))
        print(f"\nstrio32: {ecx0 - ecx1} REP OUTSB elements between two looks 0.5 s apart")
        m = con.mark()
        con.cmd("kill s", r"^killed s$")
        con.wait(rf"vm s: stopped: {KILLED} \(vcpu0 on cpu\d, exit 0x[0-9a-f]+, RIP 0x{rip0:x}\)", m)
        con.check_alive(running=("f",), stopped=("s",))
        first = rdx(con, "f")
        con.quiet(0.5)
        assert rdx(con, "f") != first, "f stopped running"


# --- oversized configurations -------------------------------------------------

NO_CORE = "no free core with SVM for vcpu{}"


def spin(vm, extra="", mem="16M"):
    """spin32 as VM vm, with mem= of its own."""
    m = guest("spin32", vm, extra)
    m.cmdline = m.cmdline.replace("mem=16M", f"mem={mem}")
    return m


def vms_table(con):
    """`vms` as {name: (state, MiB, vcpus, cpu, result)}."""
    m = con.mark()
    con.send("vms\r")
    con.wait(r"^  name\s+state", m)
    con.wait("^" + re.escape(PROMPT) + "$", m)
    rows = re.findall(r"^  (\w+)\s+(\w+)\s+(\d+)\s+(\d+)\s+(-?\d+)\s+\d+\s+\d+  (.*)$",
                      con.text(m), re.M)
    return {r[0]: (r[1], int(r[2]), int(r[3]), int(r[4]), r[5]) for r in rows}


def mem_table(con):
    """`mem` as (free MiB, {name: (RAM MiB, host address of its first extent, or 0)})."""
    m = con.mark()
    con.send("mem\r")
    free = con.wait(r"^  host: (\d+) free frames \((\d+) MiB\); whole free blocks", m)
    con.wait("^" + re.escape(PROMPT) + "$", m)
    rows = re.findall(r"^  vm (\w+)\s+RAM\s+(\d+) MiB in \d+ extents?;.*\n"
                      r"(?:    GPA 0x0+-0x[0-9a-f]+ -> HPA (0x[0-9a-f]+))?", con.text(m), re.M)
    return int(free.group(2)), {r[0]: (int(r[1]), int(r[2] or "0", 16)) for r in rows}


def test_more_vms_than_cores_and_shared_cores_are_admitted_in_order():
    """Six VMs of one vCPU (but c: two) on QEMU -smp 2, in this order:
    a (any core) gets cpu1; b (cpus=1) finds it taken; c (cpus=0,1) gets
    cpu0 for vcpu0 but not cpu1 for vcpu1, so it stops and gives cpu0
    back; d (any core) takes that cpu0; e (any core) and f (cpus=0) find
    none. Each refused VM says so in one line naming it and the vCPU short
    of a core, gives back the memory it took, and is never run; a and d
    run. test_guests covers a cpus= list over the 8-vCPU limit,
    test_failalloc a core QEMU does not have."""
    mods = [spin("a"), spin("b", "cpus=1"), spin("c", "cpus=0,1"), spin("d"), spin("e"),
            spin("f", "cpus=0")]
    with boot(mods, [r"\[a\] spin32: spinning", r"\[d\] spin32: spinning"], smp=2) as con:
        refused = {"b": 0, "c": 1, "e": 0, "f": 0}
        for vm, vcpu in refused.items():
            con.wait(rf"cpu0 I: vm {vm}: stopped: {NO_CORE.format(vcpu)}$")
            freed = int(con.wait(rf"vm {vm}: the (\d+) frames it took are free again$").group(1))
            assert freed >= 16 * 256 + 5, (vm, freed)   # its RAM, I/O and MSR maps at least
        con.wait(r"vm a: 16 MiB RAM \([^)]*\) at host 0x[0-9a-f]+, .* vcpu0 on cpu1$")
        con.wait(r"vm d: 16 MiB RAM \([^)]*\) at host 0x[0-9a-f]+, .* vcpu0 on cpu0$")
        boot_log = con.text()
        for vm in refused:
            assert not re.search(rf"vm {vm}: \d+ MiB RAM \(", boot_log), vm
            assert f"[{vm}]" not in boot_log, f"{vm} ran"
        # In order: each refusal comes after the VMs before it were placed.
        order = [re.search(rf"vm {vm}: (stopped|16 MiB RAM)", boot_log).start() for vm in "abcdef"]
        assert order == sorted(order), order
        table = vms_table(con)
        assert table["a"] == ("running", 16, 1, 1, "-"), table
        assert table["d"] == ("running", 16, 1, 0, "-"), table
        for vm, vcpu in refused.items():
            assert table[vm] == ("stopped", 0, 0, -1, f"-1: {NO_CORE.format(vcpu)}"), (vm, table)
        free, ram = mem_table(con)
        assert ram["a"][0] == ram["d"][0] == 16 and ram["a"][1] != ram["d"][1], ram
        assert all(ram[vm] == (0, 0) for vm in refused), ram
        for vm, vcpu in refused.items():
            con.cmd(f"regs {vm}", rf"^regs: {vm} never started: {NO_CORE.format(vcpu)}$")
            # docs/monitor.md's `reset` section names `it never started (see its
            # boot message)`; the general rule above it answers first.
            con.cmd(f"reset {vm}", rf"^reset: {vm} never started: {NO_CORE.format(vcpu)}$")
        con.cmd("cpus", r"^\s+0\s+0\s+guest\s+on\s+d/vcpu0\s")
        con.cmd("cpus", r"^\s+1\s+1\s+guest\s+on\s+a/vcpu0\s")
        con.check_alive(running=("a", "d"), stopped=tuple(refused))


def test_more_memory_than_the_machine_has_is_refused_per_vm():
    """QEMU -m 256M, three VMs asking 200 MiB each and a fourth of 16 MiB:
    the first gets its 200 MiB, the next two are refused (`not enough free
    host memory for its RAM`) without taking anything, and the fourth,
    which fits in what is left, still gets in. The RAM given out plus the
    free memory stays within the machine."""
    mods = [spin("a", mem="200M"), spin("b", mem="200M"), spin("c", mem="200M"), spin("d")]
    with boot(mods, [r"\[a\] spin32: spinning", r"\[d\] spin32: spinning"], smp=2,
              mem="256M") as con:
        managed = int(con.wait(r"memory: (\d+) MiB managed, (\d+) MiB free").group(1))
        assert managed <= 256
        for vm in "bc":
            con.wait(rf"cpu0 I: vm {vm}: stopped: not enough free host memory for its RAM$")
        con.wait(r"vm a: 200 MiB RAM \([^)]*\) at host 0x[0-9a-f]+, .* vcpu0 on cpu1$")
        con.wait(r"vm d: 16 MiB RAM \([^)]*\) at host 0x[0-9a-f]+, .* vcpu0 on cpu0$")
        boot_log = con.text()
        for vm in "bc":
            assert f"[{vm}]" not in boot_log and not re.search(rf"vm {vm}: \d+ MiB RAM", boot_log)
        table = vms_table(con)
        assert table["a"] == ("running", 200, 1, 1, "-"), table
        assert table["d"] == ("running", 16, 1, 0, "-"), table
        for vm in "bc":
            assert table[vm] == ("stopped", 0, 0, -1,
                                 "-1: not enough free host memory for its RAM"), (vm, table)
        free, ram = mem_table(con)
        assert ram["a"][0] == 200 and ram["d"][0] == 16 and ram["b"] == ram["c"] == (0, 0), ram
        assert free + 200 + 16 <= managed, (free, managed)
        print(f"\n-m 256M: {managed} MiB managed, {free} MiB free with a (200) and d (16) in")
        con.check_alive(running=("a", "d"), stopped=("b", "c"))


def test_thirty_three_vms_on_two_cores_fill_the_vm_table():
    """33 VMs of 2 MiB on QEMU -smp 2: the first two run (cpu1, then the
    boot CPU), the next 30 are refused for want of a core and keep their
    record (so `vms` can say why), and the 33rd finds the table of 32 VMs
    full. docs/vms.md gives that message as `vm NAME: no room for another
    VM: not started`; kernel/vm/vms.c adds `(at most 32)`."""
    mods = [spin(f"v{i:02d}", mem="2M") for i in range(33)]
    with boot(mods, [r"\[v00\] spin32: spinning", r"\[v01\] spin32: spinning"], smp=2) as con:
        con.wait(r"cpu0 E: vm v32: no room for another VM \(at most 32\): not started$")
        log = con.text()
        for i in range(2, 32):
            assert re.search(rf"cpu0 I: vm v{i:02d}: stopped: {NO_CORE.format(0)}$", log, re.M), i
        table = vms_table(con)
        assert sorted(table) == [f"v{i:02d}" for i in range(32)], sorted(table)
        assert table["v00"] == ("running", 2, 1, 1, "-"), table
        assert table["v01"] == ("running", 2, 1, 0, "-"), table
        assert all(table[f"v{i:02d}"] == ("stopped", 0, 0, -1, f"-1: {NO_CORE.format(0)}")
                   for i in range(2, 32)), table
        free, ram = mem_table(con)
        assert sum(r[0] for r in ram.values()) == 4 and len(ram) == 32, ram
        con.cmd("regs v32", r'^regs: no VM named "v32" \(see vms\)$')
        con.check_alive(running=("v00", "v01"))
