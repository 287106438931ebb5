#!/usr/bin/env bash
# Same-run A/B of one benchmark method against another commit's build (default main), in one JVM
# with alternating slices (dev.streamfold.bench.SameJvmAb): CPU ns and allocated bytes per op.
#   bench/ab-jvm.sh [BASE_REF] -- CLASS METHOD OPS_PER_CALL SLICES CALLS FIELD=V1,V2 [FIELD=V]...
#   bench/ab-jvm.sh main -- dev.streamfold.window.ShardedWindowBenchmark routeIngestAndClose 100 40 1000 shards=1,2,4 tracesPerRequest=10
# The benchmark class is taken from each side's own test classes. Env: SKIP_BUILD=1 reuses both builds.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_REF=main
if [[ $# -gt 0 && $1 != -- ]]; then BASE_REF=$1; shift; fi
[[ ${1:-} == -- ]] && shift
BASE_DIR=target/ab-base
source bench/lib.sh
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -o -B -q -DskipTests package
  rm -rf "$BASE_DIR" && mkdir -p "$BASE_DIR"
  git archive "$BASE_REF" | tar -x -C "$BASE_DIR"
  (cd "$BASE_DIR" && mvn -o -B -q -DskipTests package)
fi
bench_classpath
NEW_CP=$BENCH_CP
BASE_CP=$(cd "$BASE_DIR" && bench_classpath && echo "$BENCH_CP" | tr ':' '\n' | sed "s#^target/#$BASE_DIR/target/#" | paste -sd:)
echo "base: $BASE_REF ($(git rev-parse --short "$BASE_REF")), new: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo +changes)"
exec java -Xms1g -Xmx1g -cp "$NEW_CP" dev.streamfold.bench.SameJvmAb "$BASE_CP" "$NEW_CP" "$@"
