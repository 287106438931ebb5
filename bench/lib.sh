# Sourced by the bench scripts: helpers shared by them, and bench_classpath, which sets
# BENCH_CP = the classpath of the bench-only code (the bench servers BenchServers
# discard/forward/sink and the JMH benchmarks live in the test sources, not in the product jar)
# plus everything it needs.
# Needs `mvn -o -B -DskipTests package` first (compiles the tests too).
# Env: MAVEN_REPO (default ~/.m2/repository).
bench_classpath() {
  local repo=${MAVEN_REPO:-$HOME/.m2/repository} cp_file=target/bench.classpath jars=() j
  [[ -d target/test-classes ]] || { echo "bench: target/test-classes missing (mvn -o -B -DskipTests package)" >&2; return 1; }
  # the dependency plugin when it resolves offline, else the shaded jar (all runtime
  # dependencies) plus JMH's own jars from the local repository
  if [[ ! -s $cp_file || pom.xml -nt $cp_file ]]; then
    mvn -o -B -q dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test >/dev/null 2>&1 || rm -f "$cp_file"
  fi
  if [[ -s $cp_file ]]; then
    BENCH_CP="target/test-classes:target/classes:$(cat "$cp_file")"
    return 0
  fi
  for j in org/openjdk/jmh/jmh-core/1.37/jmh-core-1.37.jar \
           net/sf/jopt-simple/jopt-simple/5.0.4/jopt-simple-5.0.4.jar \
           org/apache/commons/commons-math3/3.6.1/commons-math3-3.6.1.jar; do
    [[ -f "$repo/$j" ]] || { echo "bench: missing $repo/$j (run 'mvn test-compile' online once)" >&2; return 1; }
    jars+=("$repo/$j")
  done
  [[ -f target/streamfold.jar ]] || { echo "bench: target/streamfold.jar missing (mvn -o -DskipTests package)" >&2; return 1; }
  BENCH_CP="target/test-classes:target/classes:target/streamfold.jar:$(IFS=:; echo "${jars[*]}")"
}

# ONLY lists the parts of a script to run
wants() { [[ " $ONLY " == *" $1 "* ]]; }
# value of a numeric key in a flat JSON line
json_get() { { grep -o "\"$2\":[-0-9.]*" <<<"$1" || true; } | head -1 | cut -d: -f2; }
calc() { awk "BEGIN { printf \"$1\", ($2) }"; }

wait_port() { # pid port seconds: until the process listens on the port (1 if it died or timed out)
  local pid=$1 port=$2 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}
