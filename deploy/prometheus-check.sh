#!/usr/bin/env bash
# A real Prometheus (Debian's `prometheus` package) scrapes the built jar under load with the
# project's own rules; then every rule and every dashboard query is evaluated over the HTTP API
# (deploy/tools/check-queries.py) and an empty or erroring one fails. Also checks that SIGHUP
# reloads instead of killing the process, and that the reload is logged.
#
#   deploy/prometheus-check.sh [JAR]        (default target/streamfold.jar; about 40 s)
#
# Ports: PROMCHECK_PORT_BASE (default 24700) .. +5, loopback only. Installs prometheus with
# apt-get when missing and running as root.
set -euo pipefail
cd "$(dirname "$0")/.."
jar="${1:-target/streamfold.jar}"
base="${PROMCHECK_PORT_BASE:-24700}"
grpc=$((base + 1)) http=$((base + 2)) metrics=$((base + 3)) health=$((base + 4)) prom=$((base + 5))
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! command -v prometheus >/dev/null && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; } \
    >"$work/apt.log" 2>&1 || tail -5 "$work/apt.log"
fi
command -v prometheus >/dev/null || { echo "prometheus-check: prometheus not installed"; exit 1; }
[[ -f "$jar" ]] || { echo "prometheus-check: $jar missing (mvn -B package -DskipTests)"; exit 1; }

wait_for() { # url what pid
  for _ in $(seq 1 300); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    kill -0 "$3" 2>/dev/null || { cat "$work/$2.log"; echo "prometheus-check: $2 exited"; return 1; }
    sleep 0.2
  done
  cat "$work/$2.log"
  echo "prometheus-check: $2 not ready at $1"
  return 1
}

# streamfold: short window timings so leaked streams (idle_timeout) and evictions happen within
# the run; the rest is the embedded default config
java -jar "$jar" \
  --set "receivers.otlp.grpc.endpoint=127.0.0.1:$grpc" --set "receivers.otlp.http.endpoint=127.0.0.1:$http" \
  --set "telemetry.prometheus.endpoint=127.0.0.1:$metrics" --set "service.health.endpoint=127.0.0.1:$health" \
  --set "exporter.file.path=$work/out.jsonl" --set window.idle_timeout=2s --set window.finalize_grace=1s \
  --set window.max_open_streams=40 >"$work/streamfold.log" 2>&1 &
sf=$!
pids+=("$sf")

cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $PWD/deploy/compose/rules/streamfold.rules.yml
scrape_configs:
  - job_name: any-job-name
    static_configs:
      - targets: ["127.0.0.1:$metrics"]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom" --enable-feature=exemplar-storage >"$work/prometheus.log" 2>&1 &
pids+=("$!")

wait_for "http://127.0.0.1:$health/health/ready" streamfold "$sf"
wait_for "http://127.0.0.1:$prom/-/ready" prometheus "${pids[1]}"
sleep 3 # a few scrapes before the first event, so rate() sees it start from 0

lg() { java -jar "$jar" loadgen --endpoint "127.0.0.1:$grpc" --services 2 --models 2 "$@" >>"$work/loadgen.log" 2>&1; }
lg --shape mix --streams 400 --streams-per-second 200 --error-rate 0.2 --chunk-tokens
lg --shape A --no-stream-span --streams 20 --streams-per-second 20
# SIGHUP: the config is reloaded (same --set, no change) and the process keeps serving
kill -HUP "$sf"
for _ in $(seq 1 300); do
  grep -q "SIGHUP: config reloaded" "$work/streamfold.log" && break
  kill -0 "$sf" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$sf" || { echo "prometheus-check: SIGHUP killed streamfold"; cat "$work/streamfold.log"; exit 1; }
grep -q "SIGHUP: config reloaded" "$work/streamfold.log" || { cat "$work/streamfold.log"; echo "prometheus-check: no reload logged within 30 s"; exit 1; }
sleep 6 # idle_timeout closes the leaked streams; a few more scrapes and rule evaluations

python3 deploy/tools/check-queries.py "http://127.0.0.1:$prom" deploy/grafana/dashboards/streamfold.json
