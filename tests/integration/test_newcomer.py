# SPDX-License-Identifier: BSD-2-Clause
"""A newcomer's path: make help, make run's variables, the console's focus
command, and what every loglevel still shows."""
import os
import re
import subprocess

from svmv import ROOT, build_iso, qemu_session
from test_console import PROMPT, command
from test_guests import guest


def make(*args):
    return subprocess.run(["make", "-s", "--no-print-directory", *args], cwd=ROOT,
                          capture_output=True, text=True)


def test_make_help_lists_every_target_and_variable():
    out = make("help").stdout
    with open(os.path.join(ROOT, "Makefile")) as f:
        phony = re.search(r"^\.PHONY:(.*)$", f.read(), re.M).group(1).split()
    for target in phony:
        assert re.search(rf"^  {re.escape(target)}\b", out, re.M), f"make help lacks {target}:\n{out}"
    for var in ("ISO=", "SMP=", "MEM=", "UEFI=", "CONFIG=", "FILES=", "PYTEST_ARGS=", "FUZZ_SECONDS="):
        assert var in out, f"make help lacks {var}"


def test_make_run_takes_iso_smp_mem_and_uefi():
    out = make("-n", "run", "ISO=build/custom.iso", "SMP=3", "MEM=1G", "UEFI=1").stdout
    assert "-smp 3 -m 1G -cdrom build/custom.iso" in out, out
    assert "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd" in out, out
    out = make("-n", "run").stdout
    assert "-smp 9 -m 1G -cdrom build/svmvisor.iso" in out and "pflash" not in out, out


def test_make_iso_refuses_what_is_missing():
    r = make("iso")
    assert r.returncode != 0 and "CONFIG=path/to/grub.cfg is required" in r.stdout + r.stderr
    r = make("iso", "CONFIG=/nonexistent/grub.cfg")
    assert r.returncode != 0 and "no such file: /nonexistent/grub.cfg" in r.stdout + r.stderr


def test_focus_gives_a_vm_the_keyboard():
    iso = build_iso("", [guest("echo32", "echo"), guest("spin32", "spin")])
    with qemu_session(iso, smp=3, timeout=60) as child:
        child.send("\r")
        child.expect_exact(PROMPT)
        command(child, "focus nope", 'focus: no VM named "nope"')
        child.send("focus echo\r")
        child.expect_exact("[input to vm echo; Ctrl-] for the next]")
        child.send("hello focus\r")
        child.expect_exact("[echo] got: hello focus")
        child.send("\x1d")                           # Ctrl-]: the next running VM
        child.expect_exact("[input to vm spin; Ctrl-] for the next]")
        child.send("\x1d")                           # and back to the console
        child.expect_exact("[input to the console]")
        command(child, "version", "svmvisor 0.1.0")


def test_guest_output_steps_and_features_at_every_loglevel():
    iso = build_iso("loglevel=warn", [guest("cpuid32", "cpuid"), guest("spin32", "spin")])
    with qemu_session(iso, smp=3, timeout=60) as child:
        child.expect_exact("[cpuid] PASS cpuid: SVM hidden")     # guest output: not log severity
        child.send("\r")
        child.expect_exact(PROMPT)
        command(child, "features", "svm:   nested paging")
        child.send("step spin\r")
        child.expect(r"vm spin: vcpu0: step: RIP 0x[0-9a-f]+ -> 0x[0-9a-f]+")
        child.expect_exact(PROMPT)
        command(child, "log 50", "step: RIP")


def test_a_guest_written_to_the_recipe_boots_from_a_custom_iso(tmp_path):
    """docs/guests.md's flat NASM guest (taken from the doc itself, which
    must match docs/examples/hello.asm) and its Multiboot2 C guest, put on
    an ISO with `make iso CONFIG=docs/examples/grub.cfg FILES=...` as the
    doc says, boot and end with result 0."""
    with open(os.path.join(ROOT, "docs", "guests.md")) as f:
        doc = f.read()
    block = re.search(r"```nasm\n(.*?)```", doc, re.S).group(1)
    with open(os.path.join(ROOT, "docs", "examples", "hello.asm")) as f:
        assert f.read() == block, "docs/guests.md and docs/examples/hello.asm differ"
    out = tmp_path / "build"
    out.mkdir()
    (tmp_path / "hello.asm").write_text(block)
    subprocess.run(["nasm", "-f", "bin", "-o", str(out / "hello.bin"), str(tmp_path / "hello.asm")],
                   check=True)
    r = subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "docs", "examples", "mb2c"),
                        f"OUT={out}"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    r = make("iso", "CONFIG=docs/examples/grub.cfg",
             f"FILES={out / 'hello.bin'} {out / 'hello-mb2.elf'}")
    assert r.returncode == 0, r.stdout + r.stderr
    with qemu_session(os.path.join(ROOT, "build", "custom.iso"), smp=3, timeout=60) as child:
        child.expect_exact("executed automatically in")   # the doc's menu waits: pick its entry
        child.send("\r")
        want = ["[hello] hello from my guest", "vm hello: stopped: debug exit with code 0",
                "vm hello2: stopped: debug exit with code 0"]
        while want:
            want.pop(child.expect_exact(want))
