#!/usr/bin/env bash
# Same-run A/B of sidecar launches: runs bench/sidecar.sh's fixed-rate part for each variant in
# turn, REPEAT rounds interleaved (A B C A B C ...), so that a noisy shared machine hits every
# variant alike; then prints every row and, per variant and rate, the mean CPU avg and RSS max
# and their ratio to the first variant (the baseline).
#
# Usage: bench/ab.sh 'name|launch[|jar]' ...
#   e.g. bench/ab.sh 'base|java @config/jvm.options' 'xmn|java @config/jvm.options -Xmn16m'
# Env: REPEAT [2], RATES ["idle 10000"], WARMUP [20], MEASURE [25], BASE_PORT, THREADS (as in
#   bench/sidecar.sh), OUT [target/ab]. Needs a build (mvn -o -B -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${REPEAT:-2}
OUT=${OUT:-target/ab}
export RATES=${RATES:-idle 10000} WARMUP=${WARMUP:-20} MEASURE=${MEASURE:-25} SKIP_BUILD=1 ONLY=rates
mkdir -p "$OUT"
: >"$OUT/rows.txt"
for ((r = 1; r <= REPEAT; r++)); do
  for v in "$@"; do
    IFS='|' read -r name launch jar <<<"$v"
    dir="$OUT/$name.$r"
    JAR=${jar:-target/streamfold.jar} LAUNCH="$launch" OUT="$dir" bench/sidecar.sh >"$dir.log" 2>&1 || echo "ab: $name round $r failed, see $dir.log" >&2
    # rows of the fixed-rate table: | rate | cpu avg | cpu max | ram avg | ram max | ...
    grep -E '^\| (idle|[0-9]+) \|' "$dir/results.md" 2>/dev/null | sed "s/^/$name $r /" | tee -a "$OUT/rows.txt" >&2 || true
  done
done
echo "| variant | rate | runs | CPU avg % (each) | RSS max MiB (each) | CPU / base | RSS / base |"
echo "|---|---|---:|---|---|---:|---:|"
awk -F'|' '{
  split($1, h, " "); v = h[1]; rate = $2; gsub(/ /, "", rate); k = v SUBSEP rate
  if (!(v in order)) { order[v] = ++nv; names[nv] = v }
  if (!(rate in rseen)) { rseen[rate] = ++nr; rates[nr] = rate }
  n[k]++; cpu[k] += $3; ram[k] += $6; cl[k] = cl[k] (cl[k] == "" ? "" : ", ") $3+0; rl[k] = rl[k] (rl[k] == "" ? "" : ", ") $6+0
} END {
  for (j = 1; j <= nr; j++) for (i = 1; i <= nv; i++) {
    k = names[i] SUBSEP rates[j]; b = names[1] SUBSEP rates[j]
    if (!n[k]) continue
    printf "| %s | %s | %d | %.1f (%s) | %.0f (%s) | %.2f | %.2f |\n", names[i], rates[j], n[k], cpu[k] / n[k], cl[k], ram[k] / n[k], rl[k],
      (cpu[b] > 0 ? (cpu[k] / n[k]) / (cpu[b] / n[b]) : 0), (ram[b] > 0 ? (ram[k] / n[k]) / (ram[b] / n[b]) : 0)
  }
}' "$OUT/rows.txt" | tee "$OUT/summary.md"
