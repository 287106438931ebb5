// Structural checks of a compose file, without a container engine: every service has an image
// or a build whose context and Dockerfile exist, every referenced service / volume exists,
// relative bind mounts exist, and every STREAMFOLD_* variable a service sets is one the image's
// config file (deploy/docker/streamfold.yaml) or entrypoint reads (no silently ignored typos).
//
//   node check-compose.mjs deploy/compose/docker-compose.yaml
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const here = dirname(fileURLToPath(import.meta.url));
const file = process.argv[2];
const base = dirname(resolve(file));
const doc = yaml.load(readFileSync(file, "utf8"));
const problems = [];

const containerConfig = readFileSync(join(here, "..", "docker", "streamfold.yaml"), "utf8");
const readByImage = new Set([...containerConfig.matchAll(/\$\{env:(\w+)/g)].map((m) => m[1]));
for (const v of ["STREAMFOLD_CONFIG"]) readByImage.add(v);

const services = doc.services ?? {};
const volumes = new Set(Object.keys(doc.volumes ?? {}));
if (Object.keys(services).length === 0) problems.push("no services");

function envOf(svc) {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e) => [e.split("=")[0], e.split("=").slice(1).join("=")]));
  return env;
}

for (const [name, svc] of Object.entries(services)) {
  const at = `service ${name}`;
  if (!svc.image && !svc.build) problems.push(`${at}: neither image nor build`);
  if (svc.build) {
    const ctx = resolve(base, typeof svc.build === "string" ? svc.build : svc.build.context ?? ".");
    const df = typeof svc.build === "object" && svc.build.dockerfile ? svc.build.dockerfile : "Dockerfile";
    if (!existsSync(ctx)) problems.push(`${at}: build context ${ctx} does not exist`);
    else if (!existsSync(join(ctx, df))) problems.push(`${at}: ${df} not found in ${ctx}`);
    else if (svc.build.target && !new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${svc.build.target}\\s*$`, "mi").test(readFileSync(join(ctx, df), "utf8"))) {
      problems.push(`${at}: build target ${svc.build.target} is not a stage of ${df}`);
    }
  }
  const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
  for (const d of deps) if (!services[d]) problems.push(`${at}: depends_on unknown service ${d}`);
  const nm = svc.network_mode ?? "";
  if (nm.startsWith("service:") && !services[nm.slice(8)]) problems.push(`${at}: network_mode refers to unknown service ${nm.slice(8)}`);
  if (nm.startsWith("service:") && svc.ports) problems.push(`${at}: ports cannot be published with network_mode ${nm}`);
  for (const v of svc.volumes ?? []) {
    const src = typeof v === "string" ? v.split(":")[0] : v.source;
    if (!src) continue;
    if (src.startsWith(".") || src.startsWith("/")) {
      if (src.startsWith(".") && !existsSync(resolve(base, src))) problems.push(`${at}: bind mount source ${src} does not exist`);
    } else if (!volumes.has(src)) {
      problems.push(`${at}: volume ${src} is not declared under volumes`);
    }
  }
  const usesImage = svc.build || (svc.image ?? "").startsWith("streamfold");
  if (usesImage) {
    for (const k of Object.keys(envOf(svc))) {
      if (k.startsWith("STREAMFOLD_") && !readByImage.has(k)) problems.push(`${at}: ${k} is read by neither the image's config nor its entrypoint`);
    }
  }
}

for (const p of problems) console.error(`compose: ${file}: ${p}`);
console.log(`compose: ${Object.keys(services).length} services checked, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
