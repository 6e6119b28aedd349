#!/usr/bin/env python3
"""Regenerates tests/hash/expected-<version>.txt with a Docker Compose binary: 2.40 (2.40.3, the
reference, whose algorithm 2.29 to 2.40 share) or 2.26 (2.26.1, the algorithm of 2.2x).

For every case (a directory with compose files, an optional `env` file of KEY=VALUE lines and an
optional `args` file of global flags) it records, per service:

    <set>/<case> <service> <label-hash> <config-hash>

* config-hash: what `docker compose config --hash '*'` prints;
* label-hash: what `docker compose up` writes in com.docker.compose.config-hash. It is
  sha256 of Go's json.Marshal of the service with build, pull_policy, scale and
  deploy.replicas cleared (and, from 2.29 on, depends_on and profiles too), computed here from
  `config --format json` (Go's own bytes, compacted).
  The two differ only for services with `env_file`: `config --hash` hashes the service before
  the env files are merged into `environment` (and keeps their paths), `up` after.

Cases are copied to /tmp/rcompose-hash/<set>/<case> first, because the hash covers absolute
paths; the test copies them to the same place. HOME is /tmp/rcompose-hash/home for the same
reason, so the plugin binary is run directly rather than through `docker`.

Sets: `hash` (tests/hash/cases, in this repository), `samples` (compose-samples/valid) and
`conformance` (../shared/conformance/cases from the repository root, or $CONFORMANCE_CASES).

Usage: tests/hash/regen.py DOCKER_COMPOSE_BINARY
  e.g. tests/hash/regen.py "$(command -v docker-compose)"; the binary's version (2.26 or 2.40)
  names the file written. 2.26.1's file is kept as recorded; regenerate the 2.40 one.
"""
import hashlib, json, os, shlex, shutil, subprocess, sys
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BASE = "/tmp/rcompose-hash"
if len(sys.argv) != 2:
    sys.exit(__doc__)
REF = os.path.abspath(sys.argv[1])
SETS = [
    ("hash", os.path.join(HERE, "cases")),
    ("samples", os.path.join(ROOT, "compose-samples", "valid")),
    ("conformance", os.environ.get("CONFORMANCE_CASES", os.path.join(os.path.dirname(ROOT), "shared", "conformance", "cases"))),
]
VERSION = subprocess.run([REF, "version", "--short"], capture_output=True, text=True, check=True).stdout.strip()
SERIES = ".".join(VERSION.lstrip("v").split(".")[:2])
if SERIES not in ("2.26", "2.40"):
    sys.exit(f"{REF} is Docker Compose {VERSION}: expected 2.26.x or 2.40.x")
# What ServiceHash clears: 2.26.1 keeps depends_on and profiles, 2.29.3 and later clear them.
CLEARED = ("build", "pull_policy", "scale") + (() if SERIES == "2.26" else ("depends_on", "profiles"))


def go_json(v):
    """Go's json.Marshal for a value decoded from Go's own output (so numbers are already in
    Go's text form once re-printed by Python)."""
    s = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
             .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def unescape(v):
    """`config` prints every `$` as `$$` so that its output can be loaded again."""
    if isinstance(v, str):
        return v.replace("$$", "$")
    if isinstance(v, list):
        return [unescape(i) for i in v]
    if isinstance(v, dict):
        return OrderedDict((k, unescape(i)) for k, i in v.items())
    return v


def label_hash(service):
    service = unescape(service)
    s = OrderedDict((k, v) for k, v in service.items() if k not in CLEARED)
    if isinstance(s.get("deploy"), dict):
        s["deploy"] = OrderedDict((k, v) for k, v in s["deploy"].items() if k != "replicas")
    return hashlib.sha256(go_json(s).encode()).hexdigest()


def run(cmd, cwd, env):
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def case(set_name, src):
    name = os.path.basename(src)
    dst = os.path.join(BASE, set_name, name)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    env = {"PATH": os.environ["PATH"], "HOME": os.path.join(BASE, "home")}
    envfile = os.path.join(src, "env")
    if os.path.exists(envfile):
        for line in open(envfile).read().splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                env[k] = v
    args = shlex.split(open(os.path.join(src, "args")).read()) if os.path.exists(os.path.join(src, "args")) else []
    code, hashes, err = run([REF] + args + ["config", "--hash", "*"], dst, env)
    if code != 0:
        return None, err.strip().splitlines()[-1] if err.strip() else f"exit {code}"
    code, out, err = run([REF] + args + ["config", "--format", "json"], dst, env)
    if code != 0:
        return None, err.strip()
    services = json.loads(out, object_pairs_hook=OrderedDict).get("services", {})
    rows = []
    for line in hashes.splitlines():
        svc, h = line.split(" ", 1)
        rows.append(f"{set_name}/{name} {svc} {label_hash(services[svc])} {h}")
    return rows, None


def main():
    os.makedirs(os.path.join(BASE, "home"), exist_ok=True)
    rows, total, differ = [], 0, 0
    for set_name, path in SETS:
        if not os.path.isdir(path):
            # A set that is not there would leave its cases out of expected.txt unnoticed.
            sys.exit(f"set {set_name}: {path} not found (set CONFORMANCE_CASES, or put shared/ beside the repository)")
        for name in sorted(os.listdir(path)):
            src = os.path.join(path, name)
            if not os.path.isdir(src) or os.path.exists(os.path.join(src, "expected.err")):
                continue
            got, err = case(set_name, src)
            if got is None:
                print(f"skipping {set_name}/{name}: the reference rejects it: {err[:160]}")
                continue
            rows += got
            total += len(got)
            differ += sum(1 for r in got if r.split()[2] != r.split()[3])
    with open(os.path.join(HERE, f"expected-{SERIES}.txt"), "w") as f:
        f.write(f"# <set>/<case> <service> <label-hash> <config-hash> of Docker Compose {VERSION}: made by tests/hash/regen.py, do not edit\n")
        f.write("\n".join(rows) + "\n")
    print(f"{total} services; {differ} whose `config --hash` differs from the label (env_file)")


main()
