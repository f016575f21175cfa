#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""`make check-layers`: the include rules of docs/ARCHITECTURE.md.

Reads every `#include "..."` of the hypervisor's C sources and headers and
fails, naming the file and line, when:
  1. a file includes a room above its own (the layer order), or
     drivers/virt/ includes anything but kernel/lib/ and drivers/virt/;
  2. (in 1) svm/ includes kernel/vm/ or kernel/console/;
  3. (in 1) kernel/vm/ includes kernel/console/;
  4. modules include each other in a cycle (a module is a .c and its .h);
  5. a pure module (a source built into a unit test or fuzzer: the
     Makefile's SRCS_* lists) includes, directly or through other headers,
     a hardware-access header (one with inline assembly, or including one),
     or includes the log or panic headers (pure code never prints).
Usage: check_layers.py [ROOT]
"""
import os
import re
import sys

ROOM_ORDER = [  # bottom to top; a file may include its own room and rooms below
    ("kernel/lib/", "kernel/lib"),
    ("BASE", "kernel base, boot/, mm/, drivers/"),
    ("drivers/virt/", "drivers/virt"),
    ("svm/", "svm"),
    ("kernel/vm/", "kernel/vm"),
    ("kernel/console/", "kernel/console"),
    ("kernel/main.c", "kernel/main.c"),
]
SOURCE_DIRS = ("boot", "kernel", "mm", "drivers", "svm")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
PRINTING = ("kernel/log.h", "kernel/panic.h")


def room(path):
    """Index of the room a file belongs to."""
    if path == "kernel/main.c":
        return 6
    for i, (prefix, _) in enumerate(ROOM_ORDER):
        if prefix != "BASE" and path.startswith(prefix):
            return i
    return 1  # kernel/*, boot/, mm/, drivers/ (host)


def module(path):
    return os.path.splitext(path)[0]


def read_includes(root):
    files = {}
    for top in SOURCE_DIRS:
        for d, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if not n.endswith((".c", ".h")):
                    continue
                full = os.path.join(d, n)
                rel = os.path.relpath(full, root)
                incs = []
                with open(full, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if m:
                            incs.append((lineno, m.group(1)))
                files[rel] = incs
    return files


def pure_sources(root):
    """Sources named in the Makefile's SRCS_* lists (built into host tests)."""
    with open(os.path.join(root, "Makefile")) as f:
        text = f.read()
    pure = set()
    for m in re.finditer(r"^SRCS_\w+\s*:=\s*(.*)$", text, re.M):
        pure.update(w for w in m.group(1).split() if w.endswith(".c"))
    return pure


def hardware_headers(root, files):
    """Headers with inline assembly, and headers that include one."""
    hw = set()
    for path in files:
        if path.endswith(".h"):
            with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
                if re.search(r"\b__asm__\b|\basm\s+volatile\b", f.read()):
                    hw.add(path)
    changed = True
    while changed:
        changed = False
        for path, incs in files.items():
            if path.endswith(".h") and path not in hw and any(i in hw for _, i in incs):
                hw.add(path)
                changed = True
    return hw


def find_cycle(graph):
    """A list of modules forming a cycle, or None (iterative DFS)."""
    state = {}
    for start in sorted(graph):
        if start in state:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and nxt in graph:
                state[nxt] = 1
                stack.append((nxt, iter(sorted(graph[nxt]))))
                path.append(nxt)
    return None


def check(root):
    files = read_includes(root)
    errors = []
    for path, incs in sorted(files.items()):
        mine = room(path)
        for lineno, inc in incs:
            if inc not in files:
                continue  # generated or system-like; the compiler judges it
            theirs = room(inc)
            where = f"{path}:{lineno}: includes {inc}"
            if mine == 2 and theirs not in (0, 2):
                errors.append(f"{where}: device models (drivers/virt/) may include only "
                              "kernel/lib/ and drivers/virt/ (rule 1)")
            elif theirs > mine:
                errors.append(f"{where}: {ROOM_ORDER[mine][1]} may not include "
                              f"{ROOM_ORDER[theirs][1]}, a room above it (rules 1-3)")
    graph = {}
    for path, incs in files.items():
        edges = graph.setdefault(module(path), set())
        edges.update(module(i) for _, i in incs if i in files and module(i) != module(path))
    cycle = find_cycle(graph)
    if cycle:
        errors.append("include cycle between modules (rule 4): " + " -> ".join(cycle))
    hw = hardware_headers(root, files)
    for src in sorted(pure_sources(root)):
        seen, pending = set(), [src]
        while pending:
            f = pending.pop()
            for lineno, inc in files.get(f, []):
                if inc in hw:
                    errors.append(f"{f}:{lineno}: includes {inc}, a hardware-access header, "
                                  f"into the pure module {src} (rule 5)")
                elif f == src and inc in PRINTING:
                    errors.append(f"{f}:{lineno}: includes {inc}: the pure module {src} "
                                  "must not print or panic (rule 5)")
                if inc in files and inc not in seen:
                    seen.add(inc)
                    pending.append(inc)
    return errors


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    errors = check(os.path.abspath(root))
    for e in errors:
        print("check-layers: " + e)
    if errors:
        print(f"check-layers: {len(errors)} violation(s); the rules are in docs/ARCHITECTURE.md")
        return 1
    print("check-layers: every include follows the layer rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
