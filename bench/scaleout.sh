#!/usr/bin/env bash
# Scale-out and capacity on this machine, real processes on loopback:
#   scale    N = 1, 2, 3 streamfold instances behind the load generator spreading requests by
#            trace id on a consistent-hash ring (as the Collector's loadbalancing exporter),
#            the same open-loop offered load each time, all exporting to one real gRPC sink.
#            Per instance: CPU (utime+stime), VmRSS/VmHWM, items in/out from /metrics and the
#            conservation law; in total: condensed spans at the sink = streams sent.
#   add      3 instances, a 4th added to the ring mid-run (--add-endpoint-at): the streams open
#            then are split; the halves that lose their stream span close as idle_timeout, the
#            halves that keep it as stream_end with complete=false and llm_stream.chunk.missing.
#   capacity one instance: heap after full GC and RSS with 10k, 100k, 1M open streams (chunks,
#            no stream span, idle_timeout 1h), then with 1000 streams x 10, 100, 1000 chunks.
#
# Usage: bench/scaleout.sh       (about 7-10 minutes on an idle 2-core machine)
# Env (defaults in brackets):
#   RATE [300]  open-loop streams/s offered in the scale runs (x ~51 spans per stream)
#   DURATION [15]  WARMUP [5]  seconds per measured / warm-up run
#   CHUNKS [50]  chunks per stream in the scale runs
#   INSTANCE_JAVA_OPTS ["-Xms512m -Xmx1g"]  CAPACITY_JAVA_OPTS ["-Xms3g -Xmx3g"]
#   OPEN_STREAMS ["10000 100000 1000000"]  CHUNK_COUNTS ["10 100 1000"]  CHUNK_STREAMS [1000]
#   ONLY ["scale add capacity"]  BASE_PORT [25500]  (uses BASE..BASE+60)
#   SKIP_BUILD=1  use the existing target/streamfold.jar
#   OUT [target/scaleout]  logs and the result tables (results.md)
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-300}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
CHUNKS=${CHUNKS:-50}
INSTANCE_JAVA_OPTS=${INSTANCE_JAVA_OPTS:--Xms512m -Xmx1g}
CAPACITY_JAVA_OPTS=${CAPACITY_JAVA_OPTS:--Xms3g -Xmx3g}
OPEN_STREAMS=${OPEN_STREAMS:-10000 100000 1000000}
CHUNK_COUNTS=${CHUNK_COUNTS:-10 100 1000}
CHUNK_STREAMS=${CHUNK_STREAMS:-1000}
ONLY=${ONLY:-scale add capacity}
BASE_PORT=${BASE_PORT:-25500}
OUT=${OUT:-target/scaleout}
JAR=target/streamfold.jar
LOGCFG=-Dlogback.configurationFile=bench/logback-bench.xml
CLK_TCK=$(getconf CLK_TCK)
SINK_PORT=$BASE_PORT
SINK_HTTP=$((BASE_PORT + 1))
mkdir -p "$OUT"
rm -f "$OUT/loadgen-all.log"

for p in $(seq "$BASE_PORT" $((BASE_PORT + 60))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "scaleout: port $p (in $BASE_PORT..$((BASE_PORT + 60))) is in use; set BASE_PORT" >&2
    exit 1
  fi
done
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f $JAR ]]; then
  mvn -o -B -q -DskipTests package
fi
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_classpath

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

