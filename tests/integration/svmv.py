# SPDX-License-Identifier: BSD-2-Clause
"""Helpers for the integration tests: build an ISO with a given GRUB menu
entry, boot it in QEMU (SeaBIOS or OVMF) or Bochs, and return the serial
console text and the emulator's exit status."""
import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

import pexpect

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
ELF = os.path.join(BUILD, "svmvisor.elf")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"

# QEMU's isa-debug-exit turns the hypervisor's code v into status (v << 1) | 1
# (kernel/panic.h: EXIT_OK 0, EXIT_PANIC 1).
QEMU_EXIT_OK = 1
QEMU_EXIT_PANIC = 3

GRUB_CFG = """serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
set default=0
menuentry "svmvisor test" {{
	multiboot2 /boot/svmvisor.elf {cmdline}
{modules}	boot
}}
"""


@dataclass
class Module:
    name: str       # file name on the ISO, under /boot/
    data: bytes
    cmdline: str = ""


def build_iso(cmdline, modules=()):
    """An ISO whose only menu entry boots svmvisor with cmdline and modules.
    Cached under build/test-iso by content, so repeated runs reuse it."""
    with open(ELF, "rb") as f:
        elf = f.read()
    key = hashlib.sha256(elf + cmdline.encode())
    for m in modules:
        key.update(m.name.encode() + m.data + m.cmdline.encode())
    out = os.path.join(BUILD, "test-iso", key.hexdigest()[:16] + ".iso")
    if os.path.exists(out):
        return out
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with tempfile.TemporaryDirectory(dir=BUILD) as tree:
        os.makedirs(os.path.join(tree, "boot", "grub"))
        shutil.copy(ELF, os.path.join(tree, "boot", "svmvisor.elf"))
        lines = ""
        for m in modules:
            with open(os.path.join(tree, "boot", m.name), "wb") as f:
                f.write(m.data)
            lines += f"\tmodule2 /boot/{m.name} {m.cmdline}\n"
        with open(os.path.join(tree, "boot", "grub", "grub.cfg"), "w") as f:
            f.write(GRUB_CFG.format(cmdline=cmdline, modules=lines))
        tmp = f"{out}.{os.getpid()}.tmp"     # runs in parallel each write their own
        subprocess.run(["grub-mkrescue", "-o", tmp, tree], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.replace(tmp, out)
    return out


@dataclass
class Run:
    status: int     # emulator exit status; None if it had to be killed
    console: str    # serial output, '\r' removed
    timed_out: bool

    def lines(self, needle):
        return [l for l in self.console.splitlines() if needle in l]


def qemu_spawn(iso, firmware="bios", smp=2, mem="512M", cpu="max", timeout=60,
               extra=(), serial=True, postmortem=False):
    """Starts QEMU (TCG) on iso with COM1 on a pexpect child. postmortem:
    a reset of the machine (a triple fault in the hypervisor) pauses QEMU
    instead of ending it, so qemu_session can report every CPU's registers."""
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg",
           "-cpu", cpu, "-smp", str(smp), "-m", mem,
           "-cdrom", iso, "-boot", "d", "-display", "none", "-vga", "none",
           "-monitor", "none", "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    # signal=off: bytes like Ctrl-C are data for the guest, not signals to QEMU.
    cmd += (["-chardev", "stdio,id=com1,signal=off", "-serial", "chardev:com1"]
            if serial else ["-serial", "none"])
    tmp = tempfile.TemporaryDirectory(dir=BUILD)
    if firmware == "uefi":
        vars_fd = os.path.join(tmp.name, "vars.fd")
        shutil.copy(OVMF_VARS, vars_fd)
        cmd += ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
                "-drive", f"if=pflash,format=raw,unit=1,file={vars_fd}"]
    if postmortem:
        cmd += ["-action", "reboot=shutdown,shutdown=pause",
                "-monitor", f"unix:{os.path.join(tmp.name, 'monitor.sock')},server,nowait"]
    cmd += list(extra)
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                          timeout=timeout)
    child.tmpdir = tmp
    return child


def qemu_monitor(child, commands, timeout=5):
    """What QEMU's human monitor answers to commands (a qemu_spawn with
    postmortem=True), or why it could not be asked."""
    import socket
    path = os.path.join(child.tmpdir.name, "monitor.sock")
    out = b""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(timeout)
            s.connect(path)
            for cmd in [None] + list(commands):
                if cmd:
                    s.sendall(cmd.encode() + b"\n")
                while not out.endswith(b"(qemu) "):
                    data = s.recv(65536)
                    if not data:
                        break
                    out += data
                out += b"\n"
    except OSError as e:
        return f"(QEMU's monitor did not answer: {e})"
    return out.decode(errors="replace")


