#!/usr/bin/env python3
"""Writes deploy/grafana/dashboards/streamfold.json (the provisioned Grafana dashboard).

Edit the panels here and run `python3 deploy/tools/make_dashboard.py`; deploy/check.sh then
checks that every metric the queries use is one the service exposes.
"""
import json
import pathlib

DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'service_name=~"$service", gen_ai_request_model=~"$model"'
# leaked streams carry no model (it is an attribute of the stream span that never came): views of
# them filter by service only, so picking a model does not hide them
SEL_SVC = 'service_name=~"$service"'
RI = "$__rate_interval"

panels = []
_next_id = [1]
_y = [0]


def _id():
    i = _next_id[0]
    _next_id[0] += 1
    return i


def row(title):
    panels.append({"type": "row", "title": title, "id": _id(), "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": _y[0]}, "panels": []})
    _y[0] += 1


def ts(title, targets, unit, x, w=12, h=8, description="", stack=False, min0=True, exemplars=False):
    p = {
        "type": "timeseries", "title": title, "id": _id(), "datasource": DS, "description": description,
        "gridPos": {"h": h, "w": w, "x": x, "y": _y[0]},
        "fieldConfig": {"defaults": {"unit": unit, "custom": {
            "drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
            "stacking": {"mode": "normal" if stack else "none", "group": "A"}},
            **({"min": 0} if min0 else {})}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max", "lastNotNull"]},
                    "tooltip": {"mode": "multi", "sort": "desc"}},
        "targets": [{"datasource": DS, "refId": chr(65 + i), "expr": e, "legendFormat": l, "range": True,
                     **({"exemplar": True} if exemplars else {})}
                    for i, (e, l) in enumerate(targets)],
    }
    panels.append(p)
    return p


def stat(title, expr, unit, x, w=6, h=4, description="", thresholds=None):
    panels.append({
        "type": "stat", "title": title, "id": _id(), "datasource": DS, "description": description,
        "gridPos": {"h": h, "w": w, "x": x, "y": _y[0]},
        "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": thresholds or [
            {"color": "green", "value": None}]}}, "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "colorMode": "value", "graphMode": "area", "textMode": "auto"},
        "targets": [{"datasource": DS, "refId": "A", "expr": expr, "instant": False, "range": True}],
    })


def next_line(h):
    _y[0] += h


def quantiles(metric, by="gen_ai_request_model", qs=(0.5, 0.95)):
    return [(f'histogram_quantile({q}, sum by (le, {by}) (rate({metric}_bucket{{{SEL}}}[{RI}])))',
             f'p{int(q * 100)} {{{{{by}}}}}') for q in qs]


# --- overview ---------------------------------------------------------------------------------
row("Overview")
stat("Streams closed / s", f'sum(rate(llm_stream_closed_total{{{SEL}}}[{RI}]))', "reqps", 0)
stat("Active streams", 'sum(llm_stream_active{instance=~"$instance"})', "short", 6,
     description="Streams open in the window now (held stream spans included).")
stat("TTFT p95", f'histogram_quantile(0.95, sum by (le) (rate(gen_ai_client_operation_time_to_first_chunk_seconds_bucket{{{SEL}}}[{RI}])))',
     "s", 12)
stat("Incomplete streams", f'(sum(rate(llm_stream_closed_total{{{SEL_SVC}, llm_stream_end_reason!="stream_end"}}[{RI}])) or vector(0)) / sum(rate(llm_stream_closed_total{{{SEL_SVC}}}[{RI}]))',
     "percentunit", 18, description="Share of streams not closed by their stream span (idle_timeout, max_age, evicted, shutdown), "
                                    "per service: leaked streams have no model, so the model variable does not apply.",
     thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 0.01}, {"color": "red", "value": 0.05}])
next_line(4)

# --- latency ------------------------------------------------------------------------------------
row("Streaming latency")
ts("Time to first chunk (TTFT) p50 / p95 per model",
   quantiles("gen_ai_client_operation_time_to_first_chunk_seconds"), "s", 0, exemplars=True,
   description="gen_ai.client.operation.time_to_first_chunk: stream span start to first chunk. "
               "Exemplars (dots) link to the condensed span's trace.")
ts("Output tokens per second p50 / p95 per model",
   quantiles("llm_stream_output_tokens_per_second"), "short", 12, exemplars=True,
   description="output_tokens / sampling time (first to last chunk). Streams without a token count are not observed.")
next_line(8)
ts("Chunk interval p50 / p95 per model",
   quantiles("gen_ai_client_operation_time_per_output_chunk_seconds"), "s", 0, exemplars=True,
   description="gen_ai.client.operation.time_per_output_chunk: one observation per interval between consecutive chunks.")
ts("Stream duration p50 / p95 per model",
   quantiles("gen_ai_client_operation_duration_seconds"), "s", 12, exemplars=True)
next_line(8)

# --- outcomes -----------------------------------------------------------------------------------
row("Stream outcomes")
ts("Streams closed by end reason and input shape",
   [(f'sum by (llm_stream_end_reason, llm_stream_input_shape) (rate(llm_stream_closed_total{{{SEL}}}[{RI}]))',
     "{{llm_stream_end_reason}} / {{llm_stream_input_shape}}")], "reqps", 0, stack=True)
