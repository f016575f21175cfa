# SPDX-License-Identifier: BSD-2-Clause
"""The "console demo" of docs/monitor.md: the menu entry its examples come
from. The entry is read from the doc itself, booted as written (the guest
binaries from build/guests/), and every VM the doc's examples name must be
in it and start, so the doc's demo cannot rot."""
import os
import re

from svmv import BUILD, ROOT, Module, build_iso, qemu_session

DOC = os.path.join(ROOT, "docs", "monitor.md")
GRUB_CFG = os.path.join(ROOT, "iso", "grub.cfg")
PROMPT = "svmvisor> "
ENTRY = "svmvisor console demo"
# Console commands whose first argument is a VM (kernel/console/monitor.c).
VM_COMMANDS = {"vcpus", "regs", "vmcb", "exits", "trace", "x", "x/p", "xlate", "npt",
               "console", "msrs", "focus", "pause", "resume", "step", "nmi", "reset", "kill"}
NOT_A_VM = {"nosuch"}           # the doc's "no VM named" example


def doc_text():
    with open(DOC) as f:
        return f.read()


def demo_entry(text, where="docs/monitor.md"):
    """The hypervisor's command line and the module2 lines (path, options)
    of the demo menu entry in text."""
    m = re.search(r'^menuentry "' + re.escape(ENTRY) + r'" \{\n(.*?)^\}', text, re.M | re.S)
    assert m, f'{where} has no menuentry "{ENTRY}"'
    cmdline, modules = None, []
    for line in m.group(1).splitlines():
        words = line.split(None, 2)
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "multiboot2":
            cmdline = words[2] if len(words) > 2 else ""
        elif words[0] == "module2":
            modules.append((words[1], words[2] if len(words) > 2 else ""))
    assert cmdline is not None and modules, m.group(0)
    return cmdline, modules


def example_vms(text):
    """Every VM the doc's example sessions name: as a command's VM argument,
    in a Ctrl-] banner, or in the vcpu column of cpus."""
    names = set()
    for cmd, arg in re.findall(r"^\s+svmvisor> (\S+) (\S+)", text, re.M):
        if cmd in VM_COMMANDS:
            names.add(arg)
    names.update(re.findall(r"^\s+\[input to vm (\S+);", text, re.M))
    names.update(re.findall(r"^\s+\d+\s+\d+\s+\w+\s+\w+\s+(\S+)/vcpu\d+\s", text, re.M))
    return names - NOT_A_VM


def vm_name(options):
    return re.search(r"(?:^|\s)vm=(\S+)", options).group(1)


def test_demo_entry_covers_the_examples():
    text = doc_text()
    _, modules = demo_entry(text)
    demo = [vm_name(o) for _, o in modules]
    assert len(demo) == len(set(demo)), demo
    missing = example_vms(text) - set(demo)
    assert not missing, f"examples name VMs the demo entry does not run: {sorted(missing)}"


def test_iso_menu_has_the_demo_entry():
    """The ISO's menu offers the same entry, line for line."""
    with open(GRUB_CFG) as f:
        menu = f.read()
    assert demo_entry(menu, "iso/grub.cfg") == demo_entry(doc_text())


def test_demo_entry_boots_every_example_vm():
    text = doc_text()
    cmdline, lines = demo_entry(text)
    smp = int(re.search(r"make run ISO=\S+ SMP=(\d+)", text).group(1))
    cores = dict(re.findall(r"`(\w+)`\s+cpu(\d+)", text))     # "`spin` cpu1, ..."
    modules = []
    for path, options in lines:
        assert path.startswith("/guests/"), path
        name = os.path.basename(path)
        with open(os.path.join(BUILD, "guests", name), "rb") as f:
            modules.append(Module(name, f.read(), options))
    names = [vm_name(m.cmdline) for m in modules]

    with qemu_session(build_iso(cmdline, modules), smp=smp, timeout=120) as child:
        child.expect(r"boot complete: (\d+) VMs")
        boot = child.before.replace("\r", "")
        assert "vm: module" not in boot, boot       # no line refused
        assert int(child.match.group(1)) == len(names), boot
        for vm in names:                            # each one built and given its cores
            assert re.search(rf"cpu\d+ I: vm {vm}: \d+ MiB RAM \([^)]*\) at host 0x[0-9a-f]+"
                             rf"(?: and \d+ more extents?)?, \d+-byte image, "
                             rf"entry 0x[0-9a-f]+ \(.*\), vcpu0 on cpu\d+", boot), (vm, boot)
            assert f"vm {vm}: stopped: no free core" not in boot, boot
        child.send("\r")
        child.expect_exact(PROMPT)
        child.send("vms\r")
        child.expect(r"name\s+state\s+MiB\s+vcpus\s+cpu\s+exits\s+dropped\s+result")
        child.expect_exact(PROMPT)
        rows = {m.group(1): m for m in re.finditer(
            r"^\s+(\S+)\s+(created|running|paused|halted|wait-sipi|stopped)\s+(\d+)\s+(\d+)\s+(-?\d+)"
            r"\s+\d+\s+\d+\s+(.*)$", child.before.replace("\r", ""), re.M)}
        for vm in sorted(example_vms(text)):
            assert vm in rows, (vm, child.before)
            row = rows[vm]
            assert row.group(2) != "created", row.group(0)
            # Still running, or ended by its own debug exit with code 0.
            assert row.group(2) != "stopped" or row.group(6).startswith("0: debug exit"), \
                row.group(0)
            if vm in cores:
                assert row.group(5) == cores[vm], (vm, row.group(0))
