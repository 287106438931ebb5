#!/usr/bin/env bash
# CI checks of deploy/ that need no container engine or cluster:
#   yamllint, compose structure, Prometheus config and rules (promtool), dashboard JSON and the
#   metric names its queries and the rules use, kustomize renders of deploy/k8s/base and
#   deploy/k8s/scale-out validated against the Kubernetes schemas, the Dockerfile's stages, and
#   a lint of the shell scripts (shellcheck).
#
#   deploy/check.sh [SCRAPE]
#
# SCRAPE: a Prometheus text scrape of a running streamfold that has handled some streams
# (curl -s localhost:9464/metrics > scrape.txt); metric names are then checked against it
# instead of deploy/tools/known-metrics.txt. deploy/smoke.sh writes one.
#
# Missing tools (yamllint, promtool, shellcheck) are installed with apt-get when running as
# root; node/npm and kubectl must be present. DEPLOY_CHECK_ALLOW_MISSING=1 turns a tool that is
# still missing into a skipped check instead of a failure. Idempotent: the npm tools are
# installed once into deploy/tools/node_modules and reused.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
scrape="${1:-}"
if [[ -n "$scrape" && ! -s "$scrape" ]]; then
  echo "deploy-check: scrape file '$scrape' is missing or empty" >&2
  exit 2
fi

passed=0
failed=0
skipped=0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step() { # name command...
  local name="$1"
  shift
  if "$@" >"$work/out" 2>&1; then
    passed=$((passed + 1))
    echo "ok    $name"
  else
    failed=$((failed + 1))
    echo "FAIL  $name"
    sed 's/^/      /' "$work/out"
  fi
}

skip() {
  skipped=$((skipped + 1))
  echo "skip  $1"
}

missing_tool() { # name tool
  if [[ "${DEPLOY_CHECK_ALLOW_MISSING:-0}" == 1 ]]; then
    skip "$1 ($2 not installed)"
  else
    failed=$((failed + 1))
    echo "FAIL  $1: $2 not installed (DEPLOY_CHECK_ALLOW_MISSING=1 skips)"
  fi
}

# --- tools ---------------------------------------------------------------------------------------
need_apt=()
command -v yamllint >/dev/null || need_apt+=(yamllint)
command -v promtool >/dev/null || need_apt+=(prometheus)
command -v shellcheck >/dev/null || need_apt+=(shellcheck)
if ((${#need_apt[@]})) && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  echo "deploy-check: installing ${need_apt[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"; } \
    >"$work/apt.log" 2>&1 || { echo "deploy-check: apt-get failed:"; tail -5 "$work/apt.log"; }
fi

npm_tools() {
  local dir=deploy/tools
  # reinstall only when the lock file changed since the last install
  if [[ ! -f $dir/node_modules/.package-lock.json || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    (cd $dir && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

have_node=true
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  have_node=false
  missing_tool "npm tools" node/npm
else
  step "npm tools (deploy/tools)" npm_tools || true
fi

# --- YAML ----------------------------------------------------------------------------------------
if command -v yamllint >/dev/null; then
  step "yamllint deploy/" yamllint --strict -c deploy/.yamllint deploy/
else
  missing_tool "yamllint deploy/" yamllint
fi

# --- compose -------------------------------------------------------------------------------------
if $have_node; then
  step "compose structure" node deploy/tools/check-compose.mjs deploy/compose/docker-compose.yaml
fi
if docker compose version >/dev/null 2>&1; then
  step "docker compose config" docker compose -f deploy/compose/docker-compose.yaml config -q
fi

# --- Prometheus ----------------------------------------------------------------------------------
if command -v promtool >/dev/null; then
  step "promtool check config" promtool check config --syntax-only deploy/compose/prometheus.yml
  step "promtool check rules" promtool check rules deploy/compose/rules/*.yml
else
  missing_tool "promtool" promtool
fi

# --- Grafana -------------------------------------------------------------------------------------
dashboards=(deploy/grafana/dashboards/*.json)
if $have_node; then
  step "dashboard JSON parses" node -e 'for (const f of process.argv.slice(1)) { const d = JSON.parse(require("fs").readFileSync(f, "utf8")); if (!d.uid || !Array.isArray(d.panels) || d.panels.length === 0) throw new Error(f + ": no uid or no panels"); }' "${dashboards[@]}"
  metric_args=(--dashboard "${dashboards[@]}" --rules deploy/compose/rules/*.yml)
  [[ -n "$scrape" ]] && metric_args=(--scrape "$scrape" "${metric_args[@]}")
  step "metric names in dashboards and rules${scrape:+ (scrape $scrape)}" node deploy/tools/check-metrics.mjs "${metric_args[@]}"
fi

# --- Kubernetes ----------------------------------------------------------------------------------
if command -v kubectl >/dev/null; then
  for layout in base scale-out; do
    step "kubectl kustomize deploy/k8s/$layout" kubectl kustomize "deploy/k8s/$layout" -o "$work/k8s-$layout.yaml"
    if $have_node && [[ -s "$work/k8s-$layout.yaml" ]]; then
      step "k8s schema deploy/k8s/$layout" node deploy/tools/validate-k8s.mjs "$work/k8s-$layout.yaml"
    fi
  done
  step "kubectl kustomize deploy/k8s/monitoring" kubectl kustomize deploy/k8s/monitoring -o "$work/k8s-monitoring.yaml"
  if [[ -s "$work/k8s-monitoring.yaml" && -s "$work/k8s-base.yaml" && -s "$work/k8s-scale-out.yaml" ]]; then
    step "PodMonitor / ServiceMonitor select streamfold" python3 deploy/tools/check-monitors.py \
      "$work/k8s-monitoring.yaml" "$work/k8s-base.yaml" "$work/k8s-scale-out.yaml"
  fi
else
  missing_tool "kubectl kustomize" kubectl
fi

# --- Dockerfile and scripts ----------------------------------------------------------------------
dockerfile_stages() {
  local f=Dockerfile ok=0
  for stage in build runtime-base runtime-prebuilt runtime; do
    grep -Eqi "^FROM[[:space:]]+[^[:space:]]+[[:space:]]+AS[[:space:]]+${stage}[[:space:]]*$" $f || { echo "no stage $stage"; ok=1; }
  done
  for arg in BUILD_IMAGE RUNTIME_IMAGE; do
    grep -Eq "^ARG $arg=" $f || { echo "no ARG $arg with a default"; ok=1; }
  done
  # the default target (the last stage) must build from source
  [[ "$(grep -Ei '^FROM' $f | tail -1)" =~ [[:space:]]AS[[:space:]]+runtime[[:space:]]*$ ]] || { echo "the last stage is not 'runtime'"; ok=1; }
  grep -Eq '^USER [1-9][0-9]*:[0-9]+' $f || { echo "USER is not a numeric non-root uid:gid"; ok=1; }
  grep -q '^HEALTHCHECK' $f || { echo "no HEALTHCHECK"; ok=1; }
  return $ok
}
step "Dockerfile stages" dockerfile_stages
if command -v shellcheck >/dev/null; then
  step "shellcheck" shellcheck deploy/check.sh deploy/prometheus-check.sh deploy/smoke.sh deploy/docker/entrypoint.sh deploy/docker/healthcheck.sh
else
  missing_tool "shellcheck" shellcheck
fi

extra=""
((skipped > 0)) && extra=", $skipped skipped"
echo "deploy-check: $passed passed, $failed failed$extra"
((failed == 0))