ts("Leaked streams (no stream span: idle_timeout, max_age, evicted, shutdown)",
   [(f'sum by (llm_stream_end_reason, service_name) (rate(llm_stream_closed_total{{{SEL_SVC}, llm_stream_end_reason!="stream_end"}}[{RI}]))',
     "{{llm_stream_end_reason}} {{service_name}}")], "reqps", 12,
   description="Filtered by service only: a leaked stream has no model. A stream whose stream span never arrived is closed by the window and emitted as llm_stream.incomplete. "
               "idle_timeout/max_age: the app never ended the span (or exported it elsewhere); evicted: the window's bounds are too small.")
next_line(8)
ts("Active streams", [('sum by (instance) (llm_stream_active{instance=~"$instance"})', "{{instance}}")], "short", 0, w=8)
ts("Errored streams per model and error type",
   [(f'sum by (gen_ai_request_model, error_type) (rate(gen_ai_client_operation_duration_seconds_count{{{SEL}, error_type!=""}}[{RI}]))',
     "{{gen_ai_request_model}} {{error_type}}")], "reqps", 8, w=8)
ts("Tokens per second by model and type",
   [(f'sum by (gen_ai_request_model, gen_ai_token_type) (rate(gen_ai_client_token_usage_sum{{{SEL}}}[{RI}]))',
     "{{gen_ai_request_model}} {{gen_ai_token_type}}")], "short", 16, w=8)
next_line(8)

# --- streamfold health --------------------------------------------------------------------------
row("streamfold health")
ts("Items in and out per second",
   [(f'sum by (unit) (rate(streamfold_received_total{{instance=~"$instance"}}[{RI}]))', "received {{unit}}"),
    (f'sum by (unit) (rate(streamfold_passed_total{{instance=~"$instance"}}[{RI}]))', "passed {{unit}}"),
    (f'sum by (unit) (rate(streamfold_condensed_total{{instance=~"$instance"}}[{RI}]))', "condensed {{unit}}"),
    (f'sum by (unit, reason) (rate(streamfold_dropped_total{{instance=~"$instance"}}[{RI}]))', "dropped {{unit}} {{reason}}"),
    (f'sum(rate(streamfold_generated_spans_total{{instance=~"$instance"}}[{RI}]))', "generated spans")],
   "short", 0, description="received = passed + condensed + dropped + buffered, per unit (span, span event, log record).")
ts("Refused requests, late and missing chunks",
   [(f'sum by (signal, reason) (rate(streamfold_refused_total{{instance=~"$instance"}}[{RI}]))', "refused {{signal}} {{reason}}"),
    (f'sum(rate(streamfold_late_chunks_total{{instance=~"$instance"}}[{RI}]))', "late chunks"),
    (f'sum(rate(streamfold_missing_chunks_total{{instance=~"$instance"}}[{RI}]))', "missing chunks")],
   "short", 12, description="Refused: backpressure (export queue full), window_backlog (window behind its input), memory_limit, or bad requests answered with UNAVAILABLE / 503 / 4xx. Late: chunks of an already closed stream. Missing: chunks closed streams lack by their indexes or stated count (producer drops, or routing changed under open streams).")
next_line(8)
ts("Export",
   [(f'sum by (signal) (rate(streamfold_exported_total{{instance=~"$instance"}}[{RI}]))', "exported {{signal}}"),
    (f'sum by (signal, reason) (rate(streamfold_export_failed_total{{instance=~"$instance"}}[{RI}]))', "failed {{signal}} {{reason}}")],
   "short", 0, w=8)
ts("Export queue fill",
   [('sum by (instance) (streamfold_export_queue_size{instance=~"$instance"}) / sum by (instance) (streamfold_export_queue_capacity{instance=~"$instance"})',
     "{{instance}}")], "percentunit", 8, w=8)
ts("Memory",
   [('sum by (instance) (streamfold_window_memory_bytes{instance=~"$instance"})', "window estimate {{instance}}"),
    ('sum by (instance) (jvm_memory_used_bytes{instance=~"$instance", area="heap"})', "heap used {{instance}}"),
    ('sum by (instance) (jvm_memory_max_bytes{instance=~"$instance", area="heap"})', "heap max {{instance}}")],
   "bytes", 16, w=8)
next_line(8)


def var(name, label, query, include_all=True):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "query": {"query": query, "refId": name}, "definition": query,
            "refresh": 2, "includeAll": include_all, "multi": True, "allValue": ".*",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1}


dashboard = {
    "uid": "streamfold", "title": "streamfold", "tags": ["streamfold", "llm", "opentelemetry"],
    "timezone": "browser", "schemaVersion": 39, "version": 1, "editable": True, "graphTooltip": 1,
    "refresh": "10s", "time": {"from": "now-30m", "to": "now"},
    "templating": {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
         "current": {"selected": True, "text": "Prometheus", "value": "prometheus"}},
        var("service", "Service", "label_values(llm_stream_closed_total, service_name)"),
        var("model", "Model", "label_values(llm_stream_closed_total, gen_ai_request_model)"),
        var("instance", "streamfold instance", "label_values(streamfold_received_total, instance)"),
    ]},
    "annotations": {"list": []},
    "panels": panels,
}

out = pathlib.Path(__file__).resolve().parent.parent / "grafana" / "dashboards" / "streamfold.json"
out.write_text(json.dumps(dashboard, indent=2) + "\n")
print(f"wrote {out}")
