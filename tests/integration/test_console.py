"""The serial console stays live after boot, with or without SVM."""
import re
import time

import pexpect

from svmv import build_iso, qemu_session

PROMPT = "svmvisor> "


def command(child, line, expect):
    child.send(line + "\r")
    child.expect_exact(expect)
    child.expect_exact(PROMPT)


def test_live_console_without_svm():
    with qemu_session(build_iso(""), smp=2, cpu="qemu64,-svm", timeout=30) as child:
        child.expect_exact("svm: no core can run guests; the serial console stays up for diagnostics")
        child.expect_exact(PROMPT)
        command(child, "help", "cpus")
        command(child, "version", "svmvisor 0.1.0")
        command(child, "\x1b[A", "svmvisor 0.1.0")      # up arrow: version again
        command(child, "cpus", "    1     1  idle     off")
        command(child, "features", "svm: not advertised by this CPU")
        command(child, "log 3", "boot complete")
        command(child, "frob", 'error: unknown command "frob"; try help')
        # 64 KiB of garbage: overlong lines, control bytes, escape sequences.
        junk = (bytes(range(0, 256)) * 256).replace(b"\r", b"").replace(b"\n", b"")
        for i in range(0, len(junk), 512):
            child.send(junk[i:i + 512].decode("latin-1"))
            try:    # keep reading, so neither side blocks on a full pty
                child.read_nonblocking(65536, timeout=0.01)
            except pexpect.TIMEOUT:
                pass
        child.send("\x15\r")        # Ctrl-U: drop whatever the junk left
        child.expect_exact(PROMPT)
        command(child, "mem", "free:")
        command(child, "x" * 300, "error: line longer than 128 characters, ignored")
        child.send("reboot\r")
        child.expect_exact("rebooting")
        child.expect(pexpect.EOF)   # -no-reboot: QEMU exits on the reset


def test_console_with_svm_lists_cores():
    with qemu_session(build_iso(""), smp=4, timeout=30) as child:
        child.expect_exact(PROMPT)
        child.send("cpus\r")
        for cpu in range(4):
            child.expect(rf"\s+{cpu}\s+{cpu}\s+idle\s+on\s+-\s+0\s+0x[0-9a-f]+")
        child.expect_exact(PROMPT)


def test_console_shares_the_boot_cpu_with_a_guest():
    """Guests on every core, the boot CPU's included: its timer forces the
    exits that give the console its turns, and commands on the vCPU that
    shares the console's core act between its exits."""
    from test_guests import guest
    with qemu_session(build_iso("", [guest("spin32", "spin1"), guest("spin32", "spin0")]),
                      smp=2, timeout=30) as child:
        child.expect_exact("vcpu0 on cpu1")
        child.expect_exact("vcpu0 on cpu0")
        child.expect_exact("[spin0] spin32: spinning")
        child.send("\r")
        child.expect_exact(PROMPT)
        child.send("cpus\r")
        child.expect(r"0\s+0\s+guest\s+on\s+spin0/vcpu0\s+(\d+)\s+0x[0-9a-f]+  \(console\)")
        child.expect(r"1\s+1\s+guest\s+on\s+spin1/vcpu0\s+\d+\s+0x[0-9a-f]+")
        child.expect_exact(PROMPT)
        for _ in range(6):                      # rates cover a whole second
            time.sleep(1)
            child.send("cpus\r")
            child.expect(r"0\s+0\s+guest\s+on\s+spin0/vcpu0\s+(\d+)\s")
            rate = int(child.match.group(1))
            child.expect_exact(PROMPT)
            if rate:
                break
        assert rate > 100, "the console's timer forces ~1000 exits/s"
        for _ in range(2):                      # the shared core's guest runs between looks
            child.send("regs spin0\r")
            child.expect(r"RIP ([0-9a-f]{16})")
            child.expect(r"RDX ([0-9a-f]{16})")
            child.expect_exact(PROMPT)
        command(child, "pause spin0", "paused spin0")
        command(child, "vms", "spin0           paused")
        child.send("regs spin0\r")
        child.expect(r"RDX ([0-9a-f]{16})")
        rdx = child.match.group(1)
        child.expect_exact(PROMPT)
        time.sleep(0.3)
        command(child, "regs spin0", f"RDX {rdx}")   # paused: it did not run
        command(child, "vms", "spin0           paused")
        command(child, "resume spin0", "resumed spin0")
        command(child, "vms", "spin0           running")
        command(child, "kill spin0", "killed spin0")
        command(child, "vms", "-1: killed from the console")
        command(child, "cpus", "0  idle")
        command(child, "kill spin1", "killed spin1")


