#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""`make check-links`: every relative link in README.md, CONTRIBUTING.md,
CHANGELOG.md and docs/ (Markdown) names a file that exists and, with a
#fragment, a heading in it (GitHub's anchor rules). Prints each broken link
with its file and line; exits 1 if there is one."""
import os
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped
    (but - and _), spaces to dashes."""
    h = re.sub(r"`", "", heading.strip().lower())
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


def anchors(path):
    found, fence = set(), False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fence = not fence
            m = None if fence else HEADING.match(line)
            if m:
                found.add(slug(m.group(1)))
    return found


def markdown_files(root):
    files = [os.path.join(root, n) for n in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md")]
    for d, _, names in os.walk(os.path.join(root, "docs")):
        files += [os.path.join(d, n) for n in names if n.endswith(".md")]
    return sorted(f for f in files if os.path.exists(f))


def check(root):
    errors = []
    for path in markdown_files(root):
        fence = False
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
        for lineno, line in enumerate(lines, 1):
            if line.startswith("```"):
                fence = not fence
            if fence:
                continue
            for target in LINK.findall(line):
                if re.match(r"^[a-z]+:", target):
                    continue  # http:, https:, mailto:
                file_part, _, frag = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
                where = f"{os.path.relpath(path, root)}:{lineno}: {target}"
                if not os.path.exists(dest):
                    errors.append(f"{where}: no file {os.path.relpath(dest, root)}")
                elif frag and dest.endswith(".md") and frag not in anchors(dest):
                    errors.append(f"{where}: no heading #{frag} in {os.path.relpath(dest, root)}")
    return errors


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    errors = check(root)
    for e in errors:
        print("check-links: " + e)
    if errors:
        print(f"check-links: {len(errors)} broken link(s)")
        return 1
    print(f"check-links: every relative link resolves ({len(markdown_files(root))} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
