#!/usr/bin/env python3
"""gh_annotations.py - GitHub annotations for the failing verdicts of a gate.

Reads the verdicts `perfgate check --json` or `perfgate ab --json` wrote and
prints one workflow command a failing verdict, so the pull request shows
each failure on the budget line that set its limit:

    ::error file=budgets/default.json,line=42,title=regression: sma/...::+12 % ...

Warnings (severity "warn") become ::warning.  Every field is escaped as
GitHub's workflow-command rules ask (data: % CR LF; properties also : and ,),
so a hostile benchmark name cannot end the command early or start another
(a name holding "\\n::set-output" stays one line of data).  Budget paths are
made relative to --root (the checkout) so that GitHub can place them.

usage: gh_annotations.py VERDICT.json [--root DIR] [--max N]
exit status: 0 printed (also when nothing failed), 2 unreadable input.
"""
import argparse
import json
import os
import sys


def esc_data(s):
    return str(s).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def esc_prop(s):
    return esc_data(s).replace(":", "%3A").replace(",", "%2C")


def rows(doc):
    """(name, verdict, fails, warn, owner, file, line, note) for check's and ab's JSON."""
    if isinstance(doc.get("verdicts"), list):  # perfgate check --json
        for v in doc["verdicts"]:
            yield (v.get("benchmark", "?"), "%s (%s)" % (v.get("verdict", "?"), v.get("metric", "?")),
                   bool(v.get("fails")), bool(v.get("warn")), v.get("owner"),
                   v.get("budget_file"), v.get("budget_line"), v.get("note", ""))
    elif isinstance(doc.get("benchmarks"), list):  # perfgate ab --json
        for v in doc["benchmarks"]:
            yield (v.get("benchmark", "?"), v.get("verdict", "?"), bool(v.get("fails")), False,
                   v.get("owner"), v.get("budget_file"), v.get("budget_line"), v.get("note", ""))
    else:
        raise ValueError("neither 'verdicts' (perfgate check) nor 'benchmarks' (perfgate ab)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("verdicts")
    ap.add_argument("--root", default=".", help="the checkout the budget paths are relative to")
    ap.add_argument("--max", type=int, default=50, help="at most this many annotations (GitHub shows 10 a step)")
    a = ap.parse_args()
    try:
        with open(a.verdicts, encoding="utf-8") as f:
            doc = json.load(f)
        items = list(rows(doc))
    except (OSError, ValueError) as e:
        print("gh_annotations: %s: %s" % (a.verdicts, e), file=sys.stderr)
        return 2
    root = os.path.realpath(a.root)
    shown = 0
    for name, verdict, fails, warn, owner, bfile, bline, note in items:
        if not (fails or warn):
            continue
        if shown == a.max:
            print("::warning::%s" % esc_data("%d more failing verdicts: see the job summary"
                                              % (sum(1 for r in items if r[2] or r[3]) - shown)))
            break
        props = []
        if bfile:
            path = os.path.realpath(bfile)
            props.append("file=" + esc_prop(os.path.relpath(path, root) if path.startswith(root + os.sep)
                                            else bfile))
            if isinstance(bline, int) and bline > 0:
                props.append("line=%d" % bline)
        props.append("title=" + esc_prop("%s %s" % (verdict, name)))
        msg = "%s: %s" % (name, note) if note else name
        if owner:
            msg += " (owner: %s)" % owner
        print("::%s %s::%s" % ("error" if fails else "warning", ",".join(props), esc_data(msg)))
        shown += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
