#!/usr/bin/env bash
# ci_workflows.sh - the GitHub workflows in .github/workflows/ are what a
# user would run as they are: each parses as YAML with jobs, runners and
# steps; every perfgate subcommand and option, tpbench option, make target
# and script they call exists in this tree (checked against --help, the
# Makefile and the files); and the nightly's shard -> merge -> gate ->
# record/report -> change points steps run here, verbatim, on real tpbench
# shards.
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
python3 -c "import yaml" 2>/dev/null || fail "python3-yaml is missing (scripts/deps.sh installs it)"

python3 - "$PG_SOURCE_DIR" "$PG_BUILD_DIR" "$T" <<'PY' || fail "workflow checks"
import glob, os, re, shlex, subprocess, sys, yaml

src, build, tmp = sys.argv[1:]
pg = os.path.join(build, "cli", "perfgate")
tb = os.path.join(build, "bench", "tpbench")
errors = []

def helptext(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    return p.returncode, p.stdout

rc, top = helptext([pg, "--help"])
subcommands = set(re.findall(r"^  ([a-z][a-z-]*)\s", top, re.M))
assert {"check", "merge", "evidence", "ab"} <= subcommands, subcommands
_, tphelp = helptext([tb, "--help"])
make_targets = set(re.findall(r"^([a-z][\w-]*):", open(os.path.join(src, "Makefile")).read(), re.M))
# subcommands with their own subcommands
nested = {"history": {"add", "list", "show", "prune", "changes"}, "baseline": {"update", "show", "export"},
          "budgets": {"lint"}, "evidence": {"verify"}}

def options_of(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-z])\b", text))

def check_command(words, where):
    exe = os.path.basename(words[0])
    if exe == "perfgate":
        if len(words) < 2 or words[1] not in subcommands:
            errors.append("%s: 'perfgate %s' is not a perfgate command" % (where, " ".join(words[1:2])))
            return
        code, text = helptext([pg, words[1], "--help"])
        if code != 0:
            errors.append("%s: perfgate %s --help exits %d" % (where, words[1], code))
        if words[1] in nested:
            sub = words[2] if len(words) > 2 else ""
            # evidence writes a bundle with options alone; the others need a subcommand
            optional = words[1] == "evidence" and (sub == "" or sub.startswith("-"))
            if not optional and sub not in nested[words[1]]:
                errors.append("%s: 'perfgate %s %s': no such subcommand" % (where, words[1], sub))
        known = options_of(text)
        for w in words[2:]:
            opt = w.split("=", 1)[0]
            if opt.startswith("-") and opt not in known:
                # ab passes tpbench's options on
                if words[1] == "ab" and (opt in options_of(tphelp) or opt.startswith("--benchmark_")):
                    continue
                errors.append("%s: perfgate %s has no option '%s'" % (where, words[1], opt))
    elif exe == "tpbench":
        known = options_of(tphelp)
        for w in words[1:]:
            opt = w.split("=", 1)[0]
            if opt.startswith("-") and opt not in known and not opt.startswith("--benchmark_"):
                errors.append("%s: tpbench has no option '%s'" % (where, opt))
    elif exe == "make":
        for w in words[1:]:
            if not w.startswith("-") and "=" not in w and w not in make_targets:
                errors.append("%s: make target '%s' is not in the Makefile" % (where, w))

def commands(run):
    """Simple commands of a run script (continuations joined, split at ; && || | and newlines)."""
    text = run.replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
        for part in re.split(r"&&|\|\||;|\|", line):
            part = part.strip()
            if not part:
                continue
            try:
                words = shlex.split(part)
            except ValueError:
                continue
            while words and ("=" in words[0] and not words[0].startswith("-")) or words[:1] in (["if"], ["then"], ["!"], ["do"]):
                words = words[1:]
            if words:
                yield words

