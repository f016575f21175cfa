# SPDX-License-Identifier: BSD-2-Clause
"""Prints the hostile suite's last run as the Markdown table of
docs/security.md ("Results of the last run"), from pytest's JUnit XML,
which `make integration` (and so `make test`) leaves in build/:

    /usr/bin/python3 tests/integration/hostile_results.py build/integration.xml
"""
import re
import sys
import xml.etree.ElementTree as ET


def outcome(tc):
    if tc.find("skipped") is not None:
        return "not run (`only:`)"
    if tc.find("failure") is not None or tc.find("error") is not None:
        return f"**FAIL** ({float(tc.get('time', 0)):.0f} s)"
    return f"pass ({float(tc.get('time', 0)):.0f} s)"


def main(path):
    runs = {}
    for tc in ET.parse(path).getroot().iter("testcase"):
        m = re.match(r"test_case\[(.+)-(qemu|bochs)\]$", tc.get("name", ""))
        if m:
            runs.setdefault(m.group(1), {})[m.group(2)] = outcome(tc)
    if not runs:
        sys.exit(f"{path}: no test_case results in it")
    print("| case | QEMU 7.2 | Bochs 2.7 |")
    print("|---|---|---|")
    for name in sorted(runs):
        r = runs[name]
        print(f"| `{name}` | {r.get('qemu', 'not run')} | {r.get('bochs', 'not run')} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: hostile_results.py <pytest junit xml>")
    main(sys.argv[1])
