#!/usr/bin/env bash
# Sidecar benchmark: fixed-rate runs in the shape of the OpenTelemetry Collector's testbed table
# (process CPU as a share of one core, RSS, items sent / out / refused), then a 256 MiB container
# simulated with -XX:MaxRAM=256m and the image's JVM flags under overload and under a flood of
# open streams (peak RSS, GC share of wall time, refusals by reason, OutOfMemoryErrors, health
# probes answered, conservation residual from a /metrics scrape).
#
# Load: the bundled load generator (OTLP/gRPC, shape A: Burr chunk spans, CHUNKS chunks per
# stream, so spans/s = streams/s x (CHUNKS + 1)); output: the bench sink (OTLP/gRPC).
#
# Usage: bench/sidecar.sh                       (about 8 minutes with the defaults)
# Env (defaults in brackets):
#   RATES ["idle 1000 10000 50000"]   spans/s of the fixed-rate runs ("idle" = no load)
#   WARMUP [25]  MEASURE [30]          seconds of warm-up (not measured) and of measurement per rate
#   OVERLOAD [40]                      seconds of each 256 MiB run
#   CHUNKS [50]                        chunks per stream
#   ONLY ["rates overload flood"]      which parts to run
#   LAUNCH ["java @config/jvm.options"]  the fixed-rate runs' launch (the README's run command)
#   SMALL_FLAGS ["@<jvm.options without -Xmx> <the Dockerfile's JAVA_OPTS> -XX:MaxRAM=256m"]
#       the 256 MiB runs' JVM flags (the image's; MALLOC_ARENA_MAX=2 as in the image)
#   BASE_PORT [24600]  ports BASE..BASE+4 (sink, sink stats, streamfold gRPC, metrics, health)
#   EXTRA_YAML  top-level YAML appended to streamfold's config (sections it does not set: window, ...)
#   THREADS=1  also per-thread CPU and context switches (wake-ups) of each rate: rate-*.threads.md
#   SKIP_BUILD=1  use the existing build     OUT [target/sidecar]  logs and results.md
set -euo pipefail
cd "$(dirname "$0")/.."

RATES=${RATES:-idle 1000 10000 50000}
WARMUP=${WARMUP:-25}
MEASURE=${MEASURE:-30}
OVERLOAD=${OVERLOAD:-40}
CHUNKS=${CHUNKS:-50}
ONLY=${ONLY:-rates overload flood}
LAUNCH=${LAUNCH:-java @config/jvm.options}
OUT=${OUT:-target/sidecar}
BASE_PORT=${BASE_PORT:-24600}
SINK_PORT=$BASE_PORT
SINK_HTTP=$((BASE_PORT + 1))
PORT=$((BASE_PORT + 2))
PROM_PORT=$((BASE_PORT + 3))
HEALTH_PORT=$((BASE_PORT + 4))
JAR=${JAR:-target/streamfold.jar}
LOGCFG=-Dlogback.configurationFile=bench/logback-bench.xml
CLK_TCK=$(getconf CLK_TCK)
mkdir -p "$OUT"
grep -v '^-Xmx' config/jvm.options >"$OUT/jvm-image.options"
# the image's JAVA_OPTS (its heap sizing), read from the Dockerfile so that the two stay the same
IMAGE_OPTS=$(sed -n 's/^ *JAVA_OPTS="\([^"]*\)".*/\1/p' Dockerfile)
SMALL_FLAGS=${SMALL_FLAGS:-@$OUT/jvm-image.options $IMAGE_OPTS -XX:MaxRAM=256m}

if [[ "${SKIP_BUILD:-0}" != 1 || ! -f $JAR ]]; then
  mvn -o -B -q -DskipTests package
fi
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_classpath

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
log() { echo "sidecar: $*" >&2; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# one line per thread: tag tid name ticks(utime+stime) voluntary nonvoluntary context switches
thread_snap() { # pid tag
  local t name
  for t in /proc/"$1"/task/*; do
    name=$(tr ' ' _ <"$t/comm" 2>/dev/null) || continue
    echo "$2 ${t##*/} $name $(sed 's/^.*) //' "$t/stat" | awk '{print $12 + $13}') $(awk '/^voluntary_ctxt/ {v=$2} /^nonvoluntary_ctxt/ {n=$2} END {print v, n}' "$t/status")"
  done 2>/dev/null
}
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
gc_seconds() { jstat -gc "$1" 2>/dev/null | awk 'NR == 2 {print $NF}'; }
scrape() { curl -fsS --max-time 5 "http://127.0.0.1:$PROM_PORT/metrics" 2>/dev/null || true; }
# sum of a metric's samples whose labels match a regex
metric_sum() { awk -v m="$2" -v re="$3" '($1 == m || index($1, m "{") == 1) && $1 ~ re { s += $NF } END { printf "%.0f", s }' <<<"$1"; }

write_config() { # file
  cat >"$1" <<YAML
receivers:
  otlp:
    grpc:
      endpoint: 127.0.0.1:$PORT
    http:
      enabled: false
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
  [[ -z ${EXTRA_YAML:-} ]] || printf '%s\n' "$EXTRA_YAML" >>"$1"
}
CFG=$OUT/streamfold.yaml
write_config "$CFG"

