#!/usr/bin/env python3
"""gen.py - (re)writes docs/man/*.1 from the programs' own --help text.

    python3 docs/man/gen.py BUILD_DIR

One page per subcommand listed by `perfgate --help` (perfgate-<name>.1),
perfgate.1 for the command, tpbench.1 for the benchmark program.  The help
text is the single source of truth for the synopsis, the description, the
options and the exit status: this script splits it into NAME, SYNOPSIS,
DESCRIPTION, OPTIONS and EXIT STATUS, and adds ENVIRONMENT, FILES and
EXAMPLES from the tables below (what --help has no room for).
tests/e2e/ci_man_pages.sh fails when a page is missing, lacks a section, or
its synopsis no longer matches --help: run this script and commit the pages.
"""
import os
import re
import subprocess
import sys

DATE = "2026-12-07"
HISTORY_ENV = [("PERFGATE_HISTORY", "the history used when --history is not given "
                "(default perfgate-out/history.sqlite)")]
HISTORY_FILE = [("perfgate-out/history.sqlite", "the default history (SQLite)")]
COLOR_ENV = [("NO_COLOR", "when set, no colour on a terminal (--color auto)")]
GITHUB_LINKS = [("GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_RUN_ID",
                 "link the commit and the CI run from the page (GitHub Actions sets them)"),
                ("GITHUB_REF, PERFGATE_PR",
                 "the pull request to link: refs/pull/N/merge, or the number itself")]

