// Validates rendered Kubernetes manifests (multi-document YAML files, e.g. the output of
// `kubectl kustomize`) against the Kubernetes OpenAPI schemas shipped in kubernetes-models,
// plus a few rules this project holds its manifests to.
//
//   node validate-k8s.mjs rendered.yaml [more.yaml ...]
//
// Exit 0 when every document validates; 1 with one line per problem otherwise.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import yaml from "js-yaml";

const require = createRequire(import.meta.url);
const problems = [];

function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  try {
    return require(path)[kind];
  } catch {
    return null;
  }
}

function podSpecOf(doc) {
  switch (doc.kind) {
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return doc.spec?.template?.spec;
    case "CronJob":
      return doc.spec?.jobTemplate?.spec?.template?.spec;
    case "Pod":
      return doc.spec;
    default:
      return null;
  }
}

// Project rules: non-root, read-only root file system, memory limits, every mount backed by a
// volume, every ConfigMap volume backed by a ConfigMap in the same render, probes on streamfold.
function checkPod(where, spec, configMaps) {
  const podSc = spec.securityContext ?? {};
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  for (const c of containers) {
    const at = `${where} container ${c.name}`;
    const sc = c.securityContext ?? {};
    if (!(sc.runAsNonRoot ?? podSc.runAsNonRoot)) problems.push(`${at}: runAsNonRoot is not set`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem is not true`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
    if (!c.resources?.limits?.memory) problems.push(`${at}: no memory limit`);
    for (const m of c.volumeMounts ?? []) {
      if (!volumes.has(m.name)) problems.push(`${at}: volumeMount ${m.name} has no volume`);
    }
    if (c.name === "streamfold") {
      if (c.livenessProbe?.httpGet?.path !== "/health/live") problems.push(`${at}: livenessProbe is not /health/live`);
      if (c.readinessProbe?.httpGet?.path !== "/health/ready") problems.push(`${at}: readinessProbe is not /health/ready`);
      if (!(c.volumeMounts ?? []).some((m) => m.mountPath === "/tmp")) problems.push(`${at}: no writable /tmp`);
    }
  }
  for (const c of spec.initContainers ?? []) {
    if (c.name === "streamfold" && c.restartPolicy !== "Always") {
      problems.push(`${where} init container streamfold: not a native sidecar (restartPolicy: Always)`);
    }
  }
  for (const v of volumes.values()) {
    if (v.configMap && !configMaps.has(v.configMap.name)) {
      problems.push(`${where} volume ${v.name}: ConfigMap ${v.configMap.name} is not in this render`);
    }
  }
}

let count = 0;
for (const file of process.argv.slice(2)) {
  const docs = yaml.loadAll(readFileSync(file, "utf8")).filter((d) => d != null);
  const configMaps = new Set(docs.filter((d) => d.kind === "ConfigMap").map((d) => d.metadata?.name));
  for (const doc of docs) {
    count++;
    const where = `${file}: ${doc.kind}/${doc.metadata?.name}`;
    const Model = modelFor(doc.apiVersion ?? "", doc.kind ?? "");
    if (!Model) {
      problems.push(`${where}: unknown apiVersion/kind ${doc.apiVersion}/${doc.kind}`);
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (e) {
      const details = (e.errors ?? []).map((x) => `${x.instancePath} ${x.message}${x.params?.additionalProperty ? ` (${x.params.additionalProperty})` : ""}`);
      problems.push(`${where}: ${details.length ? details.join("; ") : e.message}`);
    }
    const spec = podSpecOf(doc);
    if (spec) checkPod(where, spec, configMaps);
  }
}

for (const p of problems) console.error(`k8s: ${p}`);
if (count === 0) {
  console.error("k8s: no manifests given");
  process.exit(1);
}
console.log(`k8s: ${count} objects checked, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
