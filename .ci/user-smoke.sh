#!/usr/bin/env bash
# Starts the built jar with the embedded default config (as the README's first command does),
# sends OTLP over gRPC (the bundled load generator) and over HTTP (OTLP JSON with hex ids),
# and checks what arrived in the documented output file. Leaves a scrape in target/ci-scrape.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=target/streamfold.jar
WORK=$(mktemp -d)
OUT="$WORK/streamfold-data/output.jsonl"
LOG="$WORK/streamfold.log"
cleanup() {
  if [ -n "${PID:-}" ] && kill -0 "$PID" 2>/dev/null; then kill -9 "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# default config and the README's JVM flags, run from a scratch directory so ./streamfold-data lands there
(cd "$WORK" && exec java @"$OLDPWD/config/jvm.options" -jar "$OLDPWD/$JAR" >"$LOG" 2>&1) &
PID=$!
for i in $(seq 1 100); do
  if curl -fsS http://localhost:13133/health/ready >/dev/null 2>&1; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then cat "$LOG"; echo "FAIL: service exited"; exit 1; fi
  sleep 0.1
done
curl -fsS http://localhost:13133/health/ready >/dev/null || { cat "$LOG"; echo "FAIL: not ready"; exit 1; }

# gRPC: the load generator sends complete shape A streams
java -jar "$JAR" loadgen --endpoint localhost:4317 --shape A --streams 20 --chunks-per-stream 8 | tee "$WORK/loadgen.txt"

# HTTP/JSON: a stream span with two chunk spans, and a plain span, hex ids
TRACE=5b8efff798038103d269b633813fc60c
NOW=$(date +%s%N)
ms() { echo $((NOW + $1 * 1000000)); }
cat >"$WORK/req.json" <<JSON
{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"ci-smoke"}}]},
 "scopeSpans":[{"scope":{"name":"ci"},"spans":[
  {"traceId":"$TRACE","spanId":"eee19b7ec3c1b174","parentSpanId":"","name":"plain","kind":2,
   "startTimeUnixNano":"$(ms 0)","endTimeUnixNano":"$(ms 5)","attributes":[{"key":"http.route","value":{"stringValue":"/chat"}}]},
  {"traceId":"$TRACE","spanId":"aaaaaaaaaaaaaaa1","parentSpanId":"a0a0a0a0a0a0a0a0","name":"respond::chunk_0","kind":1,
   "startTimeUnixNano":"$(ms 10)","endTimeUnixNano":"$(ms 100)"},
  {"traceId":"$TRACE","spanId":"aaaaaaaaaaaaaaa2","parentSpanId":"a0a0a0a0a0a0a0a0","name":"respond::chunk_1","kind":1,
   "startTimeUnixNano":"$(ms 100)","endTimeUnixNano":"$(ms 160)"},
  {"traceId":"$TRACE","spanId":"a0a0a0a0a0a0a0a0","parentSpanId":"eee19b7ec3c1b174","name":"respond","kind":1,
   "startTimeUnixNano":"$(ms 0)","endTimeUnixNano":"$(ms 200)","attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}}]}
 ]}]}]}
JSON
code=$(curl -sS -o "$WORK/resp.json" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$WORK/req.json" http://localhost:4318/v1/traces)
[ "$code" = 200 ] || { echo "FAIL: HTTP export answered $code: $(cat "$WORK/resp.json")"; exit 1; }

# wait for the grace (2 s) and the batch timeout, then check the file
for i in $(seq 1 100); do
  if [ -f "$OUT" ] && grep -q '"a0a0a0a0a0a0a0a0"' "$OUT" && [ "$(grep -o 'llm_stream.ttft_ms' "$OUT" | wc -l)" -ge 21 ]; then break; fi
  sleep 0.1
done
curl -fsS http://localhost:9464/metrics >target/ci-scrape.txt
python3 - "$OUT" <<'PY'
import json, sys
spans = []
for line in open(sys.argv[1]):
    req = json.loads(line)
    for rs in req.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            spans.extend(ss.get("spans", []))
def attrs(s):
    return {a["key"]: list(a["value"].values())[0] for a in s.get("attributes", [])}
plain = [s for s in spans if s["spanId"] == "eee19b7ec3c1b174"]
assert len(plain) == 1 and plain[0]["traceId"] == "5b8efff798038103d269b633813fc60c", plain
assert attrs(plain[0]) == {"http.route": "/chat"}, plain
stream = [s for s in spans if s["spanId"] == "a0a0a0a0a0a0a0a0"]
assert len(stream) == 1, stream
a = attrs(stream[0])
assert a["llm_stream.chunk.count"] in ("2", 2), a
assert abs(float(a["llm_stream.ttft_ms"]) - 100.0) < 1e-6, a
assert abs(float(a["llm_stream.sampling_ms"]) - 60.0) < 1e-6, a
assert not any(s["name"].startswith("respond::chunk_") for s in spans), "chunk spans leaked"
condensed = [s for s in spans if "llm_stream.ttft_ms" in attrs(s)]
assert len(condensed) >= 21, len(condensed)
print(f"user smoke OK: {len(spans)} spans in the output file, {len(condensed)} condensed")
PY
grep -q '^llm_stream_closed_total' target/ci-scrape.txt || { echo "FAIL: llm_stream_closed_total missing from /metrics"; exit 1; }
kill -TERM "$PID"
for i in $(seq 1 200); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then echo "FAIL: no exit 20 s after SIGTERM"; exit 1; fi
wait "$PID" && rc=0 || rc=$?
[ "$rc" = 0 ] || { cat "$LOG"; echo "FAIL: exit code $rc after SIGTERM"; exit 1; }
echo "clean exit after SIGTERM"
