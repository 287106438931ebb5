#!/usr/bin/env python3
"""Checks that the Prometheus Operator objects of deploy/k8s/monitoring select streamfold.

  check-monitors.py monitoring.yaml base.yaml scale-out.yaml   (kubectl kustomize renders)

PodMonitor: its selector matches the pods of a base Deployment and its port names a container
port of the streamfold container. ServiceMonitor: its selector matches a scale-out Service in
its namespace that has the named port.
"""
import sys
import yaml


def docs(path):
    return [d for d in yaml.safe_load_all(open(path)) if d]


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def main():
    monitors, base, scale = docs(sys.argv[1]), docs(sys.argv[2]), docs(sys.argv[3])
    problems = []
    kinds = {m["kind"] for m in monitors}
    if kinds != {"PodMonitor", "ServiceMonitor"}:
        problems.append(f"expected a PodMonitor and a ServiceMonitor, got {sorted(kinds)}")
    for m in monitors:
        if m["kind"] == "PodMonitor":
            ports = [e["port"] for e in m["spec"]["podMetricsEndpoints"]]
            pods = [d["spec"]["template"] for d in base if d["kind"] == "Deployment"
                    and matches(m["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])]
            if not pods:
                problems.append("PodMonitor selects no pod of deploy/k8s/base")
            for t in pods:
                spec = t["spec"]
                sf = [c for c in spec.get("initContainers", []) + spec["containers"] if c["name"] == "streamfold"]
                names = {p.get("name") for c in sf for p in c.get("ports", [])}
                problems += [f"PodMonitor port {p} is not a streamfold container port" for p in ports if p not in names]
        elif m["kind"] == "ServiceMonitor":
            ns = m["spec"].get("namespaceSelector", {}).get("matchNames", [m["metadata"].get("namespace")])
            svcs = [d for d in scale if d["kind"] == "Service" and d["metadata"].get("namespace") in ns
                    and matches(m["spec"]["selector"], d["metadata"].get("labels", {}))]
            if not svcs:
                problems.append("ServiceMonitor selects no Service of deploy/k8s/scale-out")
            for e in m["spec"]["endpoints"]:
                if not any(e["port"] in {p.get("name") for p in s["spec"]["ports"]} for s in svcs):
                    problems.append(f"ServiceMonitor port {e['port']} is on no selected Service")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
