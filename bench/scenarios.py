"""The scenarios: each sets up its own projects (`Stack`: named `rcbench-<tag>-<suite>-<n>`),
measures the tools run by run (A B A B ...), and removes everything it made, also when it
fails.

A scenario returns `Row`s: the medians of each tool, the ratio reference/rcompose (above 1:
rcompose is faster; for lines per second, where more is better, below 1 is rcompose's
advantage), and notes. `run.py` turns them into the table and checks the targets.
"""
import itertools
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field

import engine_floor
import harness
import logs_follow
import stacks
from harness import BenchError, Run, Tool

KIB_PER_MIB = 1024
SETTLE = 0.5  # seconds


@dataclass
class Row:
    name: str
    unit: str  # "ms", "s", "MiB", "lines/s", "% CPU"
    ours: float
    theirs: float = None
    rss_ours: float = None  # MiB
    rss_theirs: float = None
    notes: list = field(default_factory=list)
    raw: dict = field(default_factory=dict)  # every run of every tool, for --json

    @property
    def ratio(self):
        if self.theirs is None or not self.ours:
            return None
        return self.theirs / self.ours


@dataclass
class Context:
    rcompose: Tool
    reference: Tool  # None when `docker compose` is missing
    runs: int  # None: each scenario's own default
    floor_workers: int  # None: sweep for the floor's best strategy (see best_strategy)
    log: callable
    floor: dict = field(default_factory=dict)  # n -> the floor's best engine_floor.Strategy
    leaked: list = field(default_factory=list)  # networks the engine would not remove

    def tools(self):
        return [self.rcompose] + ([self.reference] if self.reference else [])

    def down_argv(self):
        """The command clean-up runs `down -v` with: the reference when there is one (the
        cleaner does not depend on the code under test), else rcompose."""
        return (self.reference or self.rcompose).argv

    def runs_or(self, default):
        return self.runs or default


SUITE = f"{int(time.time()) % 46656:x}"  # tells this suite's projects from an earlier one's
_projects = itertools.count()


class Stack:
    """A project on the engine, under a fresh name and subnet each time `fresh` is called (the
    previous one removed first), so that a network the engine fails to remove (see
    harness.cleanup) never blocks a later run. Its compose.yaml lives in one directory, made
    by `make(project, subnet)`. On exit the project is removed and the directory deleted."""

    def __init__(self, ctx, tag, make):
        self.ctx, self.tag, self.make = ctx, tag, make
        self.dir = tempfile.mkdtemp(prefix=f"rcbench-{tag}-")
        self.project = self.subnet = None

    def fresh(self):
        self.remove()
        self.project = f"{harness.PREFIX}{self.tag}-{SUITE}-{next(_projects)}"
        self.subnet = harness.free_subnet()
        if self.make:
            with open(os.path.join(self.dir, "compose.yaml"), "w") as f:
                f.write(self.make(self.project, self.subnet))
        time.sleep(SETTLE)
        return self.project

    def remove(self, down_argv=None):
        if not self.project:
            return
        leaked = harness.cleanup(self.project, self.dir, down_argv)
        if leaked:
            self.ctx.log(f"  engine bug: network {', '.join(leaked)} cannot be removed although unused (moby#42119)")
            self.ctx.leaked += leaked
        left = harness.leftovers(self.project)
        if left and not leaked:
            self.ctx.log(f"  warning: {self.project} left {left} behind after clean-up")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove(self.ctx.down_argv())
        shutil.rmtree(self.dir, ignore_errors=True)


def time_rows(name, samples, ctx, unit="ms"):
    """The row for a timed scenario from {tool name: Samples}."""
    scale = 1000 if unit == "ms" else 1
    ours = samples[ctx.rcompose.name]
    theirs = samples.get(ctx.reference.name) if ctx.reference else None
    row = Row(name, unit, ours.median_wall() * scale, theirs and theirs.median_wall() * scale)
    row.rss_ours = ours.median_rss() / KIB_PER_MIB
    row.rss_theirs = theirs and theirs.median_rss() / KIB_PER_MIB
    row.raw = {name: [asdict(r) for r in s.runs] for name, s in samples.items()}
    return row