log() { echo "scaleout: $*" >&2; }
wants() { [[ " $ONLY " == *" $1 "* ]]; }
cpu_s() { awk -v t="$CLK_TCK" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; } # pid VmRSS|VmHWM
jget() { { grep -o "\"$2\":[-0-9.]*" <<<"$1" || true; } | head -1 | cut -d: -f2; }
calc() { awk "BEGIN { printf \"$1\", ($2) }"; }
grpc_port() { echo $((BASE_PORT + 10 * $1)); } # instance k: grpc, prometheus, health = +0, +1, +2
prom_port() { echo $((BASE_PORT + 10 * $1 + 1)); }
# sum of the series of metric $2 on instance $1 whose labels contain $3 (optional)
metric() {
  curl -fsS "http://127.0.0.1:$(prom_port "$1")/metrics" |
    awk -v n="$2" -v f="${3:-}" '$0 !~ /^#/ { split($1, a, "{"); if (a[1] == n && index($1, f) > 0) s += $NF } END { printf "%.0f", s }'
}
wait_port() { # pid port seconds
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    kill -0 "$1" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

declare -A IPID
start_instance() { # k java_opts extra --set args...
  local k=$1 jopts=$2
  shift 2
  # shellcheck disable=SC2086
  java $LOGCFG $jopts -jar "$JAR" \
    --set "receivers.otlp.grpc.endpoint=127.0.0.1:$(grpc_port "$k")" --set receivers.otlp.http.enabled=false \
    --set "telemetry.prometheus.endpoint=127.0.0.1:$(prom_port "$k")" \
    --set "service.health.endpoint=127.0.0.1:$((BASE_PORT + 10 * k + 2))" \
    --set exporter.type=otlp_grpc --set "exporter.otlp.endpoint=127.0.0.1:$SINK_PORT" --set exporter.otlp.compression=none \
    --set window.finalize_grace=1s --set window.shards=1 "$@" >"$OUT/instance-$k.log" 2>&1 &
  IPID[$k]=$!
  PIDS+=("${IPID[$k]}")
  wait_port "${IPID[$k]}" "$(grpc_port "$k")" 60 && wait_port "${IPID[$k]}" "$(prom_port "$k")" 10 ||
    { log "instance $k did not start:"; tail -5 "$OUT/instance-$k.log" >&2; exit 1; }
}
LGLOG=$OUT/loadgen.log
loadgen() { # args... -> the final JSON line; the whole output in $LGLOG, appended to $OUT/loadgen-all.log
  java $LOGCFG -Xms256m -Xmx1g -cp "$JAR" dev.streamfold.loadgen.LoadGenerator "$@" >"$LGLOG" 2>&1 || true
  { echo "== loadgen $*"; cat "$LGLOG"; } >>"$OUT/loadgen-all.log"
  tail -1 "$LGLOG"
}
endpoints() { local k list=""; for k in $(seq 1 "$1"); do list+="${list:+,}127.0.0.1:$(grpc_port "$k")"; done; echo "$list"; }

java $LOGCFG -Xms512m -Xmx1g -cp "$BENCH_CP" dev.streamfold.loadgen.BenchServers sink \
  --port "$SINK_PORT" --http-port "$SINK_HTTP" >"$OUT/sink.log" 2>&1 &
SINK_PID=$!
PIDS+=("$SINK_PID")
wait_port "$SINK_PID" "$SINK_PORT" 30 && wait_port "$SINK_PID" "$SINK_HTTP" 10 || { log "sink did not start"; exit 1; }
sink() { curl -fsS "http://127.0.0.1:$SINK_HTTP/$1"; }

SCALE_ROWS=()
SCALE_SUMMARY=()
# ---- scale: N = 1, 2, 3 -------------------------------------------------------------------
if wants scale; then
  for n in 1 2 3; do
    for k in $(seq 1 "$n"); do start_instance "$k" "$INSTANCE_JAVA_OPTS"; done
    eps=$(endpoints "$n")
    log "N=$n warm-up ${WARMUP}s"
    loadgen --endpoints "$eps" --streams-per-second "$RATE" --duration "$WARMUP" --chunks-per-stream "$CHUNKS" --seed 7 >/dev/null
    sleep 3
    sink reset >/dev/null
    declare -A C0 R0 K0
    for k in $(seq 1 "$n"); do
      C0[$k]=$(cpu_s "${IPID[$k]}")
      R0[$k]=$(metric "$k" streamfold_received_total 'unit="span"')
      K0[$k]=$(metric "$k" llm_stream_closed_total)
    done
    log "N=$n measuring ${DURATION}s at $RATE streams/s"
    j=$(loadgen --endpoints "$eps" --streams-per-second "$RATE" --duration "$DURATION" --chunks-per-stream "$CHUNKS" --seed 8)
    sleep 4 # finalize_grace 1s + export batch
    spans=$(jget "$j" spans_ok)
    streams=$(jget "$j" streams_ok)
    total_cpu=0
    closed_sum=0
    for k in $(seq 1 "$n"); do
      p=${IPID[$k]}
      cpu=$(calc "%.2f" "$(cpu_s "$p") - ${C0[$k]}")
      total_cpu=$(calc "%.2f" "$total_cpu + $cpu")
      rec=$(( $(metric "$k" streamfold_received_total 'unit="span"') - R0[$k] ))
      closed=$(( $(metric "$k" llm_stream_closed_total) - K0[$k] ))
      closed_sum=$((closed_sum + closed))
      # conservation per unit over the instance's life, from one scrape each
      law=ok
      for u in span span_event log_record; do
        r=$(metric "$k" streamfold_received_total "unit=\"$u\"")
        a=$(( $(metric "$k" streamfold_passed_total "unit=\"$u\"") + $(metric "$k" streamfold_condensed_total "unit=\"$u\"") \
          + $(metric "$k" streamfold_dropped_total "unit=\"$u\"") + $(metric "$k" streamfold_buffered "unit=\"$u\"") ))
        [[ $r == "$a" ]] || law="$u: received $r != $a"
      done
      SCALE_ROWS+=("| $n | $k | $rec | $closed | $cpu | $(calc "%.0f" "$cpu > 0 ? $rec / $cpu : 0") | $(( $(status_kb "$p" VmRSS) / 1024 )) | $(( $(status_kb "$p" VmHWM) / 1024 )) | $law |")
    done
    s=$(sink stats)
    condensed=$(jget "$s" condensed_spans)
    SCALE_SUMMARY+=("| $n | $(jget "$j" streams_per_s) | $(jget "$j" spans_per_s) | $total_cpu | $(calc "%.0f" "$total_cpu > 0 ? $spans / $total_cpu : 0") | $streams | $closed_sum | $condensed | $(jget "$j" requests_refused)/$(jget "$j" requests_failed) |")
    log "N=$n: $spans spans in, $total_cpu CPU s over the instances, $streams streams sent, $closed_sum closed, $condensed condensed at the sink"
    for k in $(seq 1 "$n"); do stop_pid "${IPID[$k]}"; done
  done
fi

# ---- add: a 4th instance joins the ring mid-run --------------------------------------------
ADD_ROWS=()
ADD_LINE="not run"
if wants add; then
  for k in 1 2 3 4; do start_instance "$k" "$INSTANCE_JAVA_OPTS" --set window.idle_timeout=10s; done
  sink reset >/dev/null
  log "add: 3 instances, the 4th added at 10s of a 20s run (idle_timeout 10s)"
  j=$(loadgen --endpoints "$(endpoints 3)" --add-endpoint-at "10s=127.0.0.1:$(grpc_port 4)" --streams-per-second "$RATE" \
    --duration 20 --chunks-per-stream "$CHUNKS" --seed 9)
  sleep 14 # idle_timeout + finalize_grace + export
  for k in 1 2 3 4; do
    ADD_ROWS+=("| $k | $(metric "$k" streamfold_received_total 'unit="span"') | $(metric "$k" llm_stream_closed_total 'end_reason="stream_end"') | $(metric "$k" llm_stream_closed_total 'llm_stream_complete="false",llm_stream_end_reason="stream_end"') | $(metric "$k" llm_stream_closed_total 'end_reason="idle_timeout"') | $(metric "$k" streamfold_generated_spans_total) | $(metric "$k" streamfold_missing_chunks_total) | $(metric "$k" streamfold_late_chunks_total) |")
  done
  s=$(sink stats)
  ADD_LINE="$(jget "$j" streams_ok) streams sent, $(jget "$s" spans) spans at the sink ($(jget "$s" condensed_spans) with derived attributes); $(grep -h 'ring now\|routed to' "$LGLOG" | tr '\n' ';')"
  log "add: $ADD_LINE"
  for k in 1 2 3 4; do stop_pid "${IPID[$k]}"; done
fi

# ---- capacity: open streams and chunks per stream ------------------------------------------
heap_kb() { jcmd "$1" GC.run >/dev/null; jcmd "$1" GC.heap_info | grep -o 'used [0-9]*K' | head -1 | grep -o '[0-9]*'; }
CAP_ROWS=()
capacity_point() { # label streams_to_add chunks seed -> appends a row (cumulative on instance 1)
  local before=$1 add=$2 chunks=$3 seed=$4 p=${IPID[1]} j t0 t1
  t0=$(cpu_s "$p")
  j=$(loadgen --endpoint "127.0.0.1:$(grpc_port 1)" --shape A --no-stream-span --streams "$add" --chunks-per-stream "$chunks" \
    --jitter 0 --in-flight 8 --spans-per-request 2000 --concurrent-streams 1000 --seed "$seed")
  sleep 2
  t1=$(cpu_s "$p")
  local active h
  active=$(metric 1 llm_stream_active)
  h=$(heap_kb "$p")
  CAP_ROWS+=("| $((before + add)) | $chunks | $active | $(( (h - HEAP0) / 1024 )) | $(calc "%.0f" "$active > 0 ? ($h - $HEAP0) * 1024 / $active : 0") | $(( $(status_kb "$p" VmRSS) / 1024 )) | $(calc "%.2f" "$t1 - $t0") | $(jget "$j" chunk_spans_ok) | $(jget "$j" requests_refused)/$(jget "$j" requests_failed) |")
  log "capacity: ${CAP_ROWS[-1]}"
}
capacity_instance() {
  start_instance 1 "$CAPACITY_JAVA_OPTS" --set window.idle_timeout=1h --set window.max_stream_age=2h \
    --set window.max_open_streams=3000000 --set window.memory_budget_mib=16384 --set window.max_pending_items=2000000
  sleep 2
  HEAP0=$(heap_kb "${IPID[1]}")
}
if wants capacity; then
  capacity_instance
  have=0
  seed=100
  for target in $OPEN_STREAMS; do
    log "capacity: open streams to $target (1 chunk each)"
    capacity_point "$have" $((target - have)) 1 $((seed++))
    have=$target
  done
  stop_pid "${IPID[1]}"
  for c in $CHUNK_COUNTS; do
    capacity_instance
    log "capacity: $CHUNK_STREAMS open streams x $c chunks"
    capacity_point 0 "$CHUNK_STREAMS" "$c" $((seed++))
    stop_pid "${IPID[1]}"
  done
fi

# ---- report --------------------------------------------------------------------------------
{
  echo "## streamfold scale-out and capacity ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores shared, $(uname -m), java $(java -version 2>&1 | head -1 | grep -o '"[^"]*"'))"
  echo
  if wants scale; then
    echo "Scale: open loop $RATE streams/s x ~$((CHUNKS + 1)) spans (shape A), ${DURATION}s, spread by trace id; instances $INSTANCE_JAVA_OPTS, window.shards=1."
    echo
    echo "| N | streams/s | spans/s offered+ok | CPU s (all instances) | spans per CPU s | streams sent | streams closed (sum) | condensed at sink | refused/failed req |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${SCALE_SUMMARY[@]}"
    echo
    echo "| N | instance | spans in | streams closed | CPU s | spans per CPU s | VmRSS MiB | VmHWM MiB | received = passed+condensed+dropped+buffered |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${SCALE_ROWS[@]}"
    echo
  fi
  if wants add; then
    echo "Add: 3 instances, a 4th added to the ring at 10 s of 20 s, idle_timeout 10s: $ADD_LINE"
    echo
    echo "| instance | spans in | closed stream_end | of which complete=false | closed idle_timeout | generated spans | missing chunks | late chunks |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ADD_ROWS[@]}"
    echo
  fi
  if wants capacity; then
    echo "Capacity: one instance ($CAPACITY_JAVA_OPTS, idle_timeout 1h), streams without stream span; heap = used after a full GC minus the empty instance's (${HEAP0:-?} KiB)."
    echo
    echo "| open streams | chunks/stream | llm_stream_active | heap MiB | heap B per stream | VmRSS MiB | CPU s to ingest (this step) | chunk spans ok (this step) | refused/failed req |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${CAP_ROWS[@]}"
  fi
} | tee "$OUT/results.md"
