#!/usr/bin/env python3
"""gen.py - (re)writes docs/man/*.1 from the programs' own --help text.

    python3 docs/man/gen.py BUILD_DIR

One page per subcommand listed by `perfgate --help` (perfgate-<name>.1),
perfgate.1 for the command, tpbench.1 for the benchmark program.  The help
text is the single source of truth for options; this script adds the man
sections around it (NAME, SYNOPSIS, DESCRIPTION, EXIT STATUS, SEE ALSO).
tests/e2e/ci_man_pages.sh fails when a page is missing or its synopsis no
longer matches --help: run this script and commit the pages.
"""
import os
import re
import subprocess
import sys

DATE = "2026-11-26"
EXIT = {
    "default": "0 success or the gate passed, 1 the gate failed, 2 bad input, bad usage or trouble.",
}


def esc(line):
    line = line.replace("\\", "\\e").replace("-", "\\-")
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def helptext(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("gen.py: %s exited %d" % (" ".join(argv), p.returncode))
    return p.stdout


def page(name, summary, text, see):
    usage, _, rest = text.partition("\n\n")
    out = ['.TH %s 1 "%s" "perfgate" "perfgate manual"' % (name.upper().replace("-", "\\-"), DATE),
           ".SH NAME", "%s \\- %s" % (esc(name), esc(summary)), ".SH SYNOPSIS", ".nf"]
    for line in usage.splitlines():
        out.append(esc(re.sub(r"^(usage:|      ) ", "", line, count=1).rstrip()))
    out += [".fi", ".SH DESCRIPTION", ".nf"]
    for line in rest.rstrip().splitlines():
        out.append(esc(line.rstrip()))
    out += [".fi"]
    if "exit status" not in rest:
        out += [".SH EXIT STATUS", EXIT["default"]]
    out += [".SH SEE ALSO", ", ".join("\\fB%s\\fR(1)" % esc(s) for s in see)]
    return "\n".join(out) + "\n"


def main():
    build = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    pg = os.path.join(build, "cli", "perfgate")
    top = helptext([pg, "--help"])
    cmds = re.findall(r"^  (\w[\w-]*)\s+(.*)$", top, re.M)
    names = [c for c, _ in cmds]
    for cmd, summary in cmds:
        text = helptext([pg, cmd, "--help"]) if cmd != "version" else \
            "usage: perfgate version\n\nPrints perfgate's version (also: perfgate --version).\n"
        see = ["perfgate"] + ["perfgate-" + c for c in names if c != cmd][:4]
        with open(os.path.join(here, "perfgate-%s.1" % cmd), "w") as f:
            f.write(page("perfgate-" + cmd, summary, text, see))
    with open(os.path.join(here, "perfgate.1"), "w") as f:
        f.write(page("perfgate", "performance-budget gate: check, compare, record and report "
                     "benchmark runs", top + "\nDocumentation: docs/ in the source tree "
                     "(README.md, docs/budgets.md, docs/ci.md).\n",
                     ["perfgate-" + c for c in names] + ["tpbench"]))
    tp = helptext([os.path.join(build, "bench", "tpbench"), "--help"])
    with open(os.path.join(here, "tpbench.1"), "w") as f:
        f.write(page("tpbench", "run perfgate's benchmark suites on Google Benchmark", tp,
                     ["perfgate", "perfgate-check", "perfgate-merge"]))


if __name__ == "__main__":
    main()
