#!/usr/bin/env python3
"""oom_runs.py - the k-loop of tests/e2e/oom_failmalloc.sh.

Runs one perfgate command once clean under libpgfailmalloc.so, to count its
allocations (N), then once for every k in 1..N with the k-th allocation
failing ("one-shot"), and for every S-th k with the k-th and every later one
failing ("persistent"), as SQLite's test_malloc.c does.  Every run must end
one of two ways:

  - as the clean run did: same exit code, same stdout, same output files
    (or, for `history add`, the same rows in the history), or
  - with exit 2, a "perfgate: ..." message on stderr that says memory ran
    out, every output file that existed before either untouched or
    complete, no temporary file left behind, and the history unchanged or
    holding the whole new run, and still opening cleanly.

Never exit 0 or 1 with other verdicts, never a signal, never a hang.

usage: oom_runs.py check|history PERFGATE SHIM WORKDIR [--jobs N] [--persistent-every S]

WORKDIR holds the inputs oom_failmalloc.sh makes (head.json, base.json,
budgets/, h0.sqlite); each run gets a folder of its own under it.
PG_OOM_SHOW=N prints up to N failures (default 40).
"""
import argparse
import concurrent.futures
import os
import shutil
import sqlite3
import subprocess
import sys

SENTINEL = b"an earlier report, to be kept whole or replaced whole\n"
OUTPUTS = ("j.xml", "m.md", "v.json")


def run(cmd, cwd, env_extra, timeout=30):
    env = dict(os.environ)
    env.update(env_extra)
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


class Scenario:
    """What one command needs: where it runs, how a run is judged."""

    def __init__(self, what, pg, shim, work):
        self.pg, self.shim, self.work = pg, shim, work
        self.runs = os.path.join(work, what)  # one folder a run under it

    def shim_env(self, k, persist, count_file):
        env = {"LD_PRELOAD": self.shim, "PG_FAILMALLOC_COUNT_FILE": count_file}
        if k:
            env["PG_FAILMALLOC_AT"] = str(k)
        if persist:
            env["PG_FAILMALLOC_PERSIST"] = "1"
        return env

    def one(self, k, persist):
        """Runs with allocation k failing; returns (problem or None, failed count)."""
        d = os.path.join(self.runs, "%s%d" % ("p" if persist else "k", k))
        os.makedirs(d)
        try:
            self.prepare(d)
            cnt = os.path.join(d, "count")
            try:
                rc, out, err = run(self.command(d), d, self.shim_env(k, persist, cnt))
            except subprocess.TimeoutExpired:
                return "hung (killed after 30 s)", 1
            counts = read(cnt)
            failed = int(counts.split()[1]) if counts else 1
            problem = self.judge(d, rc, out, err, failed, k, persist)
            if problem:
                problem += "\n  stderr: " + err.decode(errors="replace").strip()[-600:]
            return problem, failed
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def clean(self):
        d = os.path.join(self.runs, "clean")
        os.makedirs(d)
        self.prepare(d)
        cnt = os.path.join(d, "count")
        rc, out, err = run(self.command(d), d, self.shim_env(0, False, cnt))
        self.rc, self.out = rc, out
        self.record_clean(d)
        n = int(read(cnt).split()[0])
        return rc, n, err

    def common(self, rc, out, err, failed):
        if rc < 0:
            return "killed by signal %d" % -rc
        if rc == self.rc:
            if out != self.out:
                return "exit %d as the clean run, but stdout differs" % rc
            return None
        if rc != 2:
            return "exit %d (clean run: %d)" % (rc, self.rc)
        if failed == 0:
            return "exit 2, yet no allocation was failed"
        text = err.decode(errors="replace")
        if not text.startswith("perfgate: ") or "memory" not in text:
            return "exit 2 without an out-of-memory message"
        return None


class Check(Scenario):
    """perfgate check, every output, with a baseline, relative and absolute
    limits, an active and an expired waiver."""

    def command(self, d):
        w = self.work
        return [self.pg, "check", "--results", w + "/head.json", "--baseline", w + "/base.json",
                "--budgets", w + "/budgets", "--today", "2026-06-01", "--color", "never",
                "--junit", "j.xml", "--markdown", "m.md", "--json", "v.json"]

    def prepare(self, d):
        for name in OUTPUTS:
            with open(os.path.join(d, name), "wb") as f:
                f.write(SENTINEL)

    def record_clean(self, d):
        self.files = {name: read(os.path.join(d, name)) for name in OUTPUTS}

    def judge(self, d, rc, out, err, failed, k, persist):
        problem = self.common(rc, out, err, failed)
        if problem:
            return problem
        left = sorted(set(os.listdir(d)) - set(OUTPUTS) - {"count"})
        if left:
            return "exit %d left %s behind" % (rc, ", ".join(left))
        for name in OUTPUTS:
            got = read(os.path.join(d, name))
            if got == self.files[name]:
                continue
            if rc == 2 and got == SENTINEL:
                continue
            return "exit %d: %s is %s" % (rc, name, "missing" if got is None else
                                          "neither the old file nor the clean run's")
        return None


