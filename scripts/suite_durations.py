"""Print how long each part of the test suite took, from pytest's JUnit XML report.

Usage: python scripts/suite_durations.py REPORT.xml [REPORT.xml ...]
A part is a folder under tests/ (tests/publishing, tests/browser, ...) or a top-level test file.
"""

import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def part_of(classname):
    # "tests.publishing.test_public_site" -> "tests/publishing"; "tests.test_settings" -> itself
    pieces = classname.split(".")
    return "/".join(pieces[:2]) if len(pieces) > 2 else "/".join(pieces)


def main(paths):
    for path in paths:
        seconds, counts = defaultdict(float), defaultdict(int)
        for case in ET.parse(path).iter("testcase"):
            part = part_of(case.get("classname", "?"))
            seconds[part] += float(case.get("time", 0))
            counts[part] += 1
        print(f"{path}: {sum(seconds.values()):.0f} s in {sum(counts.values())} tests")
        for part in sorted(seconds, key=seconds.get, reverse=True):
            print(f"  {part:<32} {counts[part]:>5} tests  {seconds[part]:>7.1f} s")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: suite_durations.py REPORT.xml [REPORT.xml ...]")
    main(sys.argv[1:])
