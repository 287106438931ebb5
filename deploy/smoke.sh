#!/usr/bin/env bash
# End-to-end smoke test of the container image with podman (see shared CONTAINERS.md):
#   1. installs podman/buildah/mmdebstrap/runc with apt when missing, builds the jar when
#      missing, makes the jlink runtime (target/jre) and local stand-ins for the base images
#      when missing (no registry needed);
#   2. builds the image (--target runtime-prebuilt from target/streamfold.jar), timing it;
#   3. runs it read-only with --network=host on non-default loopback ports;
#   4. checks /health/live, /health/ready and the image's own healthcheck script;
#   5. posts a hand-written OTLP/JSON stream (a stream span + 5 chunk spans) to /v1/traces and
#      checks the condensed span (llm_stream.ttft_ms = 300, chunk.count = 5, chunk spans gone)
#      in the file exporter's output (podman exec cat);
#   6. runs the load generator against the gRPC port for a few seconds;
#   7. checks /metrics for llm_stream_closed_total, saves the scrape and checks the dashboard's
#      and rules' metric names against it;
#   8. stops the container (SIGTERM) and checks that it drains and exits 0.
# Everything it starts is removed on exit; the images are kept as a build cache.
#
# Environment: SMOKE_IMAGE (localhost/streamfold:smoke), SMOKE_BASE_IMAGE
# (localhost/glibc:bookworm), SMOKE_BUSYBOX_IMAGE (localhost/busybox:static), SMOKE_GRPC_PORT/HTTP_PORT/METRICS_PORT/HEALTH_PORT
# (24317/24318/29464/23133), SMOKE_LOADGEN_SECONDS (8; 0 skips), SMOKE_SCRAPE_OUT
# (target/smoke-scrape.txt), SMOKE_REBUILD_JAR=1 rebuilds target/streamfold.jar first.
# ok/bad always succeed, so `test && ok || bad` is safe; cleanup runs from the trap.
# shellcheck disable=SC2015,SC2317
set -euo pipefail

cd "$(dirname "$0")/.."
root="$PWD"

image="${SMOKE_IMAGE:-localhost/streamfold:smoke}"
base="${SMOKE_BASE_IMAGE:-localhost/glibc:bookworm}"
busybox="${SMOKE_BUSYBOX_IMAGE:-localhost/busybox:static}"
grpc_port="${SMOKE_GRPC_PORT:-24317}"
http_port="${SMOKE_HTTP_PORT:-24318}"
metrics_port="${SMOKE_METRICS_PORT:-29464}"
health_port="${SMOKE_HEALTH_PORT:-23133}"
loadgen_seconds="${SMOKE_LOADGEN_SECONDS:-8}"
scrape_out="${SMOKE_SCRAPE_OUT:-$root/target/smoke-scrape.txt}"
name="streamfold-smoke-$$"
podman_run=(podman --runtime runc run --pull=never --network=host --no-healthcheck
  --ulimit nofile=20000:20000 --ulimit nproc=4096:4096)

passed=0
failed=0
work="$(mktemp -d)"

log() { echo "smoke: $*"; }
ok() { passed=$((passed + 1)); echo "ok    $*"; }
bad() { failed=$((failed + 1)); echo "FAIL  $*"; }

cleanup() {
  podman rm -f -t 0 "$name-loadgen" >/dev/null 2>&1 || true
  podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  podman volume rm -f "$name-data" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

finish() {
  echo "smoke: $passed passed, $failed failed"
  ((failed == 0)) || exit 1
  exit 0
}

abort() { # fatal: show the container's log and stop
  bad "$*"
  podman logs "$name" 2>&1 | tail -40 | sed 's/^/      /' || true
  finish
}

# --- 1. tools, jar, base image ------------------------------------------------------------------
missing=()
for t in podman buildah mmdebstrap runc curl; do command -v "$t" >/dev/null || missing+=("$t"); done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ ! -f target/streamfold.jar || "${SMOKE_REBUILD_JAR:-0}" == 1 ]]; then
  log "building target/streamfold.jar"
  mvn -o -B -q package -DskipTests || mvn -B -q package -DskipTests
fi

