#!/usr/bin/env python3
"""rcompose benchmarks, side by side with Docker Compose (`docker compose`).

    python3 bench/run.py [--runs N] [--json FILE] [--markdown FILE] [SCENARIO ...]

Runs every scenario (or the ones named; `--list`) against the local engine and prints one
table: the median of each tool, the ratio reference/rcompose, the median peak RSS, and whether
each target of issue 5 is met. The tools run in turn, A B A B ..., after one warm-up run each;
`up-N` alternates the engine floor (bench/engine_floor.py) too. Before each scenario it waits
for the machine to be quiet (`--max-busy`, `--max-wait`).

Needs `target/release/rcompose` (`cargo build --release`; it is copied to target/bench/ first, so
a rebuild during the run changes nothing), `rustc` (for bench/spawn.rs, which times every run),
and busybox:latest (scripts/busybox-image.sh, called here). Without `docker compose` only
rcompose's figures are printed. Everything a scenario creates is in projects named `rcbench-*`
and is removed when the scenario ends, also on failure or Ctrl-C. bench/phases.py breaks a
short command down into its parts, and bench/engine_calls.py counts the engine API calls one
command makes (a measure of cost that does not depend on the load). BENCHMARKS.md has the
figures and how to read them.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict

import harness
import scenarios
from harness import Tool
from scenarios import SCENARIOS, Context

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (row, target as the issue states it, check over {row name: Row}); a check returns None when
# it cannot be decided (row or reference missing).
TARGETS = [
    ("up-30", "<= 1.05x engine floor", lambda r: _le(r["up-30"].ours, 1.05 * r["engine-floor-30"].ours)),
    ("health-chain-5", ">= 1.5x faster", lambda r: _ge(r["health-chain-5"].ratio, 1.5)),
    ("noop-up-30", "<= 25 ms and >= 4x", lambda r: _both(_le(r["noop-up-30"].ours, 25), _ge(r["noop-up-30"].ratio, 4))),
    ("ps-30", "<= 20 ms and >= 4x", lambda r: _both(_le(r["ps-30"].ours, 20), _ge(r["ps-30"].ratio, 4))),
    ("down-30", "no slower (>= 1.0x)", lambda r: _ge(r["down-30"].ratio, 1.0)),
    ("config-500", "<= 50 ms and >= 10x", lambda r: _both(_le(r["config-500"].ours, 50), _ge(r["config-500"].ratio, 10))),
    ("rss-up-30", "<= 10 MiB", lambda r: _le(r["rss-up-30"].ours, 10)),
    ("logs-f-10 lines/s", ">= reference", lambda r: _ge(r["logs-f-10 lines/s"].ours, r["logs-f-10 lines/s"].theirs)),
    ("exec-T", "<= 1/3 of reference and <= 1.3x floor", lambda r: _both(_le(r["exec-T"].ours, _div(r["exec-T"].theirs, 3)),
                                                                       _le(r["exec-T"].ours, 1.3 * r["engine-floor-exec"].ours))),
    ("logs-f-10 CPU", "<= 1/3 of reference", lambda r: _le(r["logs-f-10 CPU"].ours, _div(r["logs-f-10 CPU"].theirs, 3))),
    ("cp-in-5000", "no slower (>= 1.0x)", lambda r: _ge(r["cp-in-5000"].ratio, 1.0)),
    ("cp-out-5000", "no slower (>= 1.0x)", lambda r: _ge(r["cp-out-5000"].ratio, 1.0)),
    ("run-rm", "<= 1/2 of reference (>= 2x)", lambda r: _ge(r["run-rm"].ratio, 2)),
]


def _le(a, b):
    return None if a is None or b is None else a <= b


def _ge(a, b):
    return None if a is None or b is None else a >= b


def _div(a, b):
    return None if a is None else a / b


def _both(a, b):
    return None if a is None or b is None else a and b


def verdicts(rows):
    out = {}
    for name, target, check in TARGETS:
        try:
            ok = check(rows)
        except (KeyError, TypeError):
            ok = None
        out[name] = (target, {True: "met", False: "NOT met", None: "n/a"}[ok])
    return out


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "s":
        return f"{v:.2f} s"
    if unit == "ms":
        return f"{v:.1f} ms"
    if unit == "lines/s":
        return f"{v:,.0f} lines/s"
    if unit == "% CPU":
        return f"{v:.1f}% CPU"
    return f"{v:.1f} {unit}"


COLUMNS = ["scenario", "rcompose", "reference", "ref/rc", "RSS rc", "RSS ref", "target", "verdict"]


def cells(row, verdict):
    mib = lambda v: "-" if v is None else f"{v:.1f} MiB"
    target, result = verdict.get(row.name, ("", ""))
    return [row.name, fmt(row.ours, row.unit), fmt(row.theirs, row.unit),
            "-" if row.ratio is None else f"{row.ratio:.2f}x", mib(row.rss_ours), mib(row.rss_theirs), target, result]


def text_table(rows, verdict):
    table = [COLUMNS] + [cells(r, verdict) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in table]
    return "\n".join(lines + [f"{r.name}: " + "; ".join(r.notes) for r in rows if r.notes])


def markdown_table(rows, verdict):
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(cells(r, verdict)) + " |" for r in rows]
    notes = [f"- `{r.name}`: " + "; ".join(r.notes) for r in rows if r.notes]
    return "\n".join(out + ([""] + notes if notes else [])) + "\n"


def describe_machine(rcompose):
    def out(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    return {
        "cpus": os.cpu_count(), "cpu": cpu, "memory_mib": mem, "kernel": platform.release(),
        "engine": out(["docker", "version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"]),
        "reference": out(["docker", "compose", "version", "--short"]),
        "rcompose": out([rcompose, "version", "--short"]),
        "commit": out(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
        "binary_built": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(rcompose))),
        "uncommitted_src": bool(out(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "Cargo.toml"])),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def snapshot(binary):
    """A private copy of the binary under test: others may rebuild target/release meanwhile."""
    copy = os.path.join(ROOT, "target", "bench", "rcompose")
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    shutil.copy2(binary, copy + ".tmp")
    os.replace(copy + ".tmp", copy)
    return copy


def have_reference():
    try:
        out = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        return out.returncode == 0 and "version" in out.stdout.lower()
    except FileNotFoundError:
        return False


def interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    # Ctrl-C, or SIGTERM, unwinds through the scenarios' clean-up (also when started in the
    # background, where a shell leaves SIGINT ignored).
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, help="runs per tool in every scenario (default: each scenario's own)")
    p.add_argument("--rcompose", default=os.path.join(ROOT, "target", "release", "rcompose"))
    p.add_argument("--floor-workers", type=int, help="engine floor concurrency (default: the best of a sweep)")
    p.add_argument("--json", metavar="FILE", help="also write every run and the machine description as JSON")
    p.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    p.add_argument("--max-busy", type=float, default=0.5, metavar="FRACTION",
                   help="before each scenario wait until the machine is at most this busy (default 0.5)")
    p.add_argument("--max-wait", type=float, default=120, metavar="SECONDS",
                   help="wait at most this long for a quiet machine before each scenario (default 120)")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    args = p.parse_args()
    if args.list:
        print("\n".join(SCENARIOS))
        return 0
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        sys.exit(f"unknown scenario {', '.join(unknown)}; --list shows them")
    if not os.path.exists(args.rcompose):
        sys.exit(f"{args.rcompose} not found: run `cargo build --release` first")
    args.rcompose = snapshot(args.rcompose)
    subprocess.run([os.path.join(ROOT, "scripts", "busybox-image.sh")], check=True)
    harness.build_spawn(ROOT)

    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    reference = Tool("reference", ["docker", "compose"]) if have_reference() else None
    if not reference:
        log("note: `docker compose` not found; printing rcompose's figures only")
    ctx = Context(Tool("rcompose", [os.path.abspath(args.rcompose)]), reference, args.runs, args.floor_workers, log)
    machine = describe_machine(args.rcompose)
    log(f"{machine['cpus']} CPUs ({machine['cpu']}), engine {machine['engine']}, reference {machine['reference']}, "
        f"rcompose {machine['rcompose']} at {machine['commit']} (binary built {machine['binary_built']}"
        + (", uncommitted changes in src/)" if machine["uncommitted_src"] else ")"))

    rows, failures, record = [], [], []
    for name in args.scenarios:
        busy = harness.wait_quiet(args.max_busy, args.max_wait, log)
        load = harness.loadavg()
        log(f"{name} (machine {busy:.0%} busy before, load average {load:.2f}) ...")
        start = time.monotonic()
        try:
            got = SCENARIOS[name](ctx)
        except Exception as e:  # noqa: BLE001 - one scenario's failure must not stop the suite
            log(f"  FAILED: {e}")
            failures.append((name, str(e)))
            continue
        rows += got
        record.append({"scenario": name, "busy_before": round(busy, 3), "load_before": load, "load_after": harness.loadavg(),
                       "seconds": round(time.monotonic() - start, 1), "rows": [asdict(r) for r in got]})
        for r in got:
            log("  " + "  ".join(c for c in cells(r, {})[1:6]) + ("  (" + "; ".join(r.notes) + ")" if r.notes else ""))

    verdict = verdicts({r.name: r for r in rows})
    print(text_table(rows, verdict))
    for name, err in failures:
        print(f"{name}: FAILED: {err}")
    if ctx.leaked:
        print(f"engine: {len(ctx.leaked)} network(s) left that the engine refuses to remove although unused "
              f"(moby/moby#42119; they go when dockerd restarts): {', '.join(ctx.leaked)}")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown_table(rows, verdict))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "scenarios": record, "failures": failures,
                       "targets": verdict, "leaked_networks": ctx.leaked}, f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