# Per page: environment variables, files, and examples (command, what it does).
EXTRA = {
    "perfgate": {
        "env": HISTORY_ENV + COLOR_ENV,
        "files": HISTORY_FILE + [("perfgate-out/", "what make gate writes: results, verdicts, "
                                  "history, report, logs")],
        "examples": [("perfgate check --results R.json --budgets budgets/", "gate a run"),
                     ("perfgate help check", "the help of one command")],
    },
    "check": {
        "env": COLOR_ENV,
        "files": [("budgets/default.json", "the default budgets (docs/budgets.md)")],
        "examples": [("perfgate check --results R.json --budgets budgets/ --baseline B.json "
                      "--junit junit.xml --markdown summary.md",
                      "judge a run against the budgets and a baseline, with JUnit and Markdown")],
    },
    "compare": {
        "env": COLOR_ENV,
        "examples": [("perfgate compare main.json branch.json",
                      "medians, ratios and p-values of two runs side by side")],
    },
    "compute": {
        "examples": [("perfgate compute ema --input prices.csv --param windows=20 --output ema.csv",
                      "one kernel on a CSV file")],
    },
    "budgets": {
        "files": [("budgets/schema.json", "the budget files' JSON schema")],
        "examples": [("perfgate budgets lint budgets/", "lint every budget file of a folder")],
    },
    "history": {
        "env": HISTORY_ENV + [("GITHUB_REF_NAME", "the branch recorded when --branch is not given")],
        "files": HISTORY_FILE,
        "examples": [("perfgate history add R.json --budgets budgets/", "record a run with its "
                      "verdicts"),
                     ("perfgate history list --limit 5", "the newest five runs")],
    },
    "baseline": {
        "env": HISTORY_ENV + [("PERFGATE_USER, GITHUB_ACTOR, USER",
                               "who moved the baseline, when --who is not given")],
        "files": HISTORY_FILE,
        "examples": [("perfgate baseline update --from R.json --reason \"release 1.2\"",
                      "make R.json the baseline, with why"),
                     ("perfgate baseline export --out B.json", "the baseline as a --baseline file")],
    },
    "report": {
        "env": HISTORY_ENV + GITHUB_LINKS,
        "files": HISTORY_FILE + [("perfgate-out/out/index.html", "the page"),
                                 ("perfgate-out/out/summary.md", "the Markdown summary"),
                                 ("perfgate-out/out/charts/", "the charts (SVG and PNG)")],
        "examples": [("perfgate report --runs 50 --markdown >> \"$GITHUB_STEP_SUMMARY\"",
                      "the newest 50 runs, and the summary for the job's page")],
    },
    "ab": {
        "env": COLOR_ENV + [("TMPDIR", "where the temporary work folder goes (without --workdir)")],
        "examples": [("perfgate ab --base old/tpbench --head new/tpbench --rounds 20 "
                      "--suite=indicators --profile=hot",
                      "20 interleaved rounds of two builds, judged on paired ratios")],
    },
    "profile": {
        "env": [("TMPDIR", "where callgrind's output is written")],
        "examples": [("perfgate profile indicators/ema/hot/cpu/65536 --head build/bench/tpbench",
                      "instructions per function of one benchmark")],
    },
    "bisect": {
        "examples": [("perfgate bisect --good v1.2 --bad main --bench indicators/sma/hot/cpu/65536 "
                      "--build 'cmake -S {src} -B {out}' --build 'cmake --build {out} --target tpbench' "
                      "--program '{out}/bench/tpbench'",
                      "the first commit that slowed SMA, each step a paired perfgate ab"),
                     ("perfgate bisect ... --mode instructions",
                      "the same on instruction counts: no noise, one round a step")],
    },
    "merge": {
        "examples": [("perfgate merge shard1.json shard2.json -o all.json",
                      "join sharded runs of one machine")],
    },
    "evidence": {
        "env": HISTORY_ENV,
        "examples": [("perfgate evidence verify bundle/", "check a release bundle's manifest")],
    },
    "version": {
        "examples": [("perfgate version", "prints e.g. perfgate 0.1.0")],
    },
    "tpbench": {
        "env": [("PERFGATE_GIT_COMMIT", "the commit recorded in the results' perfgate block")],
        "examples": [("tpbench --suite=indicators --profile=hot --out=R.json",
                      "the hot indicator benchmarks, with the perfgate block")],
    },
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


def split_help(text):
    """usage lines, description lines, [(option label, help lines)], more
    lines, exit status text."""
    usage, _, rest = text.partition("\n\n")
    desc, opts, more, exit_status = [], [], [], ""
    lines = rest.rstrip().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^  (-\S.*?)(?:\s{2,}(.*))?$", line)
        if m:
            label, first = m.group(1).strip(), (m.group(2) or "").strip()
            body = [first] if first else []
            i += 1
            while i < len(lines) and re.match(r"^\s{4,}\S", lines[i]) and \
                    not re.match(r"^  -", lines[i]):
                body.append(lines[i].strip())
                i += 1
            opts.append((label, body))
            continue
        if line.startswith("exit status:"):
            exit_status = line[len("exit status:"):].strip()
            i += 1
            while i < len(lines) and lines[i].strip():
                exit_status += " " + lines[i].strip()
                i += 1
            continue
        (more if opts else desc).append(line.rstrip())
        i += 1
    return usage, desc, opts, more, exit_status


def paragraph(lines):
    """The help's own line breaks (tables of kernels, commands) are kept."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return [".nf"] + [esc(line.rstrip()) for line in lines] + [".fi"] if lines else []


def page(name, summary, text, see, extra):
    usage, desc, opts, more, exit_status = split_help(text)
    out = ['.TH %s 1 "%s" "perfgate" "perfgate manual"' % (name.upper().replace("-", "\\-"), DATE),
           ".SH NAME", "%s \\- %s" % (esc(name), esc(summary)), ".SH SYNOPSIS", ".nf"]
    for line in usage.splitlines():
        out.append(esc(re.sub(r"^(usage:|      ) ", "", line, count=1).rstrip()))
    out += [".fi", ".SH DESCRIPTION"]
    body = paragraph(desc + ([""] if desc and more else []) + more)
    out += body if body else [esc(summary[0].upper() + summary[1:]) + "."]
    if opts:
        out.append(".SH OPTIONS")
        for label, help_lines in opts:
            out += [".TP", "\\fB%s\\fR" % esc(label), esc(" ".join(help_lines)) or "(no help)"]
    out += [".SH EXIT STATUS", esc(exit_status) if exit_status else
            "0 success, 2 bad input or usage."]
    for section, key, font, none in (
            ("ENVIRONMENT", "env", "B", "No environment variable changes what this command does."),
            ("FILES", "files", "I", "Only the files named on the command line.")):
        out.append(".SH " + section)
        for item, what in extra.get(key, []):
            out += [".TP", "\\f%s%s\\fR" % (font, esc(item)), esc(what)]
        if not extra.get(key):
            out.append(none)
    out.append(".SH EXAMPLES")
    for cmd, what in extra.get("examples", []):
        out += [".PP", esc(what) + ":", ".PP", ".RS", ".nf", esc(cmd), ".fi", ".RE"]
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
            "usage: perfgate version\n\nPrints perfgate's version (also: perfgate --version).\n" \
            "\nexit status: 0\n"
        see = ["perfgate"] + ["perfgate-" + c for c in names if c != cmd][:4]
        with open(os.path.join(here, "perfgate-%s.1" % cmd), "w") as f:
            f.write(page("perfgate-" + cmd, summary, text, see, EXTRA.get(cmd, {})))
    # the command list as options-like entries is DESCRIPTION text: indent it
    top_text = top.replace("\ncommands:\n", "\nCommands:\n") + \
        "\nDocumentation: docs/ in the source tree (README.md, docs/budgets.md, docs/ci.md).\n"
    with open(os.path.join(here, "perfgate.1"), "w") as f:
        f.write(page("perfgate", "performance-budget gate: check, compare, record and report "
                     "benchmark runs", top_text,
                     ["perfgate-" + c for c in names] + ["tpbench"], EXTRA["perfgate"]))
    tp = helptext([os.path.join(build, "bench", "tpbench"), "--help"])
    with open(os.path.join(here, "tpbench.1"), "w") as f:
        f.write(page("tpbench", "run perfgate's benchmark suites on Google Benchmark", tp,
                     ["perfgate", "perfgate-check", "perfgate-merge"], EXTRA["tpbench"]))


if __name__ == "__main__":
    main()