def running(project):
    return len(harness.capture(["docker", "ps", "-q", "--filter", f"label={harness.PROJECT_LABEL}={project}",
                                "--filter", "status=running"]).split())


# ---- config


def config(n):
    def scenario(ctx):
        d = tempfile.mkdtemp(prefix=f"rcbench-config{n}-")
        try:
            with open(os.path.join(d, "compose.yaml"), "w") as f:
                f.write(stacks.config_shapes(f"rcbench-config{n}", n))
            os.makedirs(os.path.join(d, "conf"))
            samples = harness.alternate(ctx.tools(), ctx.runs_or(20),
                                        lambda t: harness.run(t.argv + ["config", "--format", "json"], d))
        finally:
            shutil.rmtree(d, ignore_errors=True)
        return [time_rows(f"config-{n}", samples, ctx)]
    return scenario


# ---- up from nothing, with the engine floor alongside


def best_strategy(ctx, n):
    """The engine floor's strategy for n containers: the fastest of a sweep (engine_floor.
    candidates, two rounds taken in turn so that a change of load hits all alike, best of
    each), found once per n; or `--floor-workers` pipelined."""
    if ctx.floor_workers:
        return engine_floor.Strategy(min(ctx.floor_workers, n))
    if n not in ctx.floor:
        results = {s: [] for s in engine_floor.candidates(n)}
        with Stack(ctx, f"sweep{n}", None) as stack:
            for _ in range(2):
                for strategy, times in results.items():
                    stack.fresh()
                    times.append(engine_floor.run(stack.project, n, strategy, stack.subnet))
        best = {s: min(t) for s, t in results.items()}
        ctx.floor[n] = min(best, key=best.get)
        ctx.log(f"  engine floor sweep ({n} containers, best of 2): "
                + "; ".join(f"{s}: {t:.2f} s" for s, t in best.items()) + f" -> {ctx.floor[n]}")
    return ctx.floor[n]


def up(n):
    """`up -d` of n independent services on an empty project, alternated with the engine
    floor for the same n containers."""
    def scenario(ctx):
        strategy = best_strategy(ctx, n)
        floor = Tool("engine floor", [])

        with Stack(ctx, f"up{n}", lambda p, s: stacks.independent(p, n, s)) as stack:
            def once(tool):
                project = stack.fresh()
                if tool is floor:
                    r = Run(engine_floor.run(project, n, strategy, stack.subnet), 0, 0)
                else:
                    r = harness.run(tool.argv + ["up", "-d"], stack.dir)
                got = running(project)
                if got != n:
                    raise BenchError(f"{tool.name}: {got} of {n} containers running after up")
                return r
            samples = harness.alternate(ctx.tools() + [floor], ctx.runs_or(5), once)
        row = time_rows(f"up-{n}", samples, ctx, unit="s")
        f = samples[floor.name].median_wall()
        row.notes.append(f"rcompose {row.ours / f:.2f}x the engine floor"
                         + (f", reference {row.theirs / f:.2f}x" if row.theirs else ""))
        floor_row = Row(f"engine-floor-{n}", "s", f, notes=[str(strategy)])
        floor_row.raw = {floor.name: [asdict(r) for r in samples[floor.name].runs]}
        rows = [row, floor_row]
        if n == 30:
            rows.append(Row("rss-up-30", "MiB", row.rss_ours, row.rss_theirs, notes=["median peak RSS of up-30"]))
        return rows
    return scenario


def health_chain(depth):
    def scenario(ctx):
        with Stack(ctx, f"health{depth}", lambda p, s: stacks.health_chain(p, depth, s)) as stack:
            def once(tool):
                stack.fresh()
                return harness.run(tool.argv + ["up", "-d"], stack.dir)
            samples = harness.alternate(ctx.tools(), ctx.runs_or(7), once)
        return [time_rows(f"health-chain-{depth}", samples, ctx, unit="s")]
    return scenario


