#!/usr/bin/env bash
# JMH micro-benchmarks in src/test/java/dev/streamfold/bench.
#   bench/jmh.sh                         # all benchmarks
#   bench/jmh.sh ReceiverDecode -f 1 -wi 2 -i 3   # any org.openjdk.jmh.Main arguments (regex, -p shape=A, -prof gc, ...)
#   bench/jmh.sh -l                      # list
# Env: SKIP_BUILD=1 to reuse target/, JAVA (default java), MAVEN_REPO (default ~/.m2/repository).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}
REPO=${MAVEN_REPO:-$HOME/.m2/repository}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  # compiles main + tests (the JMH annotation processor writes META-INF/BenchmarkList) and the fat jar
  mvn -o -B -q -DskipTests package
fi

# Classpath: the dependency plugin when it resolves offline, else the shaded jar (all runtime
# dependencies) plus JMH's own jars from the local repository.
CP_FILE=target/jmh.classpath
if mvn -o -B -q dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test >/dev/null 2>&1 && [[ -s $CP_FILE ]]; then
  CP="target/test-classes:target/classes:$(cat "$CP_FILE")"
else
  jars=()
  for j in org/openjdk/jmh/jmh-core/1.37/jmh-core-1.37.jar \
           net/sf/jopt-simple/jopt-simple/5.0.4/jopt-simple-5.0.4.jar \
           org/apache/commons/commons-math3/3.6.1/commons-math3-3.6.1.jar; do
    [[ -f "$REPO/$j" ]] || { echo "jmh.sh: missing $REPO/$j (run 'mvn test-compile' online once)" >&2; exit 1; }
    jars+=("$REPO/$j")
  done
  [[ -f target/streamfold.jar ]] || { echo "jmh.sh: target/streamfold.jar missing (mvn -o -DskipTests package)" >&2; exit 1; }
  CP="target/test-classes:target/classes:target/streamfold.jar:$(IFS=:; echo "${jars[*]}")"
fi

exec "$JAVA" -Dlogback.configurationFile=bench/logback-bench.xml -cp "$CP" org.openjdk.jmh.Main "$@"
