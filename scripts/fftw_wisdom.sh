#!/usr/bin/env bash
# Regenerates the FFTW wisdom of the phase kernel (kernels/cpu/phase.c):
# FFTW_PATIENT plans for the exact transforms a phase workspace makes, so
# that pg_phase_ws_create, which only ever plans with FFTW_ESTIMATE, gets
# PATIENT-quality plans without planning slowly in a benchmark or a gate.
#
#   scripts/fftw_wisdom.sh [-o FILE] [SIZE...]
#
# FILE defaults to data/fftw/phase.wisdom.  The sizes default to tpbench's
# indicators sizes (4096, 16384, 65536, 1048576), float64 and float32; the
# environment's F64_SIZES and F32_SIZES replace either list, SIZE arguments
# both.  (10^6 and 2^22, the other --size values of docs/performance.md, are
# left out: PATIENT planning of them took over 20 CPU minutes on the loaded
# development host without finishing; the kernel plans them with ESTIMATE.)
# The transforms, per size n and for float64 (fftw) and float32 (fftwf): r2c
# in place (rif<n>) and c2r out of place (rob<n>), on fftw_malloc'd arrays,
# as phase.c makes them.  Planning is PATIENT: about 70 s for the two
# float64 plans at 2^20 on a quiet 4 GHz Zen 4, many minutes at 10^6 and
# 2^22 on a loaded one; run it once, on a quiet machine, with nothing else
# timing, and commit the file.
#
# The file is FFTW's own wisdom (fftw-wisdom / fftwf-wisdom from Debian's
# libfftw3-bin, which libfftw3-dev depends on) after a few header lines that
# phase.c checks before importing it: the fftw_version strings of the
# libraries it was made with and the SIMD extensions its codelets use.
# Wisdom is only valid for that FFTW build and a CPU with that SIMD; see
# docs/kernels.md (Hilbert phase).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/data/fftw/phase.wisdom"
if [ "${1:-}" = "-o" ]; then
  [ $# -ge 2 ] || { echo "fftw_wisdom: -o needs a file" >&2; exit 2; }
  out=$2
  shift 2
fi
f64_sizes=(${F64_SIZES:-4096 16384 65536 1048576})
f32_sizes=(${F32_SIZES:-4096 16384 65536 1048576})
if [ $# -gt 0 ]; then
  f64_sizes=("$@")
  f32_sizes=("$@")
fi
for n in "${f64_sizes[@]}" "${f32_sizes[@]}"; do
  case $n in
    '' | *[!0-9]*) echo "fftw_wisdom: '$n' is not a size" >&2; exit 2 ;;
  esac
done

for tool in fftw-wisdom fftwf-wisdom cc; do
  command -v "$tool" >/dev/null 2>&1 ||
    { echo "fftw_wisdom: '$tool' not found (apt-get install libfftw3-bin gcc)" >&2; exit 2; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$out.tmp.$$"' EXIT

# The version strings phase.c compares with (fftw-wisdom -V does not print
# the SIMD part of them).
cat >"$tmp/v.c" <<'EOF'
#include <fftw3.h>
#include <stdio.h>
int main(void) { printf("%s\n%s\n", fftw_version, fftwf_version); return 0; }
EOF
cc "$tmp/v.c" -o "$tmp/v" $(pkg-config --cflags --libs fftw3 fftw3f 2>/dev/null || echo -lfftw3 -lfftw3f)
{ read -r dver; read -r fver; } < <("$tmp/v")

problems() { for n in "$@"; do printf 'rif%s rob%s ' "$n" "$n"; done; }

# -n: without /etc/fftw/wisdom, so the file depends on nothing but this run.
echo "fftw_wisdom: float64: planning $(problems "${f64_sizes[@]}")(PATIENT)" >&2
fftw-wisdom -n -o "$tmp/d" $(problems "${f64_sizes[@]}")
echo "fftw_wisdom: float32: planning $(problems "${f32_sizes[@]}")(PATIENT)" >&2
fftwf-wisdom -n -o "$tmp/f" $(problems "${f32_sizes[@]}")

# The SIMD the codelets need: the suffix of each SIMD codelet's name
# (fftw_codelet_t2fv_32_avx -> avx); scalar codelets have none.
simd=$(cat "$tmp/d" "$tmp/f" |
  grep -o 'fftwf\?_codelet_[a-z0-9_]*' |
  grep -o '_\(sse2\|avx2_128\|avx_128_fma\|avx2\|avx512\|avx\|kcvi\|altivec\|vsx\|neon\|generic_simd128\|generic_simd256\)$' |
  sed 's/^_//' | sort -u | tr '\n' ' ' | sed 's/ $//')
[ -n "$simd" ] || simd=none

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)
mkdir -p "$(dirname "$out")"
{
  echo "perfgate fftw wisdom 1"
  echo "fftw_version: $dver"
  echo "fftwf_version: $fver"
  echo "simd: $simd"
  echo "sizes_f64: ${f64_sizes[*]}"
  echo "sizes_f32: ${f32_sizes[*]}"
  echo "transforms: r2c in place (rif), c2r out of place (rob); float64 then float32"
  echo "made: $(date -u +%Y-%m-%d) by scripts/fftw_wisdom.sh (fftw-wisdom -n, FFTW_PATIENT) on ${cpu:-unknown cpu}"
  cat "$tmp/d" "$tmp/f"
} >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "fftw_wisdom: wrote $out (simd: $simd)" >&2