def test_monitor_dedicated_keeps_the_boot_cpu():
    from test_guests import guest
    with qemu_session(build_iso("monitor=dedicated", [guest("spin32", "spin1"),
                                                      guest("spin32", "spin0")]),
                      smp=2, timeout=30) as child:
        child.expect_exact("vm spin0: stopped: no free core with SVM for vcpu0")
        child.send("\r")
        command(child, "vms", "spin1           running")
        command(child, "cpus", "0  idle     on   -")


def test_console_controls_vms():
    from test_guests import guest
    with qemu_session(build_iso("", [guest("spin32", "spin"), guest("cpuid32", "cpuid")]),
                       smp=3, timeout=30) as child:
        child.expect(r"vm spin: 16 MiB RAM at host (0x[0-9a-f]+),")
        ram = int(child.match.group(1), 16)
        child.expect_exact("[spin] spin32: spinning")
        child.expect_exact("vm cpuid: stopped: debug exit with code 0")
        child.send("\r")
        child.expect_exact(PROMPT)
        command(child, "vms", "spin            running")
        # regs pauses the spinning vCPU briefly: its known registers, RIP in the loop.
        child.send("regs spin\r")
        child.expect(r"RIP ([0-9a-f]{16})")
        rip = int(child.match.group(1), 16)
        child.expect(r"RAX 000000005a5a5a5a RBX 0000000011112222 RCX 0000000033334444\s+"
                     r"RDX ([0-9a-f]{16})")
        rdx1 = int(child.match.group(1), 16)
        child.expect_exact(PROMPT)
        child.send("regs spin\r")
        child.expect(r"RIP ([0-9a-f]{16})")
        assert int(child.match.group(1), 16) == rip      # still in its loop
        child.expect(r"RDX ([0-9a-f]{16})")
        assert int(child.match.group(1), 16) != rdx1     # and it ran in between
        child.expect_exact(PROMPT)
        command(child, "vcpus spin", "running")
        # Guest memory: the image's first bytes at 1 MiB, by GVA and by GPA.
        import os
        from svmv import BUILD
        with open(os.path.join(BUILD, "guests", "spin32.bin"), "rb") as f:
            head = " ".join(f"{b:02x}" for b in f.read(16))
        command(child, "x spin 0x100000 16", f"0000000000100000: {head}")
        command(child, "x/p spin 1M 16", f"0000000000100000: {head}")
        command(child, "x/p spin 0x7ff00000", "outside the VM's 16 MiB of RAM")
        command(child, "x spin zz", 'x: bad number "zz"')
        child.send("xlate spin 0x100123\r")
        child.expect_exact("guest paging off: GVA 0x100123 = GPA 0x100123")
        child.expect(r"host physical (0x[0-9a-f]+) \(page")
        hpa = int(child.match.group(1), 16)
        child.expect_exact(PROMPT)
        assert hpa == ram + 0x100123
        child.send("vmcb spin\r")
        child.expect(r"intercept exceptions 00060102, misc [0-9a-f]{8} [0-9a-f]{8}")
        child.expect(r"NP_ENABLE 0x1 N_CR3 0x[0-9a-f]+")
        child.expect(r"CPL 0 EFER 0x1000 CR0 0x11")
        child.expect_exact(PROMPT)
        command(child, "pause spin", "paused spin")
        command(child, "vms", "spin            paused")
        command(child, "exits spin", "0x0060")            # the kicks were INTR exits
        child.send("trace spin 4\r")
        child.expect(r"#\s+tsc\s+exit\s+exitinfo1")
        child.expect(r"\d+\s+[0-9a-f]+\s+0x60 ")          # an INTR exit in the recorder
        child.expect_exact(PROMPT)
        command(child, "trace spin x", 'trace: bad count "x"')
        command(child, "resume spin", "resumed spin")
        command(child, "vms", "spin            running")
        command(child, "kill spin", "killed spin")
        command(child, "vms", "-1: killed from the console")
        command(child, "kill spin", "kill spin: already stopped")
        command(child, "regs nosuch", 'regs: no VM named "nosuch"')
        command(child, "pause", "pause: which VM? (see vms)")


