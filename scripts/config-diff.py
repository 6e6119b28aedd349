#!/usr/bin/env python3
"""Compare `rcompose config` with `docker compose config`, in JSON and YAML.

  scripts/config-diff.py RCOMPOSE DIR... [--config-args "FLAGS"] [--yaml11] [--bytes]

Each DIR is a sample (compose-samples/valid/*) or a conformance case: its `args` file holds
global flags, `config-args` flags for `config`, `env` the environment (KEY=VALUE lines); the
tools run in a copy under /tmp/config-diff with only PATH, HOME and that environment. Outputs
are compared as parsed data and every difference is printed with its path; YAML is read with
YAML 1.2 rules, or 1.1 rules with --yaml11 (`no`, `1_000`, `20:30` are then not strings, so
quoting mistakes show). --bytes compares the text instead (JSON's final newline aside).
--config-args adds flags to every case (`--no-interpolate`, `--no-normalize`...).
"""
import argparse, json, os, re, shlex, shutil, subprocess, yaml

class Yaml12(yaml.SafeLoader):
    """PyYAML with the YAML 1.2 core schema's booleans, integers and floats."""

_RETYPED = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")
Yaml12.yaml_implicit_resolvers = {k: [r for r in v if r[0] not in _RETYPED] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml12.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
Yaml12.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
Yaml12.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"), list("-+0123456789."))

def diff(ours, ref, path=""):
    if type(ours) != type(ref):
        return [f"{path}: ours {json.dumps(ours)[:100]} != ref {json.dumps(ref)[:100]}"]
    if isinstance(ours, dict):
        out = []
        for k in sorted(set(ours) | set(ref), key=str):
            if k not in ours: out.append(f"{path}.{k}: missing (ref {json.dumps(ref[k])[:80]})")
            elif k not in ref: out.append(f"{path}.{k}: extra {json.dumps(ours[k])[:80]}")
            else: out += diff(ours[k], ref[k], f"{path}.{k}")
        return out
    if isinstance(ours, list):
        if len(ours) != len(ref):
            return [f"{path}: {len(ours)} items != {len(ref)}: {json.dumps(ours)[:100]} vs {json.dumps(ref)[:100]}"]
        return [d for i, (x, y) in enumerate(zip(ours, ref)) for d in diff(x, y, f"{path}[{i}]")]
    return [] if ours == ref else [f"{path}: ours {json.dumps(ours)[:100]} != ref {json.dumps(ref)[:100]}"]

def words(path):
    return shlex.split(open(path).read()) if os.path.exists(path) else []

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rcompose")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--config-args", default="")
    ap.add_argument("--yaml11", action="store_true")
    ap.add_argument("--bytes", action="store_true")
    opts = ap.parse_args()
    ours_cmd = [os.path.abspath(opts.rcompose)]
    total = 0
    for src in map(os.path.abspath, opts.dirs):
        if os.path.exists(os.path.join(src, "expected.err")):
            continue
        name = f"{os.path.basename(os.path.dirname(src))}/{os.path.basename(src)}"
        work = os.path.join("/tmp/config-diff", name)
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(src, work)
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")}
        for line in (open(os.path.join(src, "env")).read().splitlines() if os.path.exists(os.path.join(src, "env")) else []):
            if "=" in line:
                k, v = line.split("=", 1)
                env[k] = v
        before = words(os.path.join(src, "args"))
        after = words(os.path.join(src, "config-args")) + shlex.split(opts.config_args)
        for fmt in ("json", "yaml"):
            flags = ["--format", "json"] if fmt == "json" else []
            run = lambda cmd: subprocess.run(cmd + before + ["config"] + flags + after, cwd=work, env=env, capture_output=True, text=True, timeout=60)
            ref, ours = run(["docker", "compose"]), run(ours_cmd)
            if ref.returncode != 0:
                print(f"{name} [{fmt}]: the reference fails: {ref.stderr.strip()[:200]}")
                continue
            if ours.returncode != 0:
                print(f"{name} [{fmt}]: rcompose fails: {ours.stderr.strip()[:200]}")
                total += 1
                continue
            if opts.bytes:
                a, b = ours.stdout.rstrip("\n"), ref.stdout.rstrip("\n")
                found = [] if a == b else [f": text differs ({sum(1 for x, y in zip(a.splitlines(), b.splitlines()) if x != y)} lines)"]
            else:
                loader = yaml.SafeLoader if opts.yaml11 else Yaml12
                load = json.loads if fmt == "json" else (lambda s: yaml.load(s, Loader=loader))
                found = diff(load(ours.stdout.replace(work, "$DIR")), load(ref.stdout.replace(work, "$DIR")))
            for d in found:
                print(f"{name} [{fmt}] {d}")
            total += len(found)
    print(f"{total} differences")
    return 1 if total else 0

if __name__ == "__main__":
    raise SystemExit(main())
