# SPDX-License-Identifier: BSD-2-Clause
"""`make check-layers` accepts the tree and rejects each kind of bad include
with the file, the line and the rule (checked on a copy of the sources)."""
import os
import shutil
import subprocess

import pytest

from svmv import ROOT

SCRIPT = os.path.join(ROOT, "tests", "check_layers.py")


def run(root):
    return subprocess.run(["/usr/bin/python3", SCRIPT, root], capture_output=True, text=True)


@pytest.fixture
def tree(tmp_path):
    for d in ("boot", "kernel", "mm", "drivers", "svm"):
        shutil.copytree(os.path.join(ROOT, d), tmp_path / d)
    shutil.copy(os.path.join(ROOT, "Makefile"), tmp_path / "Makefile")
    return tmp_path


def add_include(tree, path, header):
    p = tree / path
    text = p.read_text()
    p.write_text(f'#include "{header}"\n' + text)


def test_the_tree_follows_the_rules(tree):
    r = run(str(tree))
    assert r.returncode == 0, r.stdout
    assert "every include follows the layer rules" in r.stdout


@pytest.mark.parametrize("path, header, message", [
    ("drivers/virt/vuart.c", "svm/vm.h", "drivers/virt/vuart.c:1: includes svm/vm.h: device models"),
    ("drivers/virt/bus.c", "kernel/log.h", "drivers/virt/bus.c:1: includes kernel/log.h: device models"),
    ("svm/exits.c", "kernel/vm/vms.h", "svm/exits.c:1: includes kernel/vm/vms.h: svm may not include kernel/vm"),
    ("svm/vcpu.c", "kernel/console/monitor.h", "svm may not include kernel/console"),
    ("kernel/vm/vms.c", "kernel/console/monitor.h", "kernel/vm may not include kernel/console"),
    ("kernel/smp.c", "svm/vcpu.h", "kernel/smp.c:1: includes svm/vcpu.h: kernel base, boot/, mm/, drivers/ may not include svm"),
    ("kernel/lib/fmt.c", "kernel/log.h", "kernel/lib may not include kernel base"),
])
def test_an_include_up_the_layers_is_refused(tree, path, header, message):
    add_include(tree, path, header)
    r = run(str(tree))
    assert r.returncode == 1
    assert message in r.stdout, r.stdout


def test_a_cycle_is_refused(tree):
    add_include(tree, "kernel/log.c", "kernel/panic.h")   # panic.c includes log.h
    r = run(str(tree))
    assert r.returncode == 1
    assert "include cycle between modules (rule 4)" in r.stdout, r.stdout
    assert "kernel/log" in r.stdout and "kernel/panic" in r.stdout


def test_a_pure_module_may_not_reach_hardware_or_print(tree):
    add_include(tree, "mm/npt.c", "kernel/x86.h")
    add_include(tree, "boot/mb2.c", "kernel/log.h")
    r = run(str(tree))
    assert r.returncode == 1
    assert "mm/npt.c:1: includes kernel/x86.h, a hardware-access header, into the pure module mm/npt.c" in r.stdout
    assert "boot/mb2.c:1: includes kernel/log.h: the pure module boot/mb2.c must not print" in r.stdout
