#!/usr/bin/env bash
# The GPU suite without a GPU (CI): it runs the CPU kernels, every name says
# where it really ran (device cpu), the context says why, and budgets on GPU
# metrics are "unavailable", never a pass disguised as a GPU result, never a
# crash.  On a machine with a GPU the same test checks device gpu instead.
set -u
B=$PG_BUILD_DIR
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$B/bench/tpbench" --suite=gpu --size=65536 --profile=hot --benchmark_min_time=0.005 \
    --benchmark_repetitions=5 --out="$T/r.json" >"$T/log" 2>&1 || { tail "$T/log"; fail "tpbench --suite=gpu"; }
python3 - "$T/r.json" <<'PY' || fail "results (above)"
import json, sys
d = json.load(open(sys.argv[1]))
cuda = d["perfgate"]["cuda"]
names = {b["run_name"] for b in d["benchmarks"]}
kernels = {n.split("/")[1] for n in names}
assert {"phase", "entropy", "sma", "volatility", "ema", "kuramoto"} <= kernels, kernels
want = "gpu" if cuda["available"] else "cpu"
for n in names:
    assert n.startswith("gpu/") and n.split("/")[3] == want, (n, cuda)
if not cuda["available"]:
    assert cuda["status"], "no reason recorded for the CPU fallback"
print("ok:", len(names), "benchmarks ran on", want, "-", cuda["status"] or "GPU present")
PY
cat >"$T/b.json" <<'JSON'
{"version": 1, "budgets": [{"match": "gpu/*", "absolute": {"gpu_kernel_time": "20ms", "gpu_transfer_time": "200ms"}}]}
JSON
"$B/cli/perfgate" check --results "$T/r.json" --budgets "$T/b.json" --color never >"$T/out" 2>&1
rc=$?
if python3 -c "import json,sys; sys.exit(0 if json.load(open('$T/r.json'))['perfgate']['cuda']['available'] else 1)"; then
  # A GPU machine: the limits are judged for real, every GPU metric is there.
  [ $rc -le 1 ] || { cat "$T/out"; fail "check on GPU results exited $rc"; }
  grep -Eq '^(pass|breach) +gpu/phase/hot/gpu/65536 +gpu_kernel_time' "$T/out" || { cat "$T/out"; fail "gpu_kernel_time not judged on a GPU"; }
  grep -q '^unavailable ' "$T/out" && { cat "$T/out"; fail "a GPU metric unavailable on a GPU"; }
  echo "ok: GPU budgets judged on the GPU"
  exit 0
fi
[ $rc -eq 0 ] || { cat "$T/out"; fail "GPU budgets without a GPU should not fail the gate"; }
grep -q '^unavailable  *gpu/phase/hot/cpu/65536  *gpu_kernel_time' "$T/out" || { cat "$T/out"; fail "gpu_kernel_time not unavailable"; }
grep -q '^pass ' "$T/out" && { cat "$T/out"; fail "a GPU limit passed without a GPU"; }
echo "ok: GPU budgets are unavailable without a GPU"
