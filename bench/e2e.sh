#!/usr/bin/env bash
# End-to-end benchmark on this machine: the load generator (closed loop, shape A chunk spans)
# against three servers, all forwarding to / compared with a real gRPC sink:
#   (a) parse-and-discard receiver         (BenchServers discard)
#   (b) parse-and-forward pass-through     (BenchServers forward -> sink)
#   (c) streamfold                         (exporter otlp_grpc -> sink)
# then, for (c), the delay from stream-span send to condensed-span arrival at the sink at half
# the max rate, and heap per open stream / per buffered chunk.
#
# Usage: bench/e2e.sh            (about 3-4 minutes with the defaults)
# Env (defaults in brackets):
#   DURATION [20]  WARMUP [5]  DELAY_DURATION [20]  seconds per measured / warm-up / delay run
#   HEAP_STREAMS [100000]  HEAP_CHUNKS [20]  open streams for the heap test, chunks per stream in its phase 2
#   LOADGEN_ARGS ["--shape A --connections 1 --in-flight 16 --chunks-per-stream 50"]
#   SERVER_JAVA_OPTS ["-Xms2g -Xmx2g"]  JVM options of the server under test (a, b, c alike)
#   HEAP_JAVA_OPTS ["-Xms4g -Xmx4g"]    JVM options of streamfold in the heap test
#   FINALIZE_GRACE [2s]  window.finalize_grace of streamfold
#   SHARDS [0]  window.shards of streamfold (0 = cores / 2)
#   ONLY ["a b c delay heap"]  which parts to run
#   BASE_PORT [first free of 24317, 25317, ...]  ports BASE..BASE+4 (sink, sink stats, server, prometheus, health)
#   STREAMFOLD_CMD ["java {java_opts} -jar target/streamfold.jar --config {config}"]
#       placeholders: {java_opts} {config} {grpc_port} {sink_port}
#   SKIP_BUILD=1  use the existing target/streamfold.jar
#   OUT [target/e2e]  logs and the result table (results.md)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
DELAY_DURATION=${DELAY_DURATION:-20}
HEAP_STREAMS=${HEAP_STREAMS:-100000}
HEAP_CHUNKS=${HEAP_CHUNKS:-20}
LOADGEN_ARGS=${LOADGEN_ARGS:---shape A --connections 1 --in-flight 16 --chunks-per-stream 50}
SERVER_JAVA_OPTS=${SERVER_JAVA_OPTS:--Xms2g -Xmx2g}
HEAP_JAVA_OPTS=${HEAP_JAVA_OPTS:--Xms4g -Xmx4g}
FINALIZE_GRACE=${FINALIZE_GRACE:-2s}
SHARDS=${SHARDS:-0}
ONLY=${ONLY:-a b c delay heap}
DEFAULT_STREAMFOLD_CMD='java {java_opts} -jar target/streamfold.jar --config {config}'
STREAMFOLD_CMD=${STREAMFOLD_CMD:-$DEFAULT_STREAMFOLD_CMD}
OUT=${OUT:-target/e2e}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ports_free() { local p; for p in $(seq "$1" $(($1 + 4))); do port_free "$p" || return 1; done; }
if [[ -n ${BASE_PORT:-} ]]; then
  ports_free "$BASE_PORT" || { echo "e2e: a port in $BASE_PORT..$((BASE_PORT + 4)) is in use" >&2; exit 1; }
else
  for BASE_PORT in 24317 25317 26317 27317 28317 29317; do
    ports_free "$BASE_PORT" && break
  done
fi
SINK_PORT=$BASE_PORT
SINK_HTTP=$((BASE_PORT + 1))
PORT=$((BASE_PORT + 2))
PROM_PORT=$((BASE_PORT + 3))
HEALTH_PORT=$((BASE_PORT + 4))
JAR=target/streamfold.jar
LOGCFG=-Dlogback.configurationFile=bench/logback-bench.xml
CLK_TCK=$(getconf CLK_TCK)
mkdir -p "$OUT"

if [[ "${SKIP_BUILD:-0}" != 1 || ! -f $JAR ]]; then
  mvn -o -B -q -DskipTests package
fi
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_classpath

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

