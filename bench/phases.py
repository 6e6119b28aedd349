#!/usr/bin/env python3
"""Where a short command's time goes: its parts measured alone, on one running stack.

    python3 bench/phases.py [--runs N] [--services N] [--rcompose PATH]

Brings up N services (default 30) with rcompose, then prints the median of each part: the bare
process (`rcompose version`), the loader (`config -q`), each engine call that `ps` and a no-op
`up -d` make (timed from Python over one kept-alive connection, so they are the engine's time
plus well under a millisecond), and the whole commands, both tools. What the whole costs beyond
the sum of its parts is rcompose's own runtime (async runtime start, connections, decoding).
Removes the stack at the end. Input for the optimisation work; no targets here.
"""
import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import engine_floor
import harness
import stacks
from scenarios import Context, Stack
from harness import Tool

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def median_ms(f, runs):
    f()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--services", type=int, default=30)
    p.add_argument("--rcompose", default=os.path.join(ROOT, "target", "release", "rcompose"))
    args = p.parse_args()
    harness.build_spawn(ROOT)
    rc = os.path.abspath(args.rcompose)
    ctx = Context(Tool("rcompose", [rc]), Tool("reference", ["docker", "compose"]), args.runs, None,
                  lambda m: print(m, file=sys.stderr))
    n = args.services
    rows = []

    def proc(label, argv, cwd):
        samples = [harness.run(argv, cwd) for _ in range(args.runs + 1)][1:]
        rows.append((label, statistics.median(r.wall for r in samples) * 1000,
                     statistics.median(r.rss_kib for r in samples) / 1024))

    with Stack(ctx, f"phases{n}", lambda pr, s: stacks.independent(pr, n, s)) as stack:
        project = stack.fresh()
        harness.run([rc, "up", "-d"], stack.dir)
        client = engine_floor.Client()
        label = f'{{"label":["{harness.PROJECT_LABEL}={project}"]}}'.replace('"', "%22")
        ids = harness.project_ids(project)

        proc("rcompose version (bare process)", [rc, "version"], stack.dir)
        proc(f"rcompose config -q ({n} services)", [rc, "config", "-q"], stack.dir)
        for name, url in [("GET /_ping", "/_ping"), ("GET /version", "/version"),
                          (f"GET /containers/json ({n} of the project)", f"/containers/json?all=1&filters={label}"),
                          ("GET /networks (filtered)", f"/networks?filters={label}"),
                          ("GET /volumes (filtered)", f"/volumes?filters={label}"),
                          ("GET /images/busybox:latest/json", "/images/busybox:latest/json"),
                          ("GET /containers/{id}/json (one)", f"/containers/{ids[0]}/json")]:
            call = (lambda u: lambda: client.call("GET", u) if u != "/_ping" else raw_ping(client))(url)
            rows.append((name, median_ms(call, args.runs), None))
        with ThreadPoolExecutor(max_workers=len(ids)) as pool:
            inspect_all = lambda: list(pool.map(lambda i: client.call("GET", f"/containers/{i}/json"), ids))
            rows.append((f"{len(ids)} x GET /containers/{{id}}/json at once", median_ms(inspect_all, args.runs), None))
        for tool in ctx.tools():
            proc(f"{tool.name} ps", tool.argv + ["ps"], stack.dir)
            proc(f"{tool.name} up -d (no-op)", tool.argv + ["up", "-d"], stack.dir)

    width = max(len(r[0]) for r in rows)
    print(f"{'part':<{width}}  {'median':>10}  {'peak RSS':>9}")
    for name, ms, rss in rows:
        print(f"{name:<{width}}  {ms:>7.1f} ms  " + (f"{rss:>5.1f} MiB" if rss else ""))


def raw_ping(client):
    """`/_ping` answers text, not JSON."""
    conn = getattr(client.local, "conn", None) or engine_floor.UnixConnection(client.path)
    client.local.conn = conn
    conn.request("GET", "/_ping")
    conn.getresponse().read()


if __name__ == "__main__":
    main()
