#!/usr/bin/env python3
"""Counts the engine API calls a command makes: a load-independent measure of its cost.

    python3 bench/engine_calls.py [--socket /var/run/docker.sock] [-v] [-t] -- COMMAND [ARG ...]

Runs COMMAND with DOCKER_HOST pointing at a Unix-socket proxy in front of the engine, and prints
each kind of request (method and path, ids and names folded into `{id}`) with how many times it
was made, the number of connections opened, and the bytes each way. Works for any tool that
honours DOCKER_HOST (rcompose, `docker compose`). The command's own output goes to /dev/null
unless `-v`.
"""
import argparse
import collections
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

REQUEST = re.compile(rb"(?:^|\r\n)(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP/1\.[01]\r\n")
VERSION = re.compile(r"^/v1\.\d+")


def fold(path):
    """`/v1.41/containers/3f2a.../json?all=1` -> `/containers/{id}/json`."""
    path = VERSION.sub("", path.split("?")[0])
    parts = path.split("/")
    kinds = {"containers", "networks", "volumes", "images", "exec"}
    out = []
    for i, p in enumerate(parts):
        if i > 0 and parts[i - 1] in kinds and p not in ("json", "create", "prune", "") and not (parts[i - 1] == "images" and p in ("json", "create", "load", "search", "get")):
            out.append("{id}")
        else:
            out.append(p)
    return "/".join(out)


class Proxy:
    def __init__(self, upstream, trace=False):
        self.upstream, self.trace, self.start = upstream, trace, time.perf_counter()
        self.dir = tempfile.mkdtemp(prefix="engine-calls-")
        self.path = os.path.join(self.dir, "docker.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(256)
        self.lock = threading.Lock()
        self.calls = collections.Counter()
        self.connections = 0
        self.bytes_up = self.bytes_down = 0
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            engine.connect(self.upstream)
            with self.lock:
                self.connections += 1
            threading.Thread(target=self.pump, args=(client, engine, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(engine, client, False), daemon=True).start()

    def pump(self, src, dst, up):
        tail = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
                with self.lock:
                    if up:
                        self.bytes_up += len(data)
                        buf = tail + data
                        for m in REQUEST.finditer(buf):
                            if m.end() > len(tail):
                                self.calls[f"{m.group(1).decode()} {fold(m.group(2).decode())}"] += 1
                                if self.trace:
                                    at = (time.perf_counter() - self.start) * 1000
                                    print(f"{at:9.1f} ms  {m.group(1).decode()} {m.group(2).decode()[:120]}", file=sys.stderr)
                        tail = buf[-300:]
                    else:
                        self.bytes_down += len(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--socket", default="/var/run/docker.sock")
    p.add_argument("-v", "--verbose", action="store_true", help="show the command's output")
    p.add_argument("-t", "--trace", action="store_true", help="print each request as it is made, with its time")
    p.add_argument("command", nargs="+")
    args = p.parse_args()
    proxy = Proxy(args.socket, args.trace)
    env = dict(os.environ, DOCKER_HOST=f"unix://{proxy.path}")
    out = None if args.verbose else subprocess.DEVNULL
    start = time.perf_counter()
    code = subprocess.run(args.command, env=env, stdout=out, stderr=out).returncode
    wall = time.perf_counter() - start
    time.sleep(0.05)
    proxy.server.close()
    os.unlink(proxy.path)
    os.rmdir(proxy.dir)
    with proxy.lock:
        for call, n in sorted(proxy.calls.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"{n:5}  {call}")
        total = sum(proxy.calls.values())
        print(f"{total:5}  requests over {proxy.connections} connection(s); "
              f"{proxy.bytes_up:,} bytes up, {proxy.bytes_down:,} down; exit {code}; {wall * 1000:.0f} ms wall")
    sys.exit(0)


if __name__ == "__main__":
    main()
