#!/usr/bin/env python3
"""rcompose benchmarks, side by side with Docker Compose (`docker compose`) when it is installed.

    python3 bench/run.py [--runs N] [--rcompose PATH] [SCENARIO ...]

Each scenario runs both tools in turn (A B A B ...) on the same input and engine, after one
warm-up run each, and prints the median wall time of each and the ratio reference/rcompose.
Without the reference only rcompose's figures are printed. Scenarios: see SCENARIOS below.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def compose_file(n_services: int) -> str:
    """A compose file with `n_services` services of the usual shapes (ports, env, volumes,
    depends_on, healthchecks), as a real project would have."""
    out = ["name: bench", "services:"]
    for i in range(n_services):
        out += [
            f"  svc{i}:",
            "    image: busybox:latest",
            f"    command: sh -c 'echo service {i} && sleep 3600'",
            "    environment:",
            f"      - INDEX={i}",
            "      - MODE=${MODE:-bench}",
            "    ports:",
            f"      - \"{10000 + i}:80\"",
            "    volumes:",
            "      - data:/data",
            "      - ./conf:/etc/conf:ro",
            "    healthcheck:",
            "      test: [\"CMD\", \"true\"]",
            "      interval: 10s",
            "    labels:",
            f"      bench.index: \"{i}\"",
        ]
        if i > 0:
            out += ["    depends_on:", f"      - svc{i - 1}"]
    out += ["volumes:", "  data:"]
    return "\n".join(out) + "\n"


def time_run(cmd, cwd):
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def have_reference() -> bool:
    try:
        out = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        return out.returncode == 0 and "version" in out.stdout.lower()
    except FileNotFoundError:
        return False


def config_scenario(n):
    def run(rcompose, reference, runs):
        d = tempfile.mkdtemp(prefix=f"rcompose-bench-config{n}-")
        try:
            with open(os.path.join(d, "compose.yaml"), "w") as f:
                f.write(compose_file(n))
            args = ["config", "--format", "json"]
            return measure([rcompose] + args, reference and ["docker", "compose"] + args, d, runs)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return run


def measure(ours, theirs, cwd, runs):
    time_run(ours, cwd)
    if theirs:
        time_run(theirs, cwd)
    a, b = [], []
    for _ in range(runs):
        a.append(time_run(ours, cwd))
        if theirs:
            b.append(time_run(theirs, cwd))
    return a, b


SCENARIOS = {
    "config-100": config_scenario(100),
    "config-500": config_scenario(500),
    "config-2000": config_scenario(2000),
}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--rcompose", default=os.path.join(ROOT, "target", "release", "rcompose"))
    p.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    args = p.parse_args()
    if not os.path.exists(args.rcompose):
        sys.exit(f"{args.rcompose} not found: run `cargo build --release` first")
    reference = have_reference()
    if not reference:
        print("note: `docker compose` not found; printing rcompose's figures only")
    print(f"{'scenario':<14} {'rcompose (median)':>18} {'reference (median)':>19} {'reference/rcompose':>19}")
    for name in args.scenarios:
        ours, theirs = SCENARIOS[name](args.rcompose, reference, args.runs)
        mo = statistics.median(ours)
        line = f"{name:<14} {mo * 1000:>15.1f} ms"
        if theirs:
            mt = statistics.median(theirs)
            line += f" {mt * 1000:>16.1f} ms {mt / mo:>18.1f}x"
        print(line, flush=True)


if __name__ == "__main__":
    main()