log() { echo "e2e: $*" >&2; }
# utime + stime of a process, in seconds
cpu_seconds() { awk -v t="$CLK_TCK" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

sink_stats() { curl -fsS "http://127.0.0.1:$SINK_HTTP/stats"; }
sink_reset() { curl -fsS "http://127.0.0.1:$SINK_HTTP/reset" >/dev/null; }

loadgen() { # extra args...; prints the final JSON line
  # shellcheck disable=SC2086
  java $LOGCFG -Xms512m -Xmx1g -cp "$JAR" dev.streamfold.loadgen.LoadGenerator \
    --endpoint "127.0.0.1:$PORT" "$@" >"$OUT/loadgen.last.log" 2>&1 || true
  tail -1 "$OUT/loadgen.last.log"
}

write_config() { # file idle_timeout max_stream_age max_open_streams memory_budget_mib
  cat >"$1" <<YAML
receivers:
  otlp:
    grpc:
      endpoint: 127.0.0.1:$PORT
    http:
      enabled: false
window:
  finalize_grace: $FINALIZE_GRACE
  shards: $SHARDS
  idle_timeout: $2
  max_stream_age: $3
  max_open_streams: $4
  memory_budget_mib: $5
exporter:
  type: otlp_grpc
  otlp:
    endpoint: 127.0.0.1:$SINK_PORT
    compression: none
telemetry:
  prometheus:
    endpoint: 127.0.0.1:$PROM_PORT
service:
  health:
    endpoint: 127.0.0.1:$HEALTH_PORT
YAML
}

start_server() { # kind java_opts config_file -> sets SERVER_PID, returns 1 if it did not come up
  local kind=$1 jopts=$2 cfg=${3:-} cmd
  case $kind in
    a) cmd="java $LOGCFG $jopts -cp $BENCH_CP dev.streamfold.loadgen.BenchServers discard --port $PORT" ;;
    b) cmd="java $LOGCFG $jopts -cp $BENCH_CP dev.streamfold.loadgen.BenchServers forward --port $PORT --downstream 127.0.0.1:$SINK_PORT" ;;
    c)
      cmd=${STREAMFOLD_CMD//\{java_opts\}/$jopts}
      cmd=${cmd//\{config\}/$cfg}
      cmd=${cmd//\{grpc_port\}/$PORT}
      cmd=${cmd//\{sink_port\}/$SINK_PORT}
      ;;
  esac
  # shellcheck disable=SC2086
  $cmd >"$OUT/server-$kind.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  if ! wait_port "$SERVER_PID" "$PORT" 60; then
    log "($kind) did not start listening on $PORT; last lines of $OUT/server-$kind.log:"
    tail -5 "$OUT/server-$kind.log" >&2 || true
    stop_pid "$SERVER_PID"
    return 1
  fi
}

# ---- sink --------------------------------------------------------------------------------
java $LOGCFG -Xms1g -Xmx1g -cp "$BENCH_CP" dev.streamfold.loadgen.BenchServers sink \
  --port "$SINK_PORT" --http-port "$SINK_HTTP" >"$OUT/sink.log" 2>&1 &
SINK_PID=$!
PIDS+=("$SINK_PID")
if ! { wait_port "$SINK_PID" "$SINK_PORT" 30 && wait_port "$SINK_PID" "$SINK_HTTP" 10; }; then
  log "sink did not start"
  grep -v DEBUG "$OUT/sink.log" | tail -5 >&2
  exit 1
fi

declare -A RATE CPUM REFUSED STREAMS_PS SINKSPANS NOTE
settle=$(awk -v g="$FINALIZE_GRACE" 'BEGIN { v = g + 0; if (g ~ /ms$/) v /= 1000; else if (g ~ /m$/) v *= 60; printf "%d", v + 2 }')

# ---- throughput: (a) (b) (c) ---------------------------------------------------------------
for kind in a b c; do
  wants "$kind" || continue
  cfg=""
  if [[ $kind == c ]]; then
    cfg=$OUT/streamfold-throughput.yaml
    write_config "$cfg" 30s 10m 100000 256
  fi
  if ! start_server "$kind" "$SERVER_JAVA_OPTS" "$cfg"; then
    NOTE[$kind]="did not start"
    continue
  fi
  log "($kind) warm-up ${WARMUP}s"
  # shellcheck disable=SC2086
  loadgen --closed-loop --duration "$WARMUP" $LOADGEN_ARGS >/dev/null
  sleep "$settle"
  sink_reset
  c0=$(cpu_seconds "$SERVER_PID")
  log "($kind) measuring ${DURATION}s"
  # shellcheck disable=SC2086
  j=$(loadgen --closed-loop --duration "$DURATION" $LOADGEN_ARGS)
  sleep "$settle" # condensed spans leave streamfold finalize_grace after their stream span
  c1=$(cpu_seconds "$SERVER_PID")
  chunks=$(json_get "$j" chunk_spans_ok)
  elapsed=$(json_get "$j" elapsed_s)
  if [[ -z $chunks || -z $elapsed ]]; then
    log "($kind) loadgen gave no result; see $OUT/loadgen.last.log"
    NOTE[$kind]="no loadgen result"
    stop_pid "$SERVER_PID"
    continue
  fi
  RATE[$kind]=$(calc "%.0f" "$chunks / $elapsed")
  STREAMS_PS[$kind]=$(json_get "$j" streams_per_s)
  CPUM[$kind]=$(calc "%.3f" "$chunks > 0 ? ($c1 - $c0) / ($chunks / 1e6) : 0")
  REFUSED[$kind]="$(json_get "$j" requests_refused)/$(json_get "$j" requests_failed)"
  s=$(sink_stats)
  SINKSPANS[$kind]="$(json_get "$s" spans) spans, $(json_get "$s" condensed_spans) condensed"
  log "($kind) ${RATE[$kind]} chunk spans/s, ${CPUM[$kind]} CPU s per M chunk spans, refused/failed requests ${REFUSED[$kind]}"
  stop_pid "$SERVER_PID"
done

ratio() { # numerator denominator
  if [[ -n ${1:-} && -n ${2:-} ]]; then calc "%.2f" "$2 > 0 ? $1 / $2 : 0"; else echo "n/a"; fi
}

# ---- delay at half the max rate (c) --------------------------------------------------------
DELAY_LINE="not run"
if wants delay; then
  if [[ -z ${STREAMS_PS[c]:-} ]]; then
    DELAY_LINE="skipped: no (c) throughput result"
  else
    cfg=$OUT/streamfold-delay.yaml
    write_config "$cfg" 30s 10m 100000 256
    if start_server c "$SERVER_JAVA_OPTS" "$cfg"; then
      half=$(calc "%.1f" "${STREAMS_PS[c]} / 2")
      log "(c) delay: warm-up, then ${DELAY_DURATION}s open loop at $half streams/s"
      # shellcheck disable=SC2086
      loadgen --streams-per-second "$half" --duration "$WARMUP" $LOADGEN_ARGS >/dev/null
      sleep "$settle"
      sink_reset
      # shellcheck disable=SC2086
      j=$(loadgen --streams-per-second "$half" --duration "$DELAY_DURATION" $LOADGEN_ARGS)
      sleep "$((settle + 2))"
      s=$(sink_stats)
      n=$(json_get "$s" delay_samples)
      DELAY_LINE="$half streams/s offered ($(json_get "$j" streams_per_s) achieved, refused/failed requests $(json_get "$j" requests_refused)/$(json_get "$j" requests_failed)): p50 $(json_get "$s" delay_p50_ms) ms, p99 $(json_get "$s" delay_p99_ms) ms, max $(json_get "$s" delay_max_ms) ms over $n condensed spans (finalize_grace $FINALIZE_GRACE)"
      [[ ${n:-0} -gt 0 ]] || DELAY_LINE="no condensed spans with llm_stream.ttft_ms reached the sink ($s)"
      stop_pid "$SERVER_PID"
    else
      DELAY_LINE="skipped: streamfold did not start"
    fi
  fi
  log "delay: $DELAY_LINE"
fi

# ---- heap per open stream / per buffered chunk (c) -----------------------------------------
heap_used_kb() { # pid -> used KiB after a full GC
  jcmd "$1" GC.run >/dev/null
  jcmd "$1" GC.heap_info | grep -o 'used [0-9]*K' | head -1 | grep -o '[0-9]*'
}
active_streams() { # sum of llm_stream_active over its series, empty when not exposed
  curl -fsS "http://127.0.0.1:$PROM_PORT/metrics" 2>/dev/null |
    awk '/^llm_stream_active[{ ]/ { s += $NF; f = 1 } END { if (f) printf "%d", s }'
}
wait_active() { # expected -> prints the active count it settled on
  local want=$1 last="" n deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    n=$(active_streams)
    [[ -z $n ]] && { sleep 3; echo ""; return; } # no gauge: give the window a moment
    [[ $n -ge $want || $n == "$last" ]] && { echo "$n"; return; }
    last=$n
    sleep 1
  done
  echo "$n"
}
HEAP_LINE="not run"
if wants heap; then
  cfg=$OUT/streamfold-heap.yaml
  write_config "$cfg" 1h 2h $((HEAP_STREAMS * 3)) 16384
  if start_server c "$HEAP_JAVA_OPTS" "$cfg"; then
    sleep 2
    h0=$(heap_used_kb "$SERVER_PID")
    log "heap: baseline ${h0} KiB; phase 1: $HEAP_STREAMS open streams x 1 chunk"
    j1=$(loadgen --closed-loop --shape A --no-stream-span --streams "$HEAP_STREAMS" --chunks-per-stream 1 --jitter 0 --in-flight 2 --seed 1001)
    n1=$(wait_active "$HEAP_STREAMS")
    h1=$(heap_used_kb "$SERVER_PID")
    log "heap: phase 2: $HEAP_STREAMS more open streams x $HEAP_CHUNKS chunks"
    j2=$(loadgen --closed-loop --shape A --no-stream-span --streams "$HEAP_STREAMS" --chunks-per-stream "$HEAP_CHUNKS" --jitter 0 --in-flight 2 --seed 2002)
    n2=$(wait_active $((2 * HEAP_STREAMS)))
    h2=$(heap_used_kb "$SERVER_PID")
    s1=$(json_get "$j1" streams_ok)
    s2=$(json_get "$j2" streams_ok)
    ref="$(json_get "$j1" requests_refused)+$(json_get "$j2" requests_refused)"
    if [[ ${s1:-0} -gt 0 && ${s2:-0} -gt 0 && -n $h0 && -n $h1 && -n $h2 && $HEAP_CHUNKS -gt 1 ]]; then
      # phase 1: per stream with 1 chunk = (h1 - h0) / s1; phase 2 adds s2 such streams plus s2 x (HEAP_CHUNKS - 1) chunks
      per_stream1=$(calc "%.0f" "($h1 - $h0) * 1024 / $s1")
      per_chunk=$(calc "%.1f" "(($h2 - $h1) * 1024 - $per_stream1 * $s2) / ($s2 * ($HEAP_CHUNKS - 1))")
      per_stream=$(calc "%.0f" "$per_stream1 - $per_chunk")
      HEAP_LINE="baseline $h0 KiB, +$s1 streams x 1 chunk -> $h1 KiB, +$s2 streams x $HEAP_CHUNKS chunks -> $h2 KiB (llm_stream_active ${n1:-n/a} / ${n2:-n/a}, refused requests $ref): ~$per_stream B per open stream + ~$per_chunk B per buffered chunk"
    else
      HEAP_LINE="incomplete: streams ok ${s1:-?}/${s2:-?}, heap ${h0:-?}/${h1:-?}/${h2:-?} KiB (see $OUT/loadgen.last.log)"
    fi
    stop_pid "$SERVER_PID"
  else
    HEAP_LINE="skipped: streamfold did not start"
  fi
  log "heap: $HEAP_LINE"
fi

# ---- report --------------------------------------------------------------------------------
{
  echo "## streamfold e2e benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${DURATION}s closed loop: $LOADGEN_ARGS)"
  echo
  echo "| server | chunk spans/s | server CPU s per M chunk spans | refused/failed requests | at the sink | note |"
  echo "|---|---:|---:|---:|---|---|"
  for kind in a b c; do
    case $kind in a) name="(a) parse + discard" ;; b) name="(b) parse + forward" ;; c) name="(c) streamfold" ;; esac
    echo "| $name | ${RATE[$kind]:-n/a} | ${CPUM[$kind]:-n/a} | ${REFUSED[$kind]:-n/a} | ${SINKSPANS[$kind]:-n/a} | ${NOTE[$kind]:-} |"
  done
  echo
  echo "| ratio | throughput | CPU per chunk span |"
  echo "|---|---:|---:|"
  echo "| (b)/(a) | $(ratio "${RATE[b]:-}" "${RATE[a]:-}") | $(ratio "${CPUM[b]:-}" "${CPUM[a]:-}") |"
  echo "| (c)/(a) | $(ratio "${RATE[c]:-}" "${RATE[a]:-}") | $(ratio "${CPUM[c]:-}" "${CPUM[a]:-}") |"
  echo "| (c)/(b) | $(ratio "${RATE[c]:-}" "${RATE[b]:-}") | $(ratio "${CPUM[c]:-}" "${CPUM[b]:-}") |"
  echo
  echo "- delay stream span sent -> condensed span at the sink (c): $DELAY_LINE"
  echo "- heap (c): $HEAP_LINE"
} | tee "$OUT/results.md"
