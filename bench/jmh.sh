#!/usr/bin/env bash
# JMH micro-benchmarks in src/test/java/dev/streamfold/bench.
#   bench/jmh.sh                         # all benchmarks
#   bench/jmh.sh ReceiverDecode -f 1 -wi 2 -i 3   # any org.openjdk.jmh.Main arguments (regex, -p shape=A, -prof gc, ...)
#   bench/jmh.sh -l                      # list
# Env: SKIP_BUILD=1 to reuse target/, JAVA (default java), MAVEN_REPO (default ~/.m2/repository).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  # compiles main + tests (the JMH annotation processor writes META-INF/BenchmarkList) and the fat jar
  mvn -o -B -q -DskipTests package
fi

# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_classpath
CP=$BENCH_CP

exec "$JAVA" -Dlogback.configurationFile=bench/logback-bench.xml -cp "$CP" org.openjdk.jmh.Main "$@"