# ---- on a running stack


def noop_and_ps(n):
    """`up -d` again and `ps`, on a stack of n services brought up once by rcompose. Each
    no-op run is checked to have left the containers alone (same ids)."""
    def scenario(ctx):
        with Stack(ctx, f"running{n}", lambda p, s: stacks.independent(p, n, s)) as stack:
            project = stack.fresh()
            harness.run(ctx.rcompose.argv + ["up", "-d"], stack.dir)
            before = sorted(harness.project_ids(project))

            def noop(tool):
                r = harness.run(tool.argv + ["up", "-d"], stack.dir)
                if sorted(harness.project_ids(project)) != before:
                    raise BenchError(f"{tool.name}: `up -d` on the running stack recreated containers")
                return r
            up_again = harness.alternate(ctx.tools(), ctx.runs_or(20), noop)
            ps = harness.alternate(ctx.tools(), ctx.runs_or(20), lambda t: harness.run(t.argv + ["ps"], stack.dir))
        return [time_rows(f"noop-up-{n}", up_again, ctx), time_rows(f"ps-{n}", ps, ctx)]
    return scenario


def down(n):
    """`down` of n running services, each tool taking down a stack it brought up itself."""
    def scenario(ctx):
        with Stack(ctx, f"down{n}", lambda p, s: stacks.independent(p, n, s)) as stack:
            def once(tool):
                project = stack.fresh()
                harness.run(tool.argv + ["up", "-d"], stack.dir)
                time.sleep(SETTLE)
                r = harness.run(tool.argv + ["down"], stack.dir)
                left = harness.leftovers(project)
                if left:
                    raise BenchError(f"{tool.name}: `down` left {left}")
                return r
            samples = harness.alternate(ctx.tools(), ctx.runs_or(5), once)
        return [time_rows(f"down-{n}", samples, ctx, unit="s")]
    return scenario


def logs(n):
    """`logs -f` following n chatty services: lines per second and CPU (see logs_follow)."""
    def scenario(ctx):
        make = lambda p, s: stacks.chatty(p, n, s, logs_follow.LINES, logs_follow.PAUSE)
        with Stack(ctx, f"logs{n}", make) as stack:
            stack.fresh()
            harness.run(ctx.rcompose.argv + ["up", "-d"], stack.dir)
            time.sleep(1)
            runs = harness.alternate(ctx.tools(), ctx.runs_or(3), lambda t: logs_follow.measure(t.argv, stack.dir))
        med = lambda name, attr: statistics.median(getattr(r, attr) for r in runs[name].runs) if name in runs else None
        us, them = ctx.rcompose.name, ctx.reference and ctx.reference.name
        offered = n * logs_follow.LINES / logs_follow.PAUSE
        rate = Row(f"logs-f-{n} lines/s", "lines/s", med(us, "lines_per_s"), med(them, "lines_per_s"),
                   med(us, "rss_kib") / KIB_PER_MIB, them and med(them, "rss_kib") / KIB_PER_MIB,
                   notes=[f"offered at most {offered:,.0f} lines/s"])
        cpu = Row(f"logs-f-{n} CPU", "% CPU", med(us, "cpu_pct"), med(them, "cpu_pct"),
                  notes=[f"CPU ms per 1000 lines: rcompose {med(us, 'cpu_ms_per_kline'):.1f}"
                         + (f", reference {med(them, 'cpu_ms_per_kline'):.1f}" if them else "")])
        rate.raw = {name: [asdict(r) for r in s.runs] for name, s in runs.items()}
        return [rate, cpu]
    return scenario


# ---- cp


def tree(root, files, per_dir=100, size=1024):
    """`files` files of `size` bytes under `root`, `per_dir` in each subdirectory, modes varied."""
    for i in range(files):
        d = os.path.join(root, f"d{i // per_dir:03}")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, f"f{i:05}")
        with open(path, "wb") as f:
            f.write(bytes([65 + i % 26]) * size)
        os.chmod(path, 0o640 if i % 3 else 0o755)


