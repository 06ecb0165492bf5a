#!/usr/bin/env python3
"""sweep_count.py - counts probes, reached targets and distinct router interfaces in a pathmortem JSON run or in scamper's sc_warts2json output.

usage: sweep_count.py pm RUN.json TARGETS.txt
       sweep_count.py scamper TRACES.jsonl TARGETS.txt
Prints one line: "probes=N interfaces=N reached=N traces=N".
A router interface is an address that answered a probe with ICMP
time-exceeded (11) or destination-unreachable (3) and is not one of the
swept targets (a target answering for itself is not a router found on the way).
"""
import json
import sys

ROUTER_TYPES = (3, 11)


def load_targets(path):
    with open(path) as f:
        return {line.strip() for line in f if line.strip()}


def count_pm(path, targets):
    with open(path) as f:
        doc = json.load(f)
    probes = doc["run"]["stats"]["probes_sent"]
    ifaces, reached = set(), 0
    for t in doc["targets"]:
        if t.get("stop") == "reached":
            reached += 1
        for hop in t.get("hops", []):
            for r in hop.get("replies", []):
                if r.get("icmp_type") in ROUTER_TYPES and r["from"] not in targets:
                    ifaces.add(r["from"])
    return probes, ifaces, reached, len(doc["targets"])


def count_scamper(path, targets):
    probes, ifaces, reached, traces = 0, set(), 0, 0
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            obj = json.loads(line)
            if obj.get("type") != "trace":
                continue
            traces += 1
            probes += obj.get("probe_count", 0)
            if obj.get("stop_reason") == "COMPLETED":
                reached += 1
            for hop in obj.get("hops", []):
                if hop.get("icmp_type") in ROUTER_TYPES and hop["addr"] not in targets:
                    ifaces.add(hop["addr"])
    return probes, ifaces, reached, traces


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("pm", "scamper"):
        sys.exit("usage: sweep_count.py pm|scamper FILE TARGETS.txt")
    targets = load_targets(sys.argv[3])
    fn = count_pm if sys.argv[1] == "pm" else count_scamper
    try:
        probes, ifaces, reached, traces = fn(sys.argv[2], targets)
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit("sweep_count: %s: %s" % (sys.argv[2], e))
    print("probes=%d interfaces=%d reached=%d traces=%d list=%s"
          % (probes, len(ifaces), reached, traces, ",".join(sorted(ifaces, key=lambda a: tuple(int(x) for x in a.split("."))))))


if __name__ == "__main__":
    main()
