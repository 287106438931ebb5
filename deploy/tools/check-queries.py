#!/usr/bin/env python3
"""Evaluates the project's rules and dashboard queries against a running Prometheus.

  check-queries.py PROMETHEUS_URL DASHBOARD.json

Fails (exit 1, one line per problem) when a rule has not evaluated cleanly, a recording rule has
produced no series, an alert's measured side (left of its top-level comparison) is empty, a
dashboard query errors or returns nothing, or a panel that shows exemplars has none.
"""
import json
import sys
import urllib.parse
import urllib.request

VARS = {"$__rate_interval": "30s", "${datasource}": "", "$service": ".*", "$model": ".*", "$instance": ".*"}


def api(base, path, **params):
    url = f"{base}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
    except urllib.error.HTTPError as e:
        body = json.load(e)
    if body.get("status") != "success":
        raise RuntimeError(f"{body.get('errorType')}: {body.get('error')}")
    return body["data"]


def measured_side(expr):
    """The left operand of the last top-level comparison (outside (), {}, [] and quotes), or None."""
    depth, quote, cut = 0, None, None
    i = 0
    while i < len(expr):
        c = expr[i]
        if quote:
            quote = None if c == quote and expr[i - 1] != "\\" else quote
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and c in "<>=!" and expr[i:i + 2] not in ("=~", "!~"):
            if c in "<>" or expr[i + 1:i + 2] == "=":
                cut = i
                i += 1 if expr[i + 1:i + 2] == "=" else 0
        i += 1
    return expr[:cut].strip() if cut is not None else None


def main():
    base, dashboard_file = sys.argv[1].rstrip("/"), sys.argv[2]
    problems, checked = [], 0

    for group in api(base, "rules")["groups"]:
        for rule in group["rules"]:
            name = rule.get("name")
            checked += 1
            if rule.get("health") != "ok":
                problems.append(f"rule {name}: health {rule.get('health')}: {rule.get('lastError')}")
                continue
            try:
                if rule["type"] == "recording":
                    if not api(base, "query", query=name)["result"]:
                        problems.append(f"recording rule {name}: no series")
                else:
                    api(base, "query", query=rule["query"])
                    side = measured_side(rule["query"])
                    if side and not api(base, "query", query=side)["result"]:
                        problems.append(f"alert {name}: nothing to compare: {side!r} is empty")
            except RuntimeError as e:
                problems.append(f"rule {name}: {e}")

    dashboard = json.load(open(dashboard_file))
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for k, v in VARS.items():
                expr = expr.replace(k, v)
            where = f"panel {panel['title']!r} {target['refId']}"
            checked += 1
            try:
                if not api(base, "query", query=expr)["result"]:
                    problems.append(f"{where}: empty: {expr}")
                if target.get("exemplar"):
                    ex = api(base, "query_exemplars", query=expr, start="0", end="9999999999")
                    if not any(s.get("exemplars") for s in ex):
                        problems.append(f"{where}: no exemplars: {expr}")
            except RuntimeError as e:
                problems.append(f"{where}: {e}: {expr}")

    for p in problems:
        print(p)
    print(f"check-queries: {checked} rules and queries, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