def cp(n):
    """`cp` of a directory of n files into a running service's container and out of it again,
    each run to a destination of its own (a new directory both ways). The tree goes in through
    each tool in turn; what comes out is checked to hold the n files."""
    def scenario(ctx):
        with Stack(ctx, f"cp{n}", lambda p, s: stacks.independent(p, 1, s)) as stack:
            stack.fresh()
            harness.run(ctx.rcompose.argv + ["up", "-d"], stack.dir)
            src = os.path.join(stack.dir, "tree")
            tree(src, n)
            runs = itertools.count()

            def copy_in(tool):
                return harness.run(tool.argv + ["cp", src, f"s0:/in-{next(runs)}"], stack.dir)

            def copy_out(tool):
                out = os.path.join(stack.dir, f"out-{next(runs)}")
                r = harness.run(tool.argv + ["cp", "s0:/in-0", out], stack.dir)
                got = sum(len(f) for _, _, f in os.walk(out))
                shutil.rmtree(out, ignore_errors=True)
                if got != n:
                    raise BenchError(f"{tool.name}: {got} of {n} files copied out")
                return r
            into = harness.alternate(ctx.tools(), ctx.runs_or(7), copy_in)
            out_of = harness.alternate(ctx.tools(), ctx.runs_or(7), copy_out)
        rows = [time_rows(f"cp-in-{n}", into, ctx), time_rows(f"cp-out-{n}", out_of, ctx)]
        for row in rows:
            row.notes.append(f"{n} files of 1 KiB in {n // 100} directories")
        return rows
    return scenario


# ---- exec


def exec_true():
    """`exec -T s0 true` on a running one-service stack (standard input /dev/null), alternated
    with the engine floor: the same exec made by raw API calls (engine_floor.exec_once: find
    the container by its labels, create the exec, start it attached, read its exit code)."""
    def scenario(ctx):
        floor = Tool("engine floor", [])
        with Stack(ctx, "exec", lambda p, s: stacks.independent(p, 1, s)) as stack:
            project = stack.fresh()
            harness.run(ctx.rcompose.argv + ["up", "-d"], stack.dir)
            time.sleep(SETTLE)

            def once(tool):
                if tool is floor:
                    wall, code = engine_floor.exec_once(project, "s0", ["true"])
                    if code != 0:
                        raise BenchError(f"engine floor: exec exited {code}")
                    return Run(wall, 0, 0)
                return harness.run(tool.argv + ["exec", "-T", "s0", "true"], stack.dir)
            samples = harness.alternate(ctx.tools() + [floor], ctx.runs_or(30), once)
        row = time_rows("exec-T", samples, ctx)
        f = samples[floor.name].median_wall() * 1000
        row.notes.append(f"rcompose {row.ours / f:.2f}x the engine floor"
                         + (f", reference {row.theirs / f:.2f}x" if row.theirs else ""))
        floor_row = Row("engine-floor-exec", "ms", f, notes=["list, create exec, start attached, inspect"])
        floor_row.raw = {floor.name: [asdict(r) for r in samples[floor.name].runs]}
        return [row, floor_row]
    return scenario


# ---- run