@contextlib.contextmanager
def qemu_session(iso, **kw):
    """qemu_spawn as a context: QEMU is killed and its files removed after.
    With postmortem=True, a test that fails while QEMU sits paused after a
    machine reset (a triple fault in the hypervisor) fails with every CPU's
    registers in its message."""
    child = qemu_spawn(iso, **kw)
    try:
        yield child
    except Exception as e:
        if kw.get("postmortem"):
            state = qemu_monitor(child, ["info status"])
            if "shutdown" in state:
                regs = qemu_monitor(child, ["info registers -a"])
                raise AssertionError(f"{e}\n--- QEMU stopped on a machine reset (a triple fault "
                                     f"in the hypervisor?):\n{state}\n{regs}") from e
        raise
    finally:
        child.close(force=True)
        child.tmpdir.cleanup()


def qemu(iso, timeout=60, **kw):
    """Boots iso in QEMU and waits for it to end (the hypervisor ends it
    through isa-debug-exit when booted with testexit=on)."""
    child = qemu_spawn(iso, timeout=timeout, **kw)
    timed_out = False
    try:
        child.expect(pexpect.EOF)
    except pexpect.TIMEOUT:
        timed_out = True
    out = (child.before or "")
    child.close(force=True)
    child.tmpdir.cleanup()
    return Run(None if timed_out else child.exitstatus, out.replace("\r", ""), timed_out)


BOCHSRC = """display_library: rfb, options="timeout=0"
romimage: file={rom}{rom_addr}
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
cpu: model=ryzen, count={cpus}, ips={ips}, reset_on_triple_fault=0, ignore_bad_msrs=1
memory: guest={mem}, host={mem}
pci: enabled=1, chipset=i440fx
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev={serial}
port_e9_hack: enabled=1
clock: sync=none, time0=utc
log: {log}
panic: action=fatal
sound: driver=dummy
"""


class BochsDidNotStart(RuntimeError):
    """Bochs ended before it opened its serial port: its stderr says why."""

    def __init__(self, stderr):
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-8:]
        super().__init__("Bochs did not start: " + ("\n".join(tail) or "(no stderr)"))


# Bochs's emulated instructions per emulated second (clock sync=none: its
# time runs with the instructions it executes, not with the wall clock).
BOCHS_IPS = 4000000


def _bochs_files(iso, cpus, mem, com1, ips=BOCHS_IPS):
    tmp = tempfile.mkdtemp(dir=BUILD, prefix="bochs-")
    rc = os.path.join(tmp, "bochsrc")
    with open(rc, "w") as f:
        f.write(BOCHSRC.format(rom="/usr/share/bochs/BIOS-bochs-latest", rom_addr="",
                               cpus=cpus, mem=mem, iso=iso, serial=com1, ips=ips,
                               log=os.path.join(tmp, "bochs.log")))
    with open(os.path.join(tmp, "cont.rc"), "w") as f:
        f.write("c\n")
    return tmp, rc


