#!/usr/bin/env python3
"""new_change.py - the bisect range of the newest slowdown, for a CI job.

    python3 scripts/new_change.py changes.json >> "$GITHUB_OUTPUT"

Reads what `perfgate history changes --json` wrote and prints, for the
largest change point that is new (brought by the newest run) and slower,
three lines: bench=NAME, good=COMMIT, bad=COMMIT.  Prints nothing when there
is none.  A change is passed over when its runs' commits are unknown or
equal (the same commit measured twice: nothing to bisect), or when a value
holds a character that could end a line of $GITHUB_OUTPUT (names are data; they reach the bisect
job through env, never through a shell or an expression).  Exit status 0
unless the file cannot be read (2).
"""
import json
import re
import sys

SAFE = re.compile(r"^[\x20-\x7e]+$")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: new_change.py changes.json")
    try:
        with open(sys.argv[1]) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print("new_change.py: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        sys.exit(2)
    best = None
    for b in doc.get("benchmarks", []):
        for c in b.get("changes", []):
            if not c.get("new") or c.get("direction") != "slower":
                continue
            good, bad = c.get("good_commit", "-"), c.get("bad_commit", "-")
            if "-" in (good, bad) or good == bad:
                continue
            if not all(isinstance(v, str) and SAFE.match(v)
                       for v in (b.get("benchmark"), good, bad)):
                continue
            if best is None or c.get("ratio", 0) > best[0]:
                best = (c.get("ratio", 0), b.get("benchmark", ""), good, bad)
    if best is None:
        return
    _, bench, good, bad = best
    print("bench=%s\ngood=%s\nbad=%s" % (bench, good, bad))


if __name__ == "__main__":
    main()
