#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""`make check-spdx`: every source file (C, headers, NASM, Python, shell, the
Makefiles, the linker scripts) carries an SPDX-License-Identifier line in its
first three lines. With --fix, adds `BSD-2-Clause` where it is missing
(other arguments: files to leave alone)."""
import os
import subprocess
import sys

TAG = "SPDX-License-Identifier: BSD-2-Clause"
COMMENT = {".c": "/* %s */", ".h": "/* %s */", ".ld": "/* %s */", ".S": "/* %s */",
           ".asm": "; %s",
    ".asl": "/* %s */", ".inc": "; %s", ".py": "# %s", ".sh": "# %s"}


def style(path):
    base = os.path.basename(path)
    if base == "Makefile" or base.endswith(".mk"):
        return "# %s"
    if path.startswith(".ci/"):
        return "# %s"
    return COMMENT.get(os.path.splitext(path)[1])


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    fix = "--fix" in sys.argv
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=root, capture_output=True, text=True, check=True).stdout.split()
    skip = set(a for a in sys.argv[1:] if not a.startswith("--"))
    missing = []
    for rel in sorted(set(files)):
        if rel in skip:
            continue
        fmt = style(rel)
        path = os.path.join(root, rel)
        if not fmt or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
        if any("SPDX-License-Identifier:" in l for l in lines[:3]):
            continue
        if not fix:
            missing.append(rel)
            continue
        at = 1 if lines and lines[0].startswith("#!") else 0
        lines.insert(at, fmt % TAG + "\n")
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(lines)
    for rel in missing:
        print(f"check-spdx: {rel}: no SPDX-License-Identifier line at the top")
    if missing:
        print(f"check-spdx: {len(missing)} file(s); `python3 tests/check_spdx.py --fix` adds it")
        return 1
    print("check-spdx: every source file names its license")
    return 0


if __name__ == "__main__":
    sys.exit(main())