start_streamfold() { # name jvm-flags... -> SF_PID
  local name=$1
  shift
  # shellcheck disable=SC2068 # flags are word lists
  MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX_RUN:-} $@ $LOGCFG -jar "$JAR" --config "$CFG" >"$OUT/$name.log" 2>&1 &
  SF_PID=$!
  PIDS+=("$SF_PID")
  if ! wait_port "$SF_PID" "$PORT" 60; then
    log "$name: streamfold did not start; see $OUT/$name.log"
    tail -5 "$OUT/$name.log" >&2
    return 1
  fi
}
stop_streamfold() {
  kill "$SF_PID" 2>/dev/null || true
  wait "$SF_PID" 2>/dev/null || true
}

loadgen() { # args... -> final JSON line
  java $LOGCFG -Xmx512m -XX:+UseSerialGC -cp "$JAR" dev.streamfold.loadgen.LoadGenerator \
    --endpoint "127.0.0.1:$PORT" --shape A --chunks-per-stream "$CHUNKS" "$@" >"$OUT/loadgen.last.log" 2>&1 || true
  tail -1 "$OUT/loadgen.last.log"
}

# refused items per reason from one scrape, e.g. "memory_limit 120, window_backlog 5000"
refusals() {
  awk '$1 ~ /^streamfold_refused_total[{]/ && match($1, /reason="[^"]*"/) { r = substr($1, RSTART + 8, RLENGTH - 9); n[r] += $NF }
    END { for (r in n) if (n[r] > 0) printf "%s%s %.0f", (k++ ? ", " : ""), r, n[r]; if (!k) printf "none" }' <<<"$1"
}
# conservation residual per unit from one scrape: received - passed - condensed - dropped - buffered
residual() {
  local s=$1 u r out=""
  [[ $s == *streamfold_received_total* ]] || { echo "no scrape"; return; }
  for u in span span_event log_record; do
    r=$(( $(metric_sum "$s" streamfold_received_total "unit=\"$u\"") - $(metric_sum "$s" streamfold_passed_total "unit=\"$u\"") \
      - $(metric_sum "$s" streamfold_condensed_total "unit=\"$u\"") - $(metric_sum "$s" streamfold_dropped_total "unit=\"$u\"") \
      - $(metric_sum "$s" streamfold_buffered "unit=\"$u\"") ))
    out+="$u $r, "
  done
  echo "${out%, }"
}

# ---- sink ----------------------------------------------------------------------------------
java $LOGCFG -Xmx512m -XX:+UseSerialGC -cp "$BENCH_CP" dev.streamfold.loadgen.BenchServers sink \
  --port "$SINK_PORT" --http-port "$SINK_HTTP" >"$OUT/sink.log" 2>&1 &
SINK_PID=$!
PIDS+=("$SINK_PID")
wait_port "$SINK_PID" "$SINK_PORT" 30 && wait_port "$SINK_PID" "$SINK_HTTP" 10 || { log "sink did not start"; exit 1; }
sink_stats() { curl -fsS "http://127.0.0.1:$SINK_HTTP/stats"; }
sink_reset() { curl -fsS "http://127.0.0.1:$SINK_HTTP/reset" >/dev/null; }

ROWS=()
# ---- fixed rates ---------------------------------------------------------------------------
if wants rates; then
  for rate in $RATES; do
    start_streamfold "rate-$rate" "$LAUNCH" || { ROWS+=("| $rate | did not start | | | | | | |"); continue; }
    sps=0
    [[ $rate != idle ]] && sps=$(calc "%.3f" "$rate / ($CHUNKS + 1)")
    total=$((WARMUP + MEASURE))
    if [[ $rate != idle ]]; then
      loadgen --streams-per-second "$sps" --duration "$total" >"$OUT/rate-$rate.loadgen.json" &
      LG=$!
    fi
    sleep "$WARMUP"
    sink_reset
    s0=$(scrape)
    [[ ${THREADS:-0} == 1 ]] && thread_snap "$SF_PID" A >"$OUT/rate-$rate.threads"
    c_prev=$(ticks "$SF_PID")
    c_first=$c_prev
    cpu_max=0 rss_sum=0 rss_max=0 n=0
    for ((i = 0; i < MEASURE; i++)); do
      sleep 1
      c=$(ticks "$SF_PID")
      r=$(rss_kb "$SF_PID")
      cpu=$(calc "%.1f" "($c - $c_prev) * 100 / $CLK_TCK")
      c_prev=$c
      cpu_max=$(calc "%.1f" "$cpu > $cpu_max ? $cpu : $cpu_max")
      rss_sum=$((rss_sum + r))
      ((r > rss_max)) && rss_max=$r
      n=$((n + 1))
    done
    cpu_avg=$(calc "%.1f" "($c_prev - $c_first) * 100 / $CLK_TCK / $n")
    if [[ ${THREADS:-0} == 1 ]]; then
      thread_snap "$SF_PID" B >>"$OUT/rate-$rate.threads"
      { echo "| thread (count) | CPU % of a core | wake-ups/s | preempted/s |"; echo "|---|---:|---:|---:|"
        awk -v secs="$n" -v hz="$CLK_TCK" -f bench/threads.awk "$OUT/rate-$rate.threads" | sort -t'|' -k3 -rn; } >"$OUT/rate-$rate.threads.md"
      log "rate $rate: per-thread CPU and wake-ups in $OUT/rate-$rate.threads.md"
    fi
    s1=$(scrape)
    [[ $rate != idle ]] && wait "$LG" || true
    sleep 3
    j=$(cat "$OUT/rate-$rate.loadgen.json" 2>/dev/null || echo '{}')
    k=$(sink_stats)
    recv=$(($(metric_sum "$s1" streamfold_received_total 'unit="span"') - $(metric_sum "$s0" streamfold_received_total 'unit="span"')))
    refused=$(($(metric_sum "$s1" streamfold_refused_total '') - $(metric_sum "$s0" streamfold_refused_total '')))
    ROWS+=("| $rate | $cpu_avg | $cpu_max | $(calc "%.0f" "$rss_sum / $n / 1024") | $(calc "%.0f" "$rss_max / 1024") | ${recv} | $(json_get "$k" spans) ($(json_get "$k" condensed_spans) condensed) | $refused |")
    log "rate $rate: ${ROWS[-1]}  (loadgen over warm-up + measurement: $(json_get "$j" spans_ok) spans ok, $(json_get "$j" spans_refused) refused)"
    stop_streamfold
  done
