// Checks that every metric name used by the Grafana dashboards and Prometheus rules is one the
// service exposes.
//
//   node check-metrics.mjs [--scrape FILE] --dashboard FILE... --rules FILE...
//
// Known names: from a Prometheus text scrape of a running streamfold when --scrape is given
// (plus the event-only metrics of event-only-metrics.txt that a quiet scrape lacks), otherwise
// from known-metrics.txt. Recording-rule names and Prometheus' own `up` are always known.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const files = { dashboard: [], rules: [] };
let scrape = null;
for (let i = 0, mode = null; i < args.length; i++) {
  if (args[i] === "--scrape") scrape = args[++i];
  else if (args[i] === "--dashboard") mode = "dashboard";
  else if (args[i] === "--rules") mode = "rules";
  else if (mode) files[mode].push(args[i]);
  else throw new Error(`unexpected argument ${args[i]}`);
}

function listFile(name) {
  return readFileSync(join(here, name), "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}

function expand(name, type, into) {
  into.add(name);
  if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) into.add(name + s);
  if (type === "summary") for (const s of ["_sum", "_count"]) into.add(name + s);
  if (type === "counter" && !name.endsWith("_total")) into.add(name + "_total");
}

const fallback = new Set();
for (const line of listFile("known-metrics.txt")) {
  const [name, type] = line.split(/\s+/);
  expand(name, type, fallback);
}
const eventOnly = new Set(listFile("event-only-metrics.txt"));

let known;
if (scrape) {
  known = new Set();
  for (const line of readFileSync(scrape, "utf8").split("\n")) {
    const type = line.match(/^# TYPE (\S+) (\S+)/);
    if (type) expand(type[1], type[2], known);
    else if (line && !line.startsWith("#")) known.add(line.match(/^[^{\s]+/)[0]);
  }
  if (known.size === 0) {
    console.error(`metrics: the scrape ${scrape} has no metrics`);
    process.exit(1);
  }
} else {
  known = fallback;
}
known.add("up");

// --- PromQL metric-name extraction -------------------------------------------------------------
const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
  "group_left", "group_right", "inf", "nan", "Inf", "NaN", "atan2"]);

function metricNames(expr) {
  let s = expr
    .replace(/label_values\(\s*([^,()]*(?:\{[^}]*\})?)\s*,[^)]*\)/g, " $1 ")
    .replace(/label_values\(\s*\w+\s*\)/g, " ")
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\{?\w+\}?/g, " ")
    .replace(/\boffset\s+\w+/g, " ")
    .replace(/(^|[^A-Za-z0-9_:])\d+(\.\d+)?([eE][+-]?\d+)?/g, "$1 ");
  const out = [];
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = s.slice(m.index + m[0].length);
    if (/^\s*\(/.test(rest)) continue; // a function or aggregation
    if (KEYWORDS.has(m[0])) continue;
    out.push(m[0]);
  }
  return out;
}

const uses = []; // [source, expr]
for (const f of files.dashboard) {
  const walk = (node, path) => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${path}[${i}]`));
    else if (node && typeof node === "object") {
      if (node.type === "datasource") return; // a data source picker, not a query
      for (const [k, v] of Object.entries(node)) {
        if ((k === "expr" || (k === "query" && path.includes("templating"))) && typeof v === "string") uses.push([`${f} ${path}.${k}`, v]);
        else walk(v, `${path}.${k}`);
      }
    }
  };
  walk(JSON.parse(readFileSync(f, "utf8")), "");
}
const recorded = new Set();
for (const f of files.rules) {
  for (const g of yaml.load(readFileSync(f, "utf8")).groups ?? []) {
    for (const r of g.rules ?? []) {
      if (r.record) recorded.add(r.record);
      uses.push([`${f} ${g.name}/${r.record ?? r.alert}`, String(r.expr)]);
    }
  }
}

const problems = [];
const notes = new Set();
const seen = new Set();
for (const [where, expr] of uses) {
  for (const name of metricNames(expr)) {
    seen.add(name);
    if (known.has(name) || recorded.has(name)) continue;
    const family = name.replace(/_(bucket|sum|count)$/, "");
    if (scrape && fallback.has(name) && (eventOnly.has(name) || eventOnly.has(family))) {
      notes.add(`${name} is not in the scrape (it appears after its first event); accepted from known-metrics.txt`);
      continue;
    }
    problems.push(`${where}: unknown metric ${name}`);
  }
}
if (process.env.CHECK_METRICS_VERBOSE) console.log(`metrics: used: ${[...seen].sort().join(" ")}`);
for (const n of notes) console.log(`metrics: note: ${n}`);
for (const p of problems) console.error(`metrics: ${p}`);
if (uses.length === 0) {
  console.error("metrics: no queries found");
  process.exit(1);
}
console.log(`metrics: ${uses.length} queries, ${seen.size} metric names, checked against ${scrape ? `scrape ${scrape}` : "known-metrics.txt"}: ${problems.length} unknown`);
process.exit(problems.length ? 1 : 0);
