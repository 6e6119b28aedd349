#!/usr/bin/env python3
"""Dynamic completion of service names: how long `rcompose logs <Tab>` takes in a project of
500 services (issue 15: under 20 ms), timed from outside, process start to exit, with
farm-bench (medians of alternated runs).

The shell's completion script runs rcompose as bash's does on Tab: `RCOMPOSE_COMPLETE=bash`,
the index of the word being completed, and the words after `--`. The project is
`bench/stacks.py`'s `config_shapes` (ports, environment, volumes, healthchecks, depends_on):
the shape a real file has. Two cases: the first Tab after the file changed (the loader's
validation memo is not used: `RCOMPOSE_NO_CACHE=1`, so the schema runs), and
the next ones (the memo has the file). Also `config --services` for scale, and the commands'
answer for `rcompose u<Tab>` (no file read).

Usage: python3 bench/completion.py [--binary target/release/rcompose] [--runs 20]
"""

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import stacks  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/rcompose")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    with tempfile.TemporaryDirectory(prefix="rc-complete-") as d:
        with open(os.path.join(d, "compose.yaml"), "w") as f:
            f.write(stacks.config_shapes("rccomplete", 500))
        os.makedirs(os.path.join(d, "conf"), exist_ok=True)
        env = ["env", "RCOMPOSE_COMPLETE=bash", "_CLAP_IFS=\x0b", "_CLAP_COMPLETE_SPACE=false", "_CLAP_COMPLETE_COMP_TYPE=9"]
        services = env + ["_CLAP_COMPLETE_INDEX=2", binary, "--", "rcompose", "logs", ""]
        commands = env + ["_CLAP_COMPLETE_INDEX=1", binary, "--", "rcompose", "u"]
        # A check first: the answer holds the 500 services.
        out = subprocess.run(services, cwd=d, capture_output=True, text=True)
        names = [n for n in out.stdout.replace("\x0b", "\n").split("\n") if n.startswith("svc")]
        if len(names) != 500:
            sys.exit(f"completion answered {len(names)} services, not 500: {out.stdout[:200]!r} {out.stderr[:400]!r}")
        cold = env + ["RCOMPOSE_NO_CACHE=1"] + services[len(env):]
        cases = [
            ("services, memo warm", services),
            ("services, first Tab after a change (no memo)", cold),
            ("commands (`rcompose u`)", commands),
            ("config --services (for scale)", [binary, "config", "--services"]),
        ]
        for title, cmd in cases:
            print(f"## {title}\n", flush=True)
            subprocess.run(["farm-bench", "-n", str(args.runs), "--warmup", "2", "--"] + cmd, cwd=d, check=True)
            print(flush=True)


if __name__ == "__main__":
    main()
