#!/usr/bin/env bash
# history_readonly.sh - a history one may read but not write: `history
# list/show`, `report`, `baseline show/export` and `evidence --history` all
# work on a read-only SQLite file in a read-only folder (and on a read-only
# file in a writable one), change nothing (same bytes, no -wal/-shm left),
# and a missing history is an error that creates nothing.  Writers (`history
# add`) fail with exit 2.
#
# Permissions do not bind root, so as root the readers run as the system
# user perfgate-test (created when missing).
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
GEN="$PG_SOURCE_DIR/tests/e2e/gen_results.py"
T=$(mktemp -d)
trap 'chmod -R u+w "$T"; rm -rf "$T"' EXIT
chmod 755 "$T"
cd "$T" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }
as=()
if [ "$(id -u)" -eq 0 ]; then
  # another test may be adding the same user at this moment: try again
  for _ in 1 2 3 4 5; do
    id -u perfgate-test >/dev/null 2>&1 && break
    useradd --system --no-create-home --shell /usr/sbin/nologin perfgate-test 2>/dev/null || sleep 1
  done
  id -u perfgate-test >/dev/null 2>&1 || fail "cannot create the user perfgate-test"
  as=(runuser -u perfgate-test --)
fi
reader() { "${as[@]}" "$PG" "$@"; }

python3 "$GEN" --benchmarks 4 --reps 5 --seed 1 --out r1.json || fail "gen"
python3 "$GEN" --benchmarks 4 --reps 5 --seed 2 --out r2.json || fail "gen"
mkdir -p ro budgets out
cat >budgets/b.json <<'JSON'
{ "version": 1, "budgets": [ { "match": "*", "absolute": { "median_real_time": "10s" } } ] }
JSON
"$PG" history add r1.json --history ro/h.sqlite --commit c1 >/dev/null || fail "add"
"$PG" baseline update --from r2.json --reason "release" --history ro/h.sqlite >/dev/null ||
  fail "baseline update"
[ -n "${as[*]}" ] && chown perfgate-test out
chmod 444 ro/h.sqlite
chmod 555 ro
before=$(sha256sum ro/h.sqlite)

readers() { # what: every read-only command on ro/h.sqlite
  local what=$1
  reader history list --history ro/h.sqlite >out/list 2>out/err || { cat out/err; fail "$what: history list"; }
  [ "$(grep -c '^[0-9]' out/list)" -eq 2 ] || fail "$what: list: $(cat out/list)"
  reader history show --history ro/h.sqlite >out/show 2>out/err || { cat out/err; fail "$what: history show"; }
  reader baseline show --history ro/h.sqlite >out/bshow 2>out/err || { cat out/err; fail "$what: baseline show"; }
  grep -q "reason: release" out/bshow || fail "$what: baseline show: $(cat out/bshow)"
  reader baseline export --out out/b.json --history ro/h.sqlite >/dev/null 2>out/err ||
    { cat out/err; fail "$what: baseline export"; }
  rm -rf out/rep
  reader report --history ro/h.sqlite --out out/rep >/dev/null 2>out/err || { cat out/err; fail "$what: report"; }
  [ -s out/rep/index.html ] || fail "$what: no report"
  rm -rf out/ev
  reader evidence --out out/ev --results r1.json --budgets budgets --history ro/h.sqlite \
    >/dev/null 2>out/err || { cat out/err; fail "$what: evidence"; }
  grep -q '"is_baseline": true' out/ev/history.json || fail "$what: evidence history.json"
  [ "$(sha256sum ro/h.sqlite)" = "$before" ] || fail "$what: the history changed"
  ls ro | grep -q -- '-wal\|-shm' && fail "$what: a -wal/-shm file was left: $(ls ro)"
  # a writer is refused, and says why
  reader history add r1.json --history ro/h.sqlite >/dev/null 2>out/err && fail "$what: add wrote"
  [ "$(sha256sum ro/h.sqlite)" = "$before" ] || fail "$what: a refused add changed the history"
}
readers "read-only folder"
chmod 755 ro
[ -n "${as[*]}" ] || chmod 444 ro/h.sqlite
readers "read-only file"

# nothing there: an error, and nothing created
chmod 777 ro
reader history list --history ro/none.sqlite >out/o 2>out/e && fail "a missing history was listed"
grep -q "history add creates one" out/e || fail "a missing history is not said: $(cat out/e)"
[ -e ro/none.sqlite ] && fail "listing a missing history created it"
reader report --history ro/none.sqlite --out out/x >/dev/null 2>&1 && fail "report of nothing"
[ -e ro/none.sqlite ] && fail "report created a history"
echo "history_readonly: list, show, baseline show/export, report, evidence on a read-only history"
exit 0