# local stand-ins for the public base images (no registry here): glibc + libgcc + libstdc++ +
# zlib for distroless/cc, the host's static busybox for busybox:musl
if ! podman image exists "$base"; then
  log "making the base image $base with mmdebstrap (Debian packages, no registry)"
  mmdebstrap --variant=extract --include=libc6,libgcc-s1,libstdc++6,zlib1g,ca-certificates,tzdata \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    bookworm "$work/base.tar"
  podman import "$work/base.tar" "$base" >/dev/null
  rm -f "$work/base.tar"
fi
if ! podman image exists "$busybox"; then
  command -v busybox >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
  mkdir -p "$work/bb/bin"
  cp "$(command -v busybox)" "$work/bb/bin/busybox"
  for a in $("$work/bb/bin/busybox" --list); do [[ $a == busybox ]] || ln -sf busybox "$work/bb/bin/$a"; done
  tar -C "$work/bb" -cf "$work/bb.tar" bin
  podman import "$work/bb.tar" "$busybox" >/dev/null
fi
# the jlink runtime, as the Dockerfile's build stage makes it
if [[ ! -x target/jre/bin/java || deploy/docker/java-modules -nt target/jre/release ]]; then
  log "jlink runtime target/jre ($(paste -sd, deploy/docker/java-modules))"
  rm -rf target/jre
  jlink --add-modules "$(paste -sd, deploy/docker/java-modules)" --strip-debug --no-man-pages \
    --no-header-files --compress=2 --output target/jre
  strip --strip-unneeded target/jre/lib/server/libjvm.so
fi

# --- 2. build ------------------------------------------------------------------------------------
start_ns=$(date +%s%N)
if podman build --isolation=chroot --pull=never --format docker --target runtime-prebuilt \
  --build-arg RUNTIME_IMAGE="$base" --build-arg BUSYBOX_IMAGE="$busybox" -t "$image" . >"$work/build.log" 2>&1; then
  build_ms=$((($(date +%s%N) - start_ns) / 1000000))
  size=$(podman image inspect --format '{{.Size}}' "$image")
  ok "image $image built in $((build_ms / 1000)).$(printf '%03d' $((build_ms % 1000)))s, $((size / 1024 / 1024)) MiB"
else
  tail -30 "$work/build.log"
  bad "podman build"
  finish
fi

# --- 3. run --------------------------------------------------------------------------------------
for p in "$grpc_port" "$http_port" "$metrics_port" "$health_port"; do
  if ss -ltnH "sport = :$p" | grep -q .; then
    bad "port $p is in use (set SMOKE_GRPC_PORT / SMOKE_HTTP_PORT / SMOKE_METRICS_PORT / SMOKE_HEALTH_PORT)"
    finish
  fi
done

# Loopback only: the smoke test's traffic never leaves the machine. --read-only checks that the
# image needs no writable root file system (podman adds a tmpfs /tmp); the named volume starts
# as a copy of the image's /var/lib/streamfold, so it also checks that directory's owner.
"${podman_run[@]}" -d --name "$name" --read-only \
  -v "$name-data:/var/lib/streamfold" \
  -e STREAMFOLD_OTLP_GRPC_ENDPOINT="127.0.0.1:$grpc_port" \
  -e STREAMFOLD_OTLP_HTTP_ENDPOINT="127.0.0.1:$http_port" \
  -e STREAMFOLD_METRICS_ENDPOINT="127.0.0.1:$metrics_port" \
  -e STREAMFOLD_HEALTH_ENDPOINT="127.0.0.1:$health_port" \
  -e STREAMFOLD_FINALIZE_GRACE=500ms \
  -e STREAMFOLD_ACCEPT_GRACE=1s \
  -e STREAMFOLD_SHUTDOWN_TIMEOUT=10s \
  -e JAVA_OPTS_EXTRA=-XX:MaxRAM=256m \
  "$image" >/dev/null

# --- 4. health -----------------------------------------------------------------------------------
ready=false
for _ in $(seq 1 120); do
  if [[ "$(podman inspect --format '{{.State.Running}}' "$name" 2>/dev/null)" != true ]]; then
    abort "the container exited (code $(podman inspect --format '{{.State.ExitCode}}' "$name"))"
  fi
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$health_port/health/ready")" == 200 ]]; then
    ready=true
    break
  fi
  sleep 0.5