workflows = sorted(glob.glob(os.path.join(src, ".github", "workflows", "*.yml")))
names = {os.path.basename(w) for w in workflows}
for need in ("pr-gate.yml", "nightly.yml", "release.yml"):
    if need not in names:
        errors.append("missing workflow %s" % need)
steps_by = {}
for wf in workflows:
    base = os.path.basename(wf)
    doc = yaml.safe_load(open(wf))
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    if not on:
        errors.append("%s: no 'on' triggers" % base)
    if not doc.get("jobs"):
        errors.append("%s: no jobs" % base)
        continue
    for jname, job in doc["jobs"].items():
        if "runs-on" not in job:
            errors.append("%s: job %s has no runs-on" % (base, jname))
        for need in job.get("needs", []) if isinstance(job.get("needs"), list) else [job.get("needs")] if job.get("needs") else []:
            if need not in doc["jobs"]:
                errors.append("%s: job %s needs unknown job %s" % (base, jname, need))
        for i, step in enumerate(job.get("steps", [])):
            where = "%s: %s step %d (%s)" % (base, jname, i + 1, step.get("name", step.get("uses", "")))
            if ("run" in step) == ("uses" in step):
                errors.append("%s: a step needs exactly one of run/uses" % where)
            if "uses" in step and not re.match(r"^[\w.-]+/[\w./-]+@v\d+$", step["uses"]):
                errors.append("%s: action '%s' is not pinned to a major version" % (where, step["uses"]))
            if "run" in step:
                steps_by[(base, jname, step.get("name"))] = step
                for words in commands(step["run"]):
                    check_command(words, where)
                for path in re.findall(r"(?:\./)?(?:head/)?(scripts/[\w./-]+)", step["run"]):
                    if not os.path.exists(os.path.join(src, path)):
                        errors.append("%s: %s does not exist" % (where, path))

# The PR gate: ab when this tree has it, a summary, one marked comment, artifacts, failure.
pr = open(os.path.join(src, ".github", "workflows", "pr-gate.yml")).read()
for needle in ("perfgate ab --base", "GITHUB_STEP_SUMMARY", "<!-- perfgate-pr-gate -->",
               "updateComment", "actions/upload-artifact", "Fail on a failed gate"):
    if needle not in pr:
        errors.append("pr-gate.yml lacks %s" % needle)
nightly = yaml.safe_load(open(os.path.join(src, ".github", "workflows", "nightly.yml")))
shards = nightly["jobs"]["shard"]["strategy"]["matrix"]["suite"]
suites = [s for shard in shards for s in shard.split(",")]
# The relative budgets divide by the calibration of the same run: the suites
# they cover must share one shard (one machine) with the calibration suite.
for need in ("indicators", "pipeline"):
    if not any(need in shard.split(",") and "calibration" in shard.split(",") for shard in shards):
        errors.append("nightly: %s does not run in the calibration's shard: %s" % (need, shards))
declared = re.search(r"one of ([a-z, ]+)", subprocess.run([tb, "--suite=nosuch"], capture_output=True,
                                                           text=True).stderr)
if declared:
    all_suites = {s.strip() for s in declared.group(1).split(",")}
    if not all_suites <= set(suites):
        errors.append("nightly matrix %s leaves out suites of %s" % (suites, sorted(all_suites)))
    # only what this build's tpbench has runs here (gpu may be absent from a build)
    shards = [",".join(s for s in shard.split(",") if s in all_suites) for shard in shards]
    shards = [s for s in shards if s]

if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)

# Write out the nightly steps that run here, verbatim, for the shell below.
for key, fname in ((("nightly.yml", "shard", "Run the shard"), "shard.sh"),
                   (("nightly.yml", "gate", "Merge the shards"), "merge.sh"),
                   (("nightly.yml", "gate", "Gate"), "gate.sh"),
                   (("nightly.yml", "gate", "Record and report"), "record.sh"),
                   (("nightly.yml", "gate", "Change points"), "changes.sh")):
    step = steps_by[key]
    if "${{" in step["run"]:
        print("%s: %s uses a ${{ }} expression; pass it through env" % key[:3], file=sys.stderr)
        sys.exit(1)
    open(os.path.join(tmp, fname), "w").write(step["run"])