def test_console_focus_routes_input_to_the_right_guest():
    from test_guests import guest
    with qemu_session(build_iso("", [guest("echo32", "echo1"), guest("echo32", "echo2")]),
                       smp=3, timeout=30) as child:
        child.expect_exact(PROMPT)   # the guests may still be starting: input waits in their rings
        child.send("\x1d")                       # Ctrl-]: focus to the first VM
        child.expect_exact("[input to vm echo1; Ctrl-] for the next]")
        child.send("hello one\r")
        child.expect_exact("[echo1] got: hello one")
        child.send("\x1d")
        child.expect_exact("[input to vm echo2; Ctrl-] for the next]")
        child.send("hello two\r")
        child.expect_exact("[echo2] got: hello two")
        child.send("quit\r")
        child.expect_exact("vm echo2: stopped: debug exit with code 0")
        child.send("\x1d")                       # past the last VM: the console again
        child.expect_exact("[input to the console]")
        command(child, "vms", "echo1           running")
        child.send("\x1d")                       # echo2 stopped: straight to echo1
        child.expect_exact("[input to vm echo1; Ctrl-] for the next]")
        child.send("quit\r")
        child.expect_exact("[echo1] got: quit")
        child.expect_exact("vm echo1: stopped: debug exit with code 0")
        assert "[echo1] got: hello two" not in child.before


def test_guest_output_never_garbles_the_prompt():
    """Log lines arriving while a command is half typed go above the prompt,
    which is then redrawn with the partial line."""
    from test_guests import guest
    with qemu_session(build_iso("", [guest("ticker32", "ticker")]), smp=2, timeout=30) as child:
        child.expect_exact(PROMPT)
        child.send("ver")                        # half a command
        # Erase the line, the log line, then the prompt and "ver" again.
        child.expect(r"\r\x1b\[K\[ *[0-9.]+\] cpu\d I: \[ticker\] tick .\r*\n" +
                     re.escape(PROMPT) + "ver")
        child.send("sion\r")                    # the partial line survived
        child.expect_exact("svmvisor 0.1.0")


def test_console_nmi_npt_help_and_exit_reset():
    from test_guests import guest
    with qemu_session(build_iso("", [guest("nmi32", "nmi")]), smp=2, timeout=30) as child:
        child.expect_exact(PROMPT)
        child.expect_exact("[nmi] nmi32: waiting for an NMI")
        child.send("\r")
        child.expect_exact(PROMPT)
        command(child, "help npt", "npt       <vm>            the nested mappings")
        command(child, "help frob", 'help: no command "frob"')
        # 16 MiB at GPA 0: 2 MiB pages (no 1G run fits), writable and executable.
        command(child, "npt nmi", "GPA 0x0000000000-0x0000ffffff -> HPA")
        command(child, "npt nmi", "   8 x 2M W X")
        command(child, "exits nmi", "0x007b")
        command(child, "exits nmi reset", "exits nmi: counters reset")
        child.send("exits nmi\r")
        child.expect_exact("code        count")
        i = child.expect([r"0x007b", re.escape(PROMPT)])
        assert i == 1, "counters were not reset"
        command(child, "nmi nmi", "NMI sent to nmi")
        child.expect_exact("[nmi] PASS nmi: delivered through the IDT as vector 2")
        child.expect_exact("vm nmi: stopped: debug exit with code 0")