done
$ready || abort "/health/ready did not answer 200 within 60s"
ok "/health/ready 200"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$health_port/health/live")" == 200 ]] \
  && ok "/health/live 200" || bad "/health/live is not 200"
podman exec "$name" /usr/local/bin/streamfold-healthcheck /health/ready \
  && ok "image healthcheck script" || bad "image healthcheck script failed against a ready service"

# --- 5. a hand-written OTLP/JSON stream (shape A: chunk spans) ----------------------------------
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
trace_id=$(hex 16)
stream_id=$(hex 8)
t0=$(($(date +%s%N) - 5000000000)) # five seconds ago
ms=1000000
resource='{"attributes":[{"key":"service.name","value":{"stringValue":"smoke-app"}}]}'
scope='{"name":"smoke"}'
chunks=""
for i in 0 1 2 3 4; do # Burr numbers chunks from 0; a stream lacking chunk_0 gets no TTFT
  start=$((t0 + (200 + 100 * i) * ms))
  end=$((t0 + (300 + 100 * i) * ms))
  chunks+="${chunks:+,}{\"traceId\":\"$trace_id\",\"spanId\":\"$(hex 8)\",\"parentSpanId\":\"$stream_id\",\"name\":\"chat::chunk_$i\",\"kind\":1,\"startTimeUnixNano\":\"$start\",\"endTimeUnixNano\":\"$end\",\"attributes\":[{\"key\":\"llm_stream.chunk.tokens\",\"value\":{\"intValue\":\"8\"}}]}"