open(os.path.join(tmp, "suites"), "w").write("\n".join(shards))
open(os.path.join(tmp, "all_suites"), "w").write("\n".join(sorted({s for sh in shards for s in sh.split(",")})))
PY

# The nightly, here: shards (fast settings) -> merge -> gate -> record/report.
W="$T/ws"
mkdir -p "$W"
ln -s "$(cd "$PG_BUILD_DIR" && pwd)" "$W/build"
ln -s "$(cd "$PG_SOURCE_DIR" && pwd)/budgets" "$W/budgets"
ln -s "$(cd "$PG_SOURCE_DIR" && pwd)/scripts" "$W/scripts"
export GITHUB_OUTPUT="$T/github_output" GITHUB_STEP_SUMMARY="$T/step_summary"
export GATE_REPETITIONS=10 GATE_MIN_TIME=0.001 TPBENCH_ARGS="--profile=hot"
: >"$GITHUB_OUTPUT"
# every shard of the matrix, but at one size a suite to keep this short
for s in $(cat "$T/suites"); do
    args="--profile=hot"
    case ",$s," in *,indicators,*|*,pipeline,*) args="--profile=hot --benchmark_filter=^(calibration/|indicators/.+/4096$|pipeline/.+/10000$)" ;; esac
    [ "$s" = gpu ] && args="--profile=hot --size=65536"
    (cd "$W" && SUITE=$s TPBENCH_ARGS="$args" bash -e "$T/shard.sh") >"$T/shard.log" 2>&1 \
        || { cat "$T/shard.log" >&2; fail "nightly shard $s"; }
    [ -s "$W/shards/${s//,/-}.json" ] || fail "shard $s wrote nothing"
    grep -q "^name=${s//,/-}$" "$GITHUB_OUTPUT" || fail "shard $s did not set its name output"
done
(cd "$W" && bash -e "$T/merge.sh") >"$T/merge.log" 2>&1 || { cat "$T/merge.log" >&2; fail "nightly merge"; }
python3 - "$W/perfgate-out/results.json" $(cat "$T/all_suites") <<'PY' || fail "merged results lack a suite"
import json, sys
d = json.load(open(sys.argv[1]))
got = {n.split("/")[0] for n in d["perfgate"]["benchmarks"]}
assert got == set(sys.argv[2:]), (got, sys.argv[2:])
PY
(cd "$W" && bash -e "$T/gate.sh") >"$T/gate.log" 2>&1
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || { cat "$T/gate.log" >&2; fail "nightly gate step exits $rc"; }
grep -q "^rc=[01]$" "$GITHUB_OUTPUT" || fail "gate step did not set its rc output"
for f in verdict.json summary.md junit.xml; do [ -s "$W/perfgate-out/$f" ] || fail "gate wrote no $f"; done
(cd "$W" && bash -e "$T/record.sh") >"$T/record.log" 2>&1 || { cat "$T/record.log" >&2; fail "nightly record/report"; }
[ -s "$W/perfgate-out/history.sqlite" ] || fail "no history"
[ -s "$W/perfgate-out/out/index.html" ] || fail "no report"
[ -s "$GITHUB_STEP_SUMMARY" ] || fail "no step summary"
# change points over the one-run history: none, and nothing for the bisect job
(cd "$W" && bash -e "$T/changes.sh") >"$T/changes.log" 2>&1 || { cat "$T/changes.log" >&2; fail "nightly change points"; }
[ -s "$W/perfgate-out/changes.json" ] || fail "no changes.json"
grep -q "^bench=" "$GITHUB_OUTPUT" && fail "a one-run history started a bisect"
grep -q "Change points" "$GITHUB_STEP_SUMMARY" || fail "change points not in the summary"
echo "ci_workflows: ok"