fi

# ---- 256 MiB: overload and open-stream flood --------------------------------------------------
SMALL_ROWS=()
small_run() { # name loadgen-args...
  local name=$1
  shift
  MALLOC_ARENA_MAX_RUN=2 start_streamfold "$name" java $SMALL_FLAGS || { SMALL_ROWS+=("| $name | did not start | | | | | | |"); return; }
  local g0 t0 probes=0 answered=0
  g0=$(gc_seconds "$SF_PID")
  t0=$(date +%s.%N)
  loadgen "$@" --duration "$OVERLOAD" >"$OUT/$name.loadgen.json" &
  local lg=$!
  while kill -0 "$lg" 2>/dev/null; do
    probes=$((probes + 1))
    curl -fsS --max-time 2 "http://127.0.0.1:$HEALTH_PORT/health/live" >/dev/null 2>&1 && answered=$((answered + 1))
    sleep 1
  done
  wait "$lg" || true
  local g1 t1 gc_share alive=yes
  g1=$(gc_seconds "$SF_PID")
  t1=$(date +%s.%N)
  gc_share=$(calc "%.1f" "(${g1:-0} - ${g0:-0}) * 100 / ($t1 - $t0)")
  sleep 6 # window grace, tick and a batch timeout: what is in flight settles
  local s hwm ooms j
  s=$(scrape)
  hwm=$(calc "%.0f" "$(hwm_kb "$SF_PID") / 1024")
  kill -0 "$SF_PID" 2>/dev/null || alive=no
  ooms=$(grep -c OutOfMemoryError "$OUT/$name.log" || true)
  j=$(cat "$OUT/$name.loadgen.json")
  SMALL_ROWS+=("| $name | $hwm | $gc_share | $(json_get "$j" requests_ok) / $(json_get "$j" requests_refused) / $(json_get "$j" requests_failed) | $(refusals "$s") | $ooms ($alive) | $answered / $probes | $(residual "$s") | $(metric_sum "$s" streamfold_memory_limiter_forced_gc_total '') / $(metric_sum "$s" streamfold_memory_limiter_shed_total 'state="open_streams"') |")
  log "$name: ${SMALL_ROWS[-1]}"
  stop_streamfold
}
if wants overload; then
  small_run overload-256m --closed-loop --connections 2 --in-flight 32
fi
if wants flood; then
  small_run flood-256m --closed-loop --no-stream-span --chunks-per-stream 2 --in-flight 16 --streams 100000000
fi

# ---- report ----------------------------------------------------------------------------------
{
  echo "## streamfold sidecar benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, shape A, $CHUNKS chunks per stream)"
  echo
  echo "Fixed rates, launch \`$LAUNCH -jar $JAR\`, ${WARMUP}s warm-up then ${MEASURE}s measured (1 s samples):"
  echo
  echo "| spans/s offered | CPU avg % | CPU max % | RAM avg MiB | RAM max MiB | spans received | spans out at the sink | refused |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for r in "${ROWS[@]}"; do echo "$r"; done
  echo
  echo "256 MiB container simulated: \`MALLOC_ARENA_MAX=2 java $SMALL_FLAGS\`, ${OVERLOAD}s each:"
  echo
  echo "| run | peak RSS MiB | GC % of wall | requests ok / refused / failed (loadgen) | refused items by reason | OutOfMemoryErrors (alive) | health answered / probes | conservation residual after | forced GCs / streams shed |"
  echo "|---|---:|---:|---|---|---|---|---|---|"
  for r in "${SMALL_ROWS[@]}"; do echo "$r"; done
} | tee "$OUT/results.md"
