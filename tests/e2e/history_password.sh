#!/usr/bin/env bash
# history_password.sh - a PostgreSQL password never reaches an output: not
# the report (index.html, summary.md, logs), not the evidence bundle
# (environment.json, history.json), not an error message.  A password left
# out of the URI comes from libpq's usual places (PGPASSWORD, ~/.pgpass via
# PGPASSFILE, a service file via PGSERVICEFILE/PGSERVICE).
#
# The server: initdb + pg_ctl in a temporary folder, password (SCRAM)
# authentication, listening only on a unix socket there; as root it runs as
# the system user perfgate-test.  Without the server binaries: skipped (77).
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
GEN="$PG_SOURCE_DIR/tests/e2e/gen_results.py"
fail() { echo "FAIL: $*" >&2; exit 1; }
SECRET='Sw0rd-f1sh%21x'  # as written in the URI (percent-encoded '!')
PLAIN='Sw0rd-f1sh!x'     # as libpq and the server read it

# The percent-encoding error names the password; no server needed.
T=$(mktemp -d /tmp/pg_pw_XXXXXX)
chmod 755 "$T"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
cleanup() {
  [ -n "${started:-}" ] && $as "$bindir/pg_ctl" -D "$T/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
"$PG" history list --history "postgresql://perfgate:Bad%zzPass@localhost/x" >"$T/o" 2>"$T/e"
rc=$?
[ $rc -eq 2 ] || fail "a bad URI: exit $rc, want 2"
grep -q "Bad%zzPass\|zzPass" "$T/o" "$T/e" && fail "the error quotes the password: $(cat "$T/e")"
grep -q "postgresql" "$T/e" || fail "no error message: $(cat "$T/e")"

[ -x "$bindir/initdb" ] || { echo "skipped: no PostgreSQL server binaries" >&2; exit 77; }
as=""
if [ "$(id -u)" -eq 0 ]; then
  # another test may be adding the same user at this moment: try again
  for _ in 1 2 3 4 5; do
    id -u perfgate-test >/dev/null 2>&1 && break
    useradd --system --no-create-home --shell /usr/sbin/nologin perfgate-test 2>/dev/null || sleep 1
  done
  id -u perfgate-test >/dev/null 2>&1 || fail "cannot create the user perfgate-test"
  chown perfgate-test "$T"
  as="runuser -u perfgate-test --"
fi
printf '%s\n' "$PLAIN" >"$T/pw"
chmod 644 "$T/pw"
$as "$bindir/initdb" -D "$T/data" -A scram-sha-256 --pwfile="$T/pw" -U perfgate -E UTF8 \
  --locale=C.UTF-8 --no-sync >"$T/initdb.log" 2>&1 || { cat "$T/initdb.log"; fail "initdb"; }
$as "$bindir/pg_ctl" -D "$T/data" -l "$T/server.log" -w -t 30 \
  -o "-k $T -c listen_addresses= -F" start >/dev/null || { cat "$T/server.log"; fail "pg_ctl"; }
started=1
PGPASSWORD="$PLAIN" "$bindir/createdb" -h "$T" -U perfgate perf || fail "createdb"

URI="postgresql://perfgate:$SECRET@/perf?host=$T"
BARE="postgresql:///perf?host=$T&user=perfgate"
W="$T/work"
mkdir -p "$W/budgets" && cd "$W" || fail "cd"
python3 "$GEN" --benchmarks 4 --reps 5 --seed 1 --out r.json || fail "gen"
cat >budgets/b.json <<'JSON'
{ "version": 1, "budgets": [ { "match": "*", "absolute": { "median_real_time": "10s" } } ] }
JSON

leaks() { # files...: fail when any holds the password, encoded or not
  if grep -rlF -e "$SECRET" -e "$PLAIN" -e "Sw0rd" "$@" 2>/dev/null; then
    fail "the password reached the files above"
  fi
}

"$PG" history add r.json --history "$URI" --commit c1 >out1 2>err1 || { cat err1; fail "add (URI)"; }
# libpq's usual places when the URI has no password
PGPASSWORD="$PLAIN" "$PG" history add r.json --history "$BARE" --commit c2 >out2 2>err2 ||
  { cat err2; fail "add (PGPASSWORD)"; }
# (the files that hold the password live outside $W, which is searched)
printf '*:*:perf:perfgate:%s\n' "$PLAIN" >"$T/pgpass" && chmod 600 "$T/pgpass"
PGPASSFILE=$T/pgpass "$PG" history add r.json --history "$BARE" --commit c3 >out3 2>err3 ||
  { cat err3; fail "add (PGPASSFILE)"; }
printf '[perf]\nhost=%s\ndbname=perf\nuser=perfgate\npassword=%s\n' "$T" "$PLAIN" >"$T/service.conf"
PGSERVICEFILE=$T/service.conf "$PG" history list --history "postgresql://?service=perf" >list 2>err4 ||
  { cat err4; fail "list (PGSERVICE)"; }
[ "$(grep -c '^[0-9]' list)" -eq 3 ] || fail "the service file's history lacks runs: $(cat list)"
# without any password: refused, and said so without one
env -u PGPASSWORD "$PG" history list --history "$BARE" >out5 2>err5 && fail "no password was accepted"
grep -q "password" err5 || fail "a missing password is not said: $(cat err5)"
# a wrong one is not echoed
"$PG" history list --history "postgresql://perfgate:Sw0rdWrong@/perf?host=$T" >out6 2>err6 &&
  fail "a wrong password was accepted"

"$PG" report --history "$URI" --out rep >rep.out 2>rep.err || { cat rep.err; fail "report"; }
grep -q 'postgresql://perfgate:\*\*\*@/perf' rep/index.html || fail "index.html does not name the history"
"$PG" evidence --out ev --results r.json --budgets budgets --history "$URI" --report rep \
  >ev.out 2>ev.err || { cat ev.err; fail "evidence"; }
grep -q '"postgresql://perfgate:\*\*\*@/perf' ev/environment.json ||
  fail "environment.json does not name the history"
leaks "$W"
echo "history_password: 3 adds, list, report, evidence over SCRAM; no password in $(find "$W" -type f | wc -l) files"
