#!/usr/bin/env python3
"""Prints how many tests ran and how many were skipped, per module and in all, from the
Surefire reports that `mvn verify` wrote; and fails when this machine could have run the tests
that need root or a second user (run as root) but some of them were skipped anyway.

Usage: .ci/test-report.py [project root]
"""
import glob
import os
import sys
import xml.etree.ElementTree as ElementTree

# Tests that skip (with their reason) unless the run is root or a second user exists; as root
# they must all run, so that the checks of other users' files and peers are never lost silently.
NEEDS_ROOT = ("FifoSecurityTest", "SocketFileTest", "PeerCredentialsTest")


def skip_reason(skipped):
    """The reason surefire kept for a skip: its message, else (an assumption that failed) the
    first line of the exception it recorded, without the exception's class."""
    if skipped.get("message"):
        return skipped.get("message")
    lines = (skipped.text or "").strip().splitlines()
    if not lines:
        return "no reason given"
    first = lines[0]
    return first.split("Exception: ", 1)[1] if "Exception: " in first else first


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    totals = {"tests": 0, "skipped": 0, "failures": 0, "errors": 0}
    skipped_needing_root = []
    skipped_all = []
    for module in sorted(glob.glob(os.path.join(root, "*", "target", "surefire-reports"))):
        counts = {"tests": 0, "skipped": 0, "failures": 0, "errors": 0}
        for report in glob.glob(os.path.join(module, "TEST-*.xml")):
            suite = ElementTree.parse(report).getroot()
            for key in counts:
                counts[key] += int(suite.get(key, 0))
            for case in suite.iter("testcase"):
                skipped = case.find("skipped")
                if skipped is None:
                    continue
                test = case.get("classname", "") + "." + case.get("name", "")
                skipped_all.append(test + ": " + skip_reason(skipped))
                if case.get("classname", "").endswith(NEEDS_ROOT):
                    skipped_needing_root.append(test)
        name = module.split(os.sep)[-3]
        print(f"{name}: {counts['tests']} tests, {counts['tests'] - counts['skipped']} ran, "
              f"{counts['skipped']} skipped, {counts['failures']} failures, {counts['errors']} errors")
        for key in totals:
            totals[key] += counts[key]
    print(f"all modules: {totals['tests']} tests, {totals['tests'] - totals['skipped']} ran, "
          f"{totals['skipped']} skipped")
    for line in skipped_all:
        print("  skipped " + line)
    if os.geteuid() == 0 and skipped_needing_root:
        print("run as root, yet tests that need root or a second user were skipped:")
        for case in skipped_needing_root:
            print("  " + case)
        return 1
    if skipped_needing_root:
        print(f"{len(skipped_needing_root)} tests need root or a second user and were skipped (not root here)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