def snapshot(path):
    """The history's rows, every table, in a fixed order; the run's
    timestamp left out (each run records its own); a string saying what is
    wrong when it cannot be read."""
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    except sqlite3.Error as e:
        return "cannot open: %s" % e
    try:
        ok = db.execute("PRAGMA integrity_check").fetchall()
        if ok != [("ok",)]:
            return "integrity_check: %r" % (ok,)
        snap = {"version": db.execute("PRAGMA user_version").fetchone()[0]}
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                  " ORDER BY name"):
            cols = [c[1] for c in db.execute("PRAGMA table_info(%s)" % name)
                    if not (name == "runs" and c[1] == "created")]
            rows = db.execute("SELECT %s FROM %s" % (", ".join(cols), name)).fetchall()
            snap[name] = sorted(rows, key=repr)
        return snap
    except sqlite3.Error as e:
        return "cannot read: %s" % e
    finally:
        db.close()


class HistoryAdd(Scenario):
    """perfgate history add, with budgets and a baseline, into a history
    that holds an earlier run."""

    def command(self, d):
        w = self.work
        return [self.pg, "history", "add", w + "/head.json", "--budgets", w + "/budgets",
                "--baseline", w + "/base.json", "--commit", "c1", "--branch", "oom",
                "--history", "h.sqlite"]

    def prepare(self, d):
        shutil.copy(os.path.join(self.work, "h0.sqlite"), os.path.join(d, "h.sqlite"))

    def record_clean(self, d):
        self.before = snapshot(os.path.join(self.work, "h0.sqlite"))
        self.after = snapshot(os.path.join(d, "h.sqlite"))
        assert self.before != self.after, "the clean run recorded nothing"

    def judge(self, d, rc, out, err, failed, k, persist):
        problem = self.common(rc, out, err, failed)
        if problem:
            return problem
        snap = snapshot(os.path.join(d, "h.sqlite"))
        if isinstance(snap, str):
            return "exit %d: the history is damaged: %s" % (rc, snap)
        if snap == self.after:
            pass
        elif snap == self.before and rc == 2:
            pass
        else:
            return "exit %d: the history holds %s" % (
                rc, "no new run" if snap == self.before else "a partial or different run")
        # ... and perfgate itself still opens it.  Each perfgate process costs
        # ~12 ms of CPU just to start (30 shared libraries), so this is done
        # after one run in ten of each kind; integrity_check above covers
        # all of them.
        if (k - 1) % 10 == 0:
            lrc, _, lerr = run([self.pg, "history", "list", "--history", "h.sqlite"], d, {})
            if lrc != 0:
                return "exit %d: history list then failed: %s" % (rc, lerr.decode(errors="replace"))
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["check", "history"])
    ap.add_argument("perfgate")
    ap.add_argument("shim")
    ap.add_argument("work")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--persistent-every", type=int, default=10, metavar="S",
                    help="persistent runs for every S-th k (0: none); one-shot runs every k")
    a = ap.parse_args()
    sc = (Check if a.what == "check" else HistoryAdd)(a.what, a.perfgate, a.shim, a.work)
    rc, n, err = sc.clean()
    if rc not in (0, 1):
        sys.exit("%s: the clean run exited %d: %s" % (a.what, rc, err.decode(errors="replace")))
    todo = [(k, False) for k in range(1, n + 1)]
    if a.persistent_every > 0:
        todo += [(k, True) for k in range(1, n + 1, a.persistent_every)]
    runs, fired, problems = 0, 0, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        futures = {pool.submit(sc.one, k, persist): (k, persist) for k, persist in todo}
        for fut in concurrent.futures.as_completed(futures):
            k, persist = futures[fut]
            problem, failed = fut.result()
            runs += 1
            fired += failed > 0
            if problem:
                problems.append((persist, k, problem))
    problems.sort()
    limit = int(os.environ.get("PG_OOM_SHOW", "40"))
    for persist, k, problem in problems[:limit]:
        print("FAIL: %s, allocation %d%s: %s" % (a.what, k, " and after" if persist else "",
                                                 problem), file=sys.stderr)
    every = "every k" if a.persistent_every == 1 else "every %dth k" % a.persistent_every
    print("%s: clean run exit %d, %d allocations; %d runs (the k-th failing for every k in 1..%d,"
          " the k-th and all after it for %s), %d with a failure injected, %d wrong"
          % (a.what, rc, n, runs, n, every, fired, len(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