def run_rm():
    """`run --rm s0 true` on a one-service project whose network the warm-up run made: a
    one-off container created, attached to, started, waited for and removed by the engine.
    Each run is checked to have left no container behind. Alternated with the engine floor:
    the same container made, attached, started and waited for by raw API calls
    (engine_floor.run_once)."""
    def scenario(ctx):
        floor = Tool("engine floor", [])
        with Stack(ctx, "run", lambda p, s: stacks.independent(p, 1, s)) as stack:
            project = stack.fresh()

            def once(tool):
                if tool is floor:
                    return Run(engine_floor.run_once(project, f"{project}_default"), 0, 0)
                r = harness.run(tool.argv + ["run", "--rm", "s0", "true"], stack.dir)
                left = harness.project_ids(project)
                if left:
                    raise BenchError(f"{tool.name}: `run --rm` left {len(left)} container(s)")
                return r
            # rcompose first: its warm-up run makes the network the floor's container joins.
            samples = harness.alternate(ctx.tools() + [floor], ctx.runs_or(15), once)
        row = time_rows("run-rm", samples, ctx)
        f = samples[floor.name].median_wall() * 1000
        row.notes.append(f"rcompose {row.ours / f:.2f}x the engine floor" + (f", reference {row.theirs / f:.2f}x" if row.theirs else ""))
        floor_row = Row("engine-floor-run", "ms", f, notes=["create, wait for removal, attach, start, read to the end"])
        floor_row.raw = {floor.name: [asdict(r) for r in samples[floor.name].runs]}
        return [row, floor_row]
    return scenario


def stats(n):
    """`stats --no-stream` on n running services brought up once by rcompose: one sample of
    each container (the engine takes about a second per sample, in parallel)."""
    def scenario(ctx):
        with Stack(ctx, f"stats{n}", lambda p, s: stacks.independent(p, n, s)) as stack:
            stack.fresh()
            harness.run(ctx.rcompose.argv + ["up", "-d"], stack.dir)
            once = lambda t: harness.run(t.argv + ["stats", "--no-stream"], stack.dir)
            samples = harness.alternate(ctx.tools(), ctx.runs_or(10), once)
        return [time_rows(f"stats-{n}", samples, ctx, unit="s")]
    return scenario


# ---- events


def events(n):
    """`events --json --since S --until U` replaying what restarting n services made (about
    five events per container, inside the 256 events the engine remembers): the time to
    receive, filter and print them, and the memory. Both tools must print the same events.
    (Docker Compose 2.40.3 ends such a bounded stream with "EOF" and exit code 1; its exit
    code is not checked.)"""
    def scenario(ctx):
        with Stack(ctx, f"events{n}", lambda p, s: stacks.independent(p, n, s)) as stack:
            stack.fresh()
            harness.run(ctx.rcompose.argv + ["up", "-d"], stack.dir)
            time.sleep(SETTLE)
            since = int(time.time())
            harness.run(ctx.rcompose.argv + ["restart", "-t", "0"], stack.dir)
            until = int(time.time()) + 1
            time.sleep(max(0.0, until - time.time()) + SETTLE)
            argv = ["events", "--json", "--since", str(since), "--until", str(until)]
            printed = {}
            for tool in ctx.tools():
                out = subprocess.run(tool.argv + argv, cwd=stack.dir, capture_output=True, text=True, timeout=harness.TIMEOUT)
                printed[tool.name] = out.stdout.splitlines()
            counts = {name: len(lines) for name, lines in printed.items()}
            if len(set(counts.values())) != 1 or not counts[ctx.rcompose.name]:
                raise BenchError(f"the tools printed different numbers of events: {counts}")
            samples = harness.alternate(ctx.tools(), ctx.runs_or(20),
                                        lambda t: harness.run(t.argv + argv, stack.dir, check=t is ctx.rcompose))
        row = time_rows(f"events-{n}", samples, ctx)
        row.notes.append(f"{counts[ctx.rcompose.name]} events replayed")
        return [row]
    return scenario


SCENARIOS = {
    "config-500": config(500),
    "up-30": up(30),
    "health-chain-5": health_chain(5),
    "noop-ps-30": noop_and_ps(30),
    "down-30": down(30),
    "logs-f-10": logs(10),
    "cp-5000": cp(5000),
    "exec-T": exec_true(),
    "run-rm": run_rm(),
    "events-20": events(20),
    "config-100": config(100),
    "config-2000": config(2000),
    "up-10": up(10),
    "up-60": up(60),
    "down-10": down(10),
    "down-60": down(60),
    "stats-10": stats(10),
}