@contextlib.contextmanager
def bochs_session(iso, cpus=1, mem=256, timeout=120, ips=BOCHS_IPS):
    """Boots iso in Bochs with COM1 on a TCP socket (Bochs listens and waits
    for us before it starts) and yields a pexpect child on that socket.
    ips: emulated instructions per emulated second (a guest measuring
    interrupt rates of kHz wants more than the default's 4 MHz TSC)."""
    import socket
    from pexpect import fdpexpect
    with socket.socket() as s:                  # a free port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp, rc = _bochs_files(iso, cpus, mem, f"localhost:{port}", ips)
    with open(rc) as f:
        text = f.read().replace("mode=file, dev=localhost", "mode=socket-server, dev=localhost")
    with open(rc, "w") as f:
        f.write(text)
    errf = open(os.path.join(tmp, "stderr.txt"), "w+b")
    proc = subprocess.Popen(["bochs", "-q", "-f", rc, "-rc", os.path.join(tmp, "cont.rc")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=errf, cwd=tmp)
    sock = None
    try:
        for _ in range(200):
            if proc.poll() is not None:
                errf.seek(0)
                raise BochsDidNotStart(errf.read())
            try:
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        if sock is None:
            errf.seek(0)
            raise BochsDidNotStart(errf.read())
        child = fdpexpect.fdspawn(sock.fileno(), encoding="utf-8", codec_errors="replace",
                                  timeout=timeout)
        child.send = lambda data: sock.sendall(data.encode("latin-1"))
        yield child
    finally:
        if sock:
            sock.close()
        proc.kill()
        proc.wait()
        errf.close()
        shutil.rmtree(tmp, ignore_errors=True)


def bochs(iso, cpus=1, mem=256, timeout=180, rom="/usr/share/bochs/BIOS-bochs-latest",
          ips=BOCHS_IPS):
    """Boots iso in Bochs (model ryzen) and waits for it to end. Bochs always
    exits with status 1: the serial file is what counts."""
    tmp = tempfile.mkdtemp(dir=BUILD, prefix="bochs-")
    serial = os.path.join(tmp, "serial.txt")
    rc = os.path.join(tmp, "bochsrc")
    cont = os.path.join(tmp, "cont.rc")
    with open(rc, "w") as f:
        f.write(BOCHSRC.format(rom=rom, rom_addr="",
                               cpus=cpus, mem=mem, iso=iso, serial=serial, ips=ips,
                               log=os.path.join(tmp, "bochs.log")))
    with open(cont, "w") as f:
        f.write("c\n")
    timed_out = False
    stderr = b""
    try:
        p = subprocess.run(["bochs", "-q", "-f", rc, "-rc", cont], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=timeout, cwd=tmp)
        status, stderr = p.returncode, p.stderr
    except subprocess.TimeoutExpired as e:
        timed_out, status, stderr = True, None, e.stderr or b""
    try:
        if not os.path.exists(serial):
            raise BochsDidNotStart(stderr)
        with open(serial, "rb") as f:
            out = f.read().decode("utf-8", "replace")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Run(status, out.replace("\r", ""), timed_out)


import re as _re  # noqa: E402  (for the helpers below)

_ANSI_CSI = _re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def console_text(line):
    """What a terminal would show of one console line: escape sequences
    (ESC [ ... letter) removed and, after a carriage return, only what was
    written after it (the console erases its prompt with CR, ESC [K before
    a log line)."""
    line = _ANSI_CSI.sub("", line).rstrip("\r")
    return line.rsplit("\r", 1)[-1]


class LineReader:
    """A pexpect child's output as lines, each with the wall-clock time
    (time.monotonic()) of the read that completed it. Reading as fast as the
    output comes keeps the emulator from blocking on a full pty."""

    def __init__(self, child):
        self.child = child
        self.partial = ""
        self.lines = []         # (time, text as console_text shows it)
        self.raw_tail = ""      # the last raw bytes, for prompts without a newline
        self.last = ""          # the raw bytes of the last read
        self.eof = False

    def poll(self, timeout=0.05):
        """Reads what has arrived, waiting at most timeout for the first
        byte; returns the new complete lines as (time, text)."""
        if self.eof:
            return []
        try:
            data = self.child.read_nonblocking(1 << 16, timeout=timeout)
        except pexpect.TIMEOUT:
            return []
        except pexpect.EOF:
            self.eof = True
            return []
        now = time.monotonic()
        self.last = data
        self.raw_tail = (self.raw_tail + data)[-4096:]
        *done, self.partial = (self.partial + data).split("\n")
        new = [(now, console_text(l)) for l in done]
        self.lines += new
        return new


def vm_lines(c, vm):
    """The guest's own lines, and the hypervisor's about it, for messages."""
    return "\n".join(l for l in c.splitlines() if f"[{vm}]" in l or f"vm {vm}:" in l)


def check_cases(run, vm, required, optional=(), other_skips_fail=True):
    """A self-test guest's verdict (docs/guests.md): every required case
    PASSes, every optional one PASSes or SKIPs, no case FAILs (nor, with
    other_skips_fail, SKIPs unless optional), and the VM ends with result 0.
    All problems in one message."""
    c = run.console
    problems = []
    if run.timed_out:
        problems.append("the emulator timed out")
    for case in required:
        if f"[{vm}] PASS {case}\n" not in c:
            problems.append(f"no PASS: {case}")
    for case in optional:
        if f"[{vm}] PASS {case}\n" not in c and f"[{vm}] SKIP {case}: " not in c:
            problems.append(f"neither PASS nor SKIP: {case}")
    problems += [l for l in c.splitlines() if f"[{vm}] FAIL" in l or f"[{vm}]   got" in l]
    if other_skips_fail:
        problems += [l for l in c.splitlines() if f"[{vm}] SKIP" in l
                     and not any(f"[{vm}] SKIP {case}: " in l + "\n" for case in optional)]
    if f"vm {vm}: result 0 (debug exit with code 0)" not in c:
        problems.append(f"vm {vm} did not end with result 0")
    assert not problems, "\n".join(problems) + "\n--- the VM's lines:\n" + vm_lines(c, vm)
