# SPDX-License-Identifier: BSD-2-Clause
"""The serial console stays live after boot, with or without SVM."""
import re
import time

import pexpect
import pytest

from svmv import bochs_session, build_iso, qemu_session

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
        command(child, "cpus", "    1     1  idle       off")
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
        command(child, "mem", "free frames")
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
        command(child, "cpus", "0  idle       on   -")


def test_console_controls_vms():
    from test_guests import guest
    with qemu_session(build_iso("", [guest("spin32", "spin"), guest("cpuid32", "cpuid")]),
                       smp=3, timeout=30) as child:
        child.expect(r"vm spin: 16 MiB RAM \(8 x 2M\) at host (0x[0-9a-f]+),")
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
        child.send("mem\r")                       # the VM's RAM at the host address it logged
        child.expect(r"vm spin\s+RAM\s+16 MiB in 1 extent; NPT \d+ tables, pages 0 x 1G 8 x 2M 0 x 4K")
        child.expect(rf"GPA 0x0000000000-0x0000ffffff -> HPA 0x{ram:010x}  16 MiB")
        child.expect_exact(PROMPT)
        # Guest memory: the image's first bytes at 1 MiB, by GVA and by GPA.
        import os
        from svmv import BUILD
        with open(os.path.join(BUILD, "guests", "spin32.bin"), "rb") as f:
            head = " ".join(f"{b:02x}" for b in f.read(16))
        command(child, "x spin 0x100000 16", f"0000000000100000: {head}")
        command(child, "x/p spin 1M 16", f"0000000000100000: {head}")
        command(child, "x/p spin 0x7ff00000", "outside the VM's 16 MiB of RAM")
        command(child, "x spin zz", 'x: <gva> "zz" is not a number')
        child.send("xlate spin 0x100123\r")
        child.expect_exact("guest paging off: GVA 0x100123 = GPA 0x100123")
        child.expect(r"host physical (0x[0-9a-f]+) \(page")
        hpa = int(child.match.group(1), 16)
        child.expect_exact(PROMPT)
        assert hpa == ram + 0x100123
        child.send("vmcb spin\r")
        child.expect(r"intercept exceptions 00060102, misc [0-9a-f]{8} [0-9a-f]{8}")
        child.expect_exact("exceptions: #DB #DF #AC #MC")      # the same, by name
        child.expect(r"misc:\s+INTR NMI SMI INIT CR0_SEL RDPMC CPUID INVD HLT INVLPGA IOIO MSR TASK_SW\s+SHUTDOWN")
        child.expect(r"misc2:\s+VMRUN VMMCALL VMLOAD VMSAVE STGI CLGI SKINIT WBINVD MONITOR MWAIT XSETBV\s+RDPRU")
        child.expect(r"NP_ENABLE 0x1 N_CR3 0x[0-9a-f]+")
        child.expect(r"EVENTINJ\s+0 \(none\)")
        child.expect(r"CPL 0 EFER 0x1000 CR0 0x11")
        child.expect_exact(PROMPT)
        command(child, "pause spin", "paused spin")
        command(child, "vms", "spin            paused")
        command(child, "exits spin", "0x0061 NMI")        # the kicks were NMI exits
        child.send("trace spin 0 4\r")
        child.expect(r"#\s+tsc\s+exit\s+exitinfo1")
        child.expect(r"\d+\s+[0-9a-f]+\s+0x61 ")          # an NMI exit in the recorder
        child.expect_exact(PROMPT)
        command(child, "trace spin x", 'trace: unexpected "x"; usage: trace <vm> [vcpu] [n]')
        command(child, "trace spin 3", "trace: spin has no vcpu3 (it has vcpu0-vcpu0)")
        command(child, "regs spin 99999999999999999999", 'regs: [vcpu] "99999999999999999999" is too large')
        command(child, "resume spin", "resumed spin")
        command(child, "vms", "spin            running")
        command(child, "kill spin", "killed spin")
        command(child, "vms", "-1: killed from the console")
        command(child, "kill spin", "kill spin: already stopped")
        command(child, "regs nosuch", 'regs: no VM named "nosuch"')
        command(child, "pause", "pause: missing <vm>; usage: pause <vm>")


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
    """Guest lines arriving while a command is half typed go above the
    prompt, which is then redrawn with the partial line. Guest output is
    console output, not log: "[vm] text", without timestamp or level."""
    from test_guests import guest
    with qemu_session(build_iso("", [guest("ticker32", "ticker")]), smp=2, timeout=30) as child:
        child.expect_exact(PROMPT)
        child.send("ver")                        # half a command
        # Erase the line, the log line, then the prompt and "ver" again.
        child.expect(r"\r\x1b\[K\[ticker\] tick .\r*\n" +
                     re.escape(PROMPT) + "ver")
        child.send("sion\r")                    # the partial line survived
        child.expect_exact("svmvisor 0.1.0")


