#!/usr/bin/env bash
# evidence_trust.sh - what a published bundle must not do, and what a signed
# one must catch:
#   - `evidence --report DIR` bundles only the regular files inside DIR: a
#     link to a secret file, to /proc/self/environ, to a folder, and a FIFO
#     are left out, each named on stderr;
#   - `evidence --sign KEY` signs the manifest (ssh-keygen -Y, a throwaway
#     key made here); `verify --allowed-signers F` passes the bundle as
#     written and fails (exit 1) after any change, even one whose manifest
#     line was fixed too; an unsigned bundle is reported as unsigned (and
#     fails when a signer is required); a key not in F is refused.
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
GEN="$PG_SOURCE_DIR/tests/e2e/gen_results.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # want_rc cmd...
    local want=$1; shift
    "$@" >out 2>err
    local rc=$?
    [ $rc -eq "$want" ] || { cat out err >&2; fail "'$*': exit $rc, want $want"; }
}

python3 "$GEN" --benchmarks 4 --reps 5 --seed 1 --out r.json || fail "gen"
mkdir budgets
cat >budgets/b.json <<'JSON'
{ "version": 1, "budgets": [ { "match": "*", "absolute": { "median_real_time": "10s" } } ] }
JSON

# ---- links in the report folder ------------------------------------------
echo "TOP SECRET 7f3a" >secret.txt
mkdir -p rep/charts outside
echo "<html>report</html>" >rep/index.html
echo "chart" >rep/charts/b0000.svg
echo "also secret 7f3a" >outside/inner.txt
ln -s "$T/secret.txt" rep/leak.txt
ln -s /proc/self/environ rep/environ
ln -s "$T/outside" rep/charts/dirlink
ln -s nowhere rep/dangling
mkfifo rep/fifo
expect 0 "$PG" evidence --out ev --results r.json --budgets budgets --report rep
for name in leak.txt environ charts/dirlink dangling fifo; do
  grep -q "skipping 'rep/$name'" err || fail "'$name' skipped without a word: $(cat err)"
  [ -e "ev/report/$name" ] || [ -L "ev/report/$name" ] && fail "'$name' is in the bundle"
done
grep -rq "7f3a" ev && fail "a linked secret reached the bundle"
[ -f ev/report/index.html ] && [ -f ev/report/charts/b0000.svg ] || fail "regular files left out"
grep -q "5 entries of 'rep' left out" err || fail "no count of what was left out: $(cat err)"
expect 0 "$PG" evidence verify ev
grep -q "unsigned" out || fail "an unsigned bundle is not reported as such: $(cat out)"

# ---- signatures ----------------------------------------------------------
command -v ssh-keygen >/dev/null || { echo "skipped: no ssh-keygen (openssh-client)" >&2; exit 77; }
ssh-keygen -q -t ed25519 -N '' -C release -f key || fail "keygen"
ssh-keygen -q -t ed25519 -N '' -C other -f other || fail "keygen 2"
printf 'release@perfgate %s\n' "$(cut -d' ' -f1,2 key.pub)" >allowed
printf 'other@perfgate %s\n' "$(cut -d' ' -f1,2 other.pub)" >allowed_other
rm -rf rep && mkdir rep && echo "<html/>" >rep/index.html

expect 0 "$PG" evidence --out signed --results r.json --budgets budgets --report rep --sign key
grep -q "signed" out || fail "not said signed: $(cat out)"
[ -s signed/MANIFEST.sha256.sig ] || fail "no signature"
grep -q "allowed-signers" signed/README.md || fail "README does not say how to check the signature"
expect 0 "$PG" evidence verify signed --allowed-signers allowed
grep -q "signed by 'release@perfgate'" out || fail "signer not named: $(cat out)"
expect 0 "$PG" evidence verify signed
grep -q "not checked" out || fail "an unchecked signature is not said: $(cat out)"
# the signature checks out without perfgate too
ssh-keygen -Y verify -f allowed -I release@perfgate -n perfgate-evidence \
  -s signed/MANIFEST.sha256.sig <signed/MANIFEST.sha256 >/dev/null 2>&1 || fail "ssh-keygen disagrees"

tamper() { # name: a copy of the signed bundle
  rm -rf "$1" && cp -a signed "$1"
}
# an edit with its manifest line fixed: sha256 alone passes, the signature does not
tamper t1
sed -i 's/PASSED/FAILED/' t1/README.md
sum=$(sha256sum t1/README.md | cut -d' ' -f1)
sed -i "s/^[0-9a-f]\{64\}  README.md\$/$sum  README.md/" t1/MANIFEST.sha256
expect 0 "$PG" evidence verify t1
expect 1 "$PG" evidence verify t1 --allowed-signers allowed
grep -q "signature.*does not match" err || fail "a forged manifest is not said: $(cat err)"
# a plain edit
tamper t2
echo " " >>t2/results.json
expect 1 "$PG" evidence verify t2 --allowed-signers allowed
grep -q "changed: results.json" err || fail "the changed file is not named"
# an added file
tamper t3
echo x >t3/report/extra.html
expect 1 "$PG" evidence verify t3 --allowed-signers allowed
# a removed signature: unsigned, refused when a signer is required
tamper t4
rm t4/MANIFEST.sha256.sig
expect 1 "$PG" evidence verify t4 --allowed-signers allowed
grep -q "unsigned" err || fail "a stripped signature is not said: $(cat err)"
# a signature by a key the file does not allow
expect 1 "$PG" evidence verify signed --allowed-signers allowed_other
grep -q "does not allow" err || fail "a foreign key is not said: $(cat err)"
# a signature made for another namespace (another use of the same key)
tamper t5
rm t5/MANIFEST.sha256.sig
ssh-keygen -q -Y sign -f key -n file t5/MANIFEST.sha256 >/dev/null 2>&1 || fail "sign"
expect 1 "$PG" evidence verify t5 --allowed-signers allowed
# no such allowed-signers file: trouble
expect 2 "$PG" evidence verify signed --allowed-signers nonexistent
# a key that cannot sign: no bundle left behind
echo "not a key" >badkey && chmod 600 badkey
expect 2 "$PG" evidence --out bad --results r.json --budgets budgets --sign badkey
grep -q "cannot sign" err || fail "a bad key is not said: $(cat err)"
[ -e bad ] && fail "a bundle was left after a failed signature"
ls | grep -q "bad.tmp" && fail "a temporary folder was left behind"
echo "evidence_trust: 5 links skipped; signed bundle verified; 5 tamperings and a foreign key refused"
exit 0
