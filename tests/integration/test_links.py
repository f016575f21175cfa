# SPDX-License-Identifier: BSD-2-Clause
"""`make check-links` accepts the docs and names a broken link or anchor
with its file and line (checked on a copy)."""
import os
import shutil
import subprocess

from svmv import ROOT

SCRIPT = os.path.join(ROOT, "tests", "check_links.py")


def run(root):
    return subprocess.run(["/usr/bin/python3", SCRIPT, str(root)], capture_output=True, text=True)


def test_links_resolve_and_breakage_is_named(tmp_path):
    tmp_path = tmp_path / "tree"   # the sources and docs, without build/ and .git
    shutil.copytree(ROOT, tmp_path, ignore=shutil.ignore_patterns("build", ".git", "__pycache__"))
    r = run(tmp_path)
    assert r.returncode == 0, r.stdout
    with open(tmp_path / "docs" / "vms.md", "a") as f:
        f.write("\nSee [nowhere](no-such-file.md) and [a heading](monitor.md#no-such-heading).\n")
    r = run(tmp_path)
    assert r.returncode == 1
    assert "docs/vms.md:" in r.stdout and "no-such-file.md: no file docs/no-such-file.md" in r.stdout
    assert "monitor.md#no-such-heading: no heading #no-such-heading in docs/monitor.md" in r.stdout