def test_console_nmi_npt_help_and_exit_reset():
    from test_guests import guest
    with qemu_session(build_iso("", [guest("nmi32", "nmi")]), smp=2, timeout=30) as child:
        want = [PROMPT, "[nmi] nmi32: waiting for an NMI"]   # guest and console: any order
        while want:
            want.pop(child.expect_exact(want))
        child.send("\r")
        child.expect_exact(PROMPT)
        command(child, "help npt", "npt      <vm>                   the nested mappings")
        command(child, "help frob", 'help: no command "frob"')
        # 16 MiB at GPA 0: 2 MiB pages (no 1G run fits), writable and executable.
        command(child, "npt nmi", "GPA 0x0000000000-0x0000ffffff -> HPA")
        command(child, "npt nmi", "   8 x 2M W X")
        command(child, "exits nmi", "0x007b")
        command(child, "exits nmi reset", "exits nmi: vcpu0 counters reset")
        child.send("exits nmi\r")
        child.expect_exact("code   name          count")
        i = child.expect([r"0x007b", re.escape(PROMPT)])
        assert i == 1, "counters were not reset"
        command(child, "exits reset", "exits: counters of every vCPU reset")
        command(child, "nmi nmi", "NMI sent to nmi")
        child.expect_exact("[nmi] PASS nmi: delivered through the IDT as vector 2")
        child.expect_exact("vm nmi: stopped: debug exit with code 0")


def step(child, vm, vcpu=""):
    """One `step`; returns (RIP before, RIP after) from the vCPU's log line."""
    child.send(f"step {vm} {vcpu}".strip() + "\r")
    child.expect(rf"vm {vm}: vcpu\d+: step: RIP (0x[0-9a-f]+) -> (0x[0-9a-f]+) \(([^)]*)\)")
    return int(child.match.group(1), 16), int(child.match.group(2), 16), child.match.group(3)


# guests/step32.asm: step_loop's instructions, address -> address after it.
STEP32 = {0x100200: 0x100201, 0x100201: 0x100202, 0x100202: 0x100203, 0x100203: 0x100204,
          0x100204: 0x10020a, 0x10020a: 0x10020b, 0x10020b: 0x10020c, 0x10020c: 0x10020e,
          0x10020e: 0x100211,   # MOV SS holds the trap over the NOP in its shadow
          0x100210: 0x100211, 0x100211: 0x100200}


@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
def test_step_single_instructions(emulator):
    """step on a vCPU on another core and on the console's own core: RIP
    advances by each instruction's length, and the trap flag never shows
    (PUSHF's pushed copy, RFLAGS after the step)."""
    from test_guests import guest
    mods = [guest("step32", "far"), guest("step32", "near")]
    spawn = (lambda: qemu_session(build_iso("", mods), smp=2, timeout=60)) if emulator == "qemu" \
        else (lambda: bochs_session(build_iso("", mods), cpus=2, timeout=120))
    with spawn() as child:
        ready = set()
        while len(ready) < 2:                   # in either order
            child.expect([r"\[(far)\] step32: ready", r"\[(near)\] step32: ready"])
            ready.add(child.match.group(1))
        child.send("\r")
        child.expect_exact(PROMPT)
        for vm in ("far", "near"):
            command(child, f"pause {vm}", f"paused {vm}")
            seen = 0
            for _ in range(40):                     # a full lap, then some
                before, after, how = step(child, vm)
                assert how == "trap flag", how
                assert STEP32[before] == after, (hex(before), hex(after))
                seen |= 1 << (before - 0x100200)
                if seen & (1 << 0x11) and after == 0x100200 and bin(seen).count("1") >= 10:
                    break
            assert bin(seen).count("1") >= 10, bin(seen)
            child.send(f"regs {vm}\r")
            child.expect(r"RFLAGS ([0-9a-f]{16})")
            assert not int(child.match.group(1), 16) & 0x100, "TF left set"
            child.expect(r"RDX ([0-9a-f]{16}) RSI ([0-9a-f]{16})")
            rdx, rsi = int(child.match.group(1), 16), int(child.match.group(2), 16)
            child.expect_exact(PROMPT)
            # The pattern the guest pushed, where its ESI points.
            command(child, f"x {vm} {rsi:#x} 8", f"{rsi:016x}: 0d f0 fe ca de c0 ad 0b")
            # The flags PUSHFD pushed during a step, stored by the guest: no TF.
            child.send(f"x {vm} 0x100400 4\r")
            child.expect(r"0000000000100400: ([0-9a-f]{2}) ([0-9a-f]{2}) ([0-9a-f]{2}) ([0-9a-f]{2})")
            flags = int(child.match.group(2) + child.match.group(1), 16)
            child.expect_exact(PROMPT)
            assert flags != 0xffff and not flags & 0x100, hex(flags)
            command(child, f"resume {vm}", f"resumed {vm}")
            time.sleep(0.2)
            command(child, f"pause {vm}", f"paused {vm}")
            child.send(f"regs {vm}\r")
            child.expect(r"RDX ([0-9a-f]{16})")
            assert int(child.match.group(1), 16) != rdx, "it ran again after resume"
            child.expect_exact(PROMPT)
            command(child, f"resume {vm}", f"resumed {vm}")
        command(child, "step far 1", "step: far has no vcpu1 (it has vcpu0-vcpu0)")
        child.send("vcpus near\r")
        child.expect(r"0\s+0\s+running")              # near shares the console's core
        child.expect_exact(PROMPT)