done
stream_span="{\"traceId\":\"$trace_id\",\"spanId\":\"$stream_id\",\"name\":\"chat gpt-4o-mini\",\"kind\":3,\"startTimeUnixNano\":\"$t0\",\"endTimeUnixNano\":\"$((t0 + 800 * ms))\",\"attributes\":[
  {\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}},
  {\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\"openai\"}},
  {\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o-mini\"}},
  {\"key\":\"gen_ai.request.stream\",\"value\":{\"boolValue\":true}},
  {\"key\":\"gen_ai.usage.output_tokens\",\"value\":{\"intValue\":\"40\"}}],\"status\":{\"code\":1}}"
post() { # json -> http status
  curl -s -o "$work/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "$1" "http://127.0.0.1:$http_port/v1/traces" || true
}
# chunks first and the stream span in a later request, as an SDK's batch processor sends them
code1=$(post "{\"resourceSpans\":[{\"resource\":$resource,\"scopeSpans\":[{\"scope\":$scope,\"spans\":[$chunks]}]}]}")
code2=$(post "{\"resourceSpans\":[{\"resource\":$resource,\"scopeSpans\":[{\"scope\":$scope,\"spans\":[$stream_span]}]}]}")
[[ "$code1" == 200 && "$code2" == 200 ]] && ok "POST /v1/traces (OTLP/JSON) 200" \
  || { bad "POST /v1/traces answered $code1 / $code2: $(head -c 300 "$work/resp" 2>/dev/null)"; podman logs "$name" 2>&1 | tail -20 | sed 's/^/      /'; }

condensed=""
running() { [[ "$(podman inspect --format '{{.State.Running}}' "$name" 2>/dev/null)" == true ]]; }
for _ in $(seq 1 60); do
  running || abort "the container exited (code $(podman inspect --format '{{.State.ExitCode}}' "$name"))"
  podman exec "$name" sh -c 'cat /var/lib/streamfold/*.jsonl* 2>/dev/null' >"$work/output.jsonl" || true
  condensed=$(jq -c --arg t "$trace_id" --arg s "$stream_id" '
      .resourceSpans[]?.scopeSpans[]?.spans[]? | select(.traceId == $t and .spanId == $s)
      | [.attributes[]? | {(.key): (.value | to_entries[0].value)}] | add
      | select(has("llm_stream.ttft_ms"))' "$work/output.jsonl" 2>/dev/null | head -1 || true)
  [[ -n "$condensed" ]] && break
  sleep 0.5
done
if [[ -n "$condensed" ]]; then
  ok "condensed span with llm_stream.ttft_ms in the file output"
  check_attr() { # key expected
    local got
    got=$(jq -r --arg k "$1" '.[$k] | tostring' <<<"$condensed")
    if [[ "$got" == "$2" || "$got" == "$2.0" ]]; then ok "$1 = $2"; else bad "$1 = $got, expected $2"; fi
  }
  check_attr llm_stream.ttft_ms 300
  check_attr llm_stream.chunk.count 5
  check_attr llm_stream.sampling_ms 400
  check_attr llm_stream.end_reason stream_end
  leftovers=$(jq -r --arg t "$trace_id" '.resourceSpans[]?.scopeSpans[]?.spans[]? | select(.traceId == $t) | .name' \
    "$work/output.jsonl" | grep -c '::chunk_' || true)
  [[ "$leftovers" == 0 ]] && ok "chunk spans condensed away" || bad "$leftovers chunk spans were passed through"
else
  bad "no span of trace $trace_id with llm_stream.ttft_ms in the output file within 30s"
  head -c 2000 "$work/output.jsonl" | sed 's/^/      /'
fi

# --- 6. load generator over OTLP/gRPC ------------------------------------------------------------
received_traces() {
  { curl -s "http://127.0.0.1:$metrics_port/metrics" || true; } \
    | awk '/^streamfold_received_total\{/ && /signal="traces"/ && /unit="span"/ { s += $NF } END { print s + 0 }'
}
if ((loadgen_seconds > 0)); then
  before=$(received_traces)
  "${podman_run[@]}" -d --name "$name-loadgen" -e JAVA_OPTS_EXTRA=-Xmx256m "$image" \
    loadgen --endpoint "127.0.0.1:$grpc_port" --streams-per-second 20 --duration 0 >/dev/null
  sleep "$loadgen_seconds"
  podman logs "$name-loadgen" >"$work/loadgen.log" 2>&1 || true
  podman rm -f -t 2 "$name-loadgen" >/dev/null 2>&1 || true
  sleep 3 # finalize_grace and the export batch
  after=$(received_traces)
  if awk -v a="$after" -v b="$before" 'BEGIN { exit !(a > b) }'; then
    ok "loadgen over gRPC: received spans $before -> $after"
  else
    bad "loadgen over gRPC: received spans did not grow ($before -> $after)"
    tail -20 "$work/loadgen.log" | sed 's/^/      /'
  fi
fi

# --- 7. metrics ----------------------------------------------------------------------------------
mkdir -p "$(dirname "$scrape_out")"
curl -s "http://127.0.0.1:$metrics_port/metrics" >"$scrape_out" || true
if grep -q '^llm_stream_closed_total{' "$scrape_out"; then
  ok "/metrics has llm_stream_closed_total ($(grep -c '^llm_stream_closed_total{' "$scrape_out") series)"
else
  bad "/metrics has no llm_stream_closed_total series"
fi
grep -q '^gen_ai_client_operation_time_to_first_chunk_seconds_bucket{' "$scrape_out" \
  && ok "/metrics has the TTFT histogram" || bad "/metrics has no gen_ai_client_operation_time_to_first_chunk_seconds_bucket"
if command -v promtool >/dev/null; then
  # lint findings are reported, not fatal: naming advice is not a contract break
  promtool check metrics <"$scrape_out" >"$work/lint" 2>&1 || sed 's/^/      promtool: /' "$work/lint" | head -20
fi
if command -v node >/dev/null && [[ -d deploy/tools/node_modules ]]; then
  node deploy/tools/check-metrics.mjs --scrape "$scrape_out" --dashboard deploy/grafana/dashboards/*.json \
    --rules deploy/compose/rules/*.yml >"$work/names" 2>&1 && ok "dashboard and rule metric names are in the scrape" \
    || { bad "dashboard or rules use metrics the scrape lacks"; sed 's/^/      /' "$work/names"; }
else
  log "deploy/tools not installed: run deploy/check.sh $scrape_out for the metric-name check"
fi
log "scrape saved to $scrape_out"

# --- 8. SIGTERM drains and exits 0 ---------------------------------------------------------------
start=$(date +%s)
podman stop -t 30 "$name" >/dev/null
code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
took=$(($(date +%s) - start))
[[ "$code" == 0 ]] && ok "SIGTERM: exit 0 after ${took}s" || abort "SIGTERM: exit code $code after ${took}s"

finish