def test_console_replay_reset_and_vcpu_arguments():
    from test_guests import guest
    from test_guests import flat64_guest
    mods = [guest("cpuid32", "cpuid"), guest("spin32", "spin"), guest("smp32", "smp", "cpus=3,4"),
            flat64_guest()]
    with qemu_session(build_iso("", mods), smp=6, timeout=60) as child:
        child.expect(r"vm flat64: 16 MiB RAM \(8 x 2M\) at host (0x[0-9a-f]+),")
        flat64_ram = int(child.match.group(1), 16)
        for _ in range(50):                         # until all three have finished
            child.send("vms\r")
            child.expect(r"name\s+state")
            child.expect_exact(PROMPT)
            if child.before.count("0: debug exit with code 0") == 3:
                break
            time.sleep(0.2)
        assert child.before.count("0: debug exit with code 0") == 3, child.before
        # xlate through the 4-level tables the hypervisor built for flat64.
        child.send("xlate flat64 0x100123\r")
        child.expect(r"guest PML4E at GPA 0x[0-9a-f]+ = [0-9a-f]{16}  PW-")
        child.expect(r"guest PDPTE at GPA 0x[0-9a-f]+ = [0-9a-f]{16}  PW-")
        child.expect(r"guest PDE   at GPA 0x[0-9a-f]+ = [0-9a-f]{16}  PW- large")
        child.expect_exact("GPA 0x100123 (page 2048 KiB, writable)")
        assert "guest PTE" not in child.before, "the walk ends at the large PDE"
        child.expect(r"host physical (0x[0-9a-f]+) ")
        assert int(child.match.group(1), 16) == flat64_ram + 0x100123
        child.expect_exact(PROMPT)
        child.send("\r")
        child.expect_exact(PROMPT)
        # The VM's COM1 output, kept in its ring.
        child.send("console cpuid\r")
        child.expect(r"--- cpuid COM1: the last \d+ of \d+ bytes ---")
        child.expect_exact("PASS cpuid: SVM hidden")
        child.expect_exact("PASS svm: INVLPGA is #UD")
        child.expect_exact("--- end of cpuid COM1 ---")
        child.expect_exact(PROMPT)
        # exits: one line per reason, with a bar; the busiest has the full bar.
        child.send("exits cpuid\r")
        child.expect(r"0x0072 CPUID\s+\d+\s+\d+\s+\d+\s+\d+ #+")
        child.expect(r"0x007b IOIO\s+\d+\s+\d+\s+\d+\s+\d+ #{24}\r")
        child.expect_exact(PROMPT)
        # reset: a stopped VM runs again from its image, with zeroed RAM.
        command(child, "reset cpuid", "reset cpuid")
        child.expect_exact("vm cpuid: stopped: debug exit with code 0")
        child.send("console cpuid\r")
        child.expect_exact("PASS svm: INVLPGA is #UD")
        child.expect_exact("PASS svm: INVLPGA is #UD")   # both runs are in the ring
        child.expect_exact("--- end of cpuid COM1 ---")
        child.expect_exact(PROMPT)
        # reset of a running VM: it starts over (RDX counts from 0 again).
        child.send("regs spin\r")
        child.expect(r"RDX ([0-9a-f]{16})")
        rdx = int(child.match.group(1), 16)
        child.expect_exact(PROMPT)
        command(child, "reset spin", "reset spin")
        child.expect_exact("[spin] spin32: spinning")
        command(child, "vms", "spin            running")
        # Two vCPUs: each has its own registers, exits and recorder.
        command(child, "vcpus smp", "1        4")
        child.send("regs smp 1\r")
        child.expect_exact("smp vcpu1 (stopped)")
        child.expect(r"RBX 0000000000000001")            # its index, as HC_VCPU_START set it
        child.expect_exact(PROMPT)
        command(child, "exits smp 1", "smp vcpu1:")
        command(child, "trace smp 1 2", "exitinfo1")
        command(child, "regs smp 2", "regs: smp has no vcpu2 (it has vcpu0-vcpu1)")
        command(child, "reset nosuch", 'reset: no VM named "nosuch"')
        del rdx


def test_bochs_kicks_reach_a_guest_with_interrupts_off():
    """Bochs 2.7 holds physical interrupts while the guest's IF is 0, so the
    console's kicks are NMIs: spin32 runs with IF=0 and still pauses."""
    from test_guests import guest
    with bochs_session(build_iso("", [guest("spin32", "spin")]), cpus=2, timeout=120) as child:
        child.expect_exact("[spin] spin32: spinning")
        child.send("\r")
        child.expect_exact(PROMPT)
        command(child, "pause spin", "paused spin")
        command(child, "regs spin", "RAX 000000005a5a5a5a")
        command(child, "resume spin", "resumed spin")
        command(child, "kill spin", "killed spin")
        command(child, "vms", "-1: killed from the console")
