"""The engine floor: what bringing up N containers costs the engine itself, with no
orchestrator in the way (and, at the end, what one `exec` costs it: `exec_once`).

One network (as `up` creates `<project>_default`), then N containers created on it and started
by threads that talk raw HTTP/1.1 to the engine over its unix socket, one keep-alive connection
per thread; how many threads, and in which order the calls go, is a `Strategy`, and the suite
sweeps a few to find the best for the machine. The containers are as small
as a compose service can be (image, command, stop signal, the project and service labels), so
the floor is the engine's work for the same containers `up` makes, and nothing else.

Written in Python, not Rust, on purpose: it is independent of rcompose's own engine layer (a
floor built on our `Engine` trait would hide that layer's overhead instead of measuring it), it
needs no build, and its client-side cost (well under a millisecond a call, next to ~100 ms of
engine work per container) is far below the noise. Threads are fine: the work is waiting on
the socket.
"""
import http.client
import json
import os
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

API = "/v1.41"


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=300)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s


def socket_path():
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        raise SystemExit(f"engine floor: only unix sockets are supported, DOCKER_HOST={host}")
    return host[len("unix://"):]


class Client:
    """One connection per thread; `call` raises on any status >= 400."""

    def __init__(self):
        self.path = socket_path()
        self.local = threading.local()

    def call(self, method, url, body=None):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = UnixConnection(self.path)
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, API + url, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        if resp.status >= 400:
            raise RuntimeError(f"{method} {url}: {resp.status} {raw.decode(errors='replace').strip()}")
        return json.loads(raw) if raw else None


@dataclass(frozen=True)
class Strategy:
    """How the floor orders the calls: `workers` threads, each taking a container through
    create → start (pipelined), or all creates first and then all starts (phased, as Docker
    Compose orders them)."""
    workers: int
    phased: bool = False

    def __str__(self):
        return f"{self.workers} at once, " + ("all creates then all starts" if self.phased else "create → start each")


def candidates(n):
    """The strategies a sweep tries for n containers."""
    sizes = sorted({min(w, n) for w in (4, 8, 16, n)})
    return [Strategy(w) for w in sizes] + [Strategy(w, phased=True) for w in sorted({min(8, n), n})]


def run(project, n, strategy, subnet=None, image="busybox:latest"):
    """Creates the network (on `subnet` when given) and n started containers; returns the wall
    time in seconds."""
    client = Client()
    labels = {"com.docker.compose.project": project}
    network = f"{project}_default"

    def create(i):
        body = {
            "Image": image,
            "Cmd": ["sleep", "3600"],
            "StopSignal": "SIGKILL",
            "Labels": dict(labels, **{"com.docker.compose.service": f"s{i}"}),
            "HostConfig": {"NetworkMode": network},
            "NetworkingConfig": {"EndpointsConfig": {network: {"Aliases": [f"s{i}"]}}},
        }
        return client.call("POST", f"/containers/create?name={project}-s{i}-1", body)["Id"]

    def start_(cid):
        client.call("POST", f"/containers/{cid}/start")

    start = time.perf_counter()
    spec = {"Name": network, "Driver": "bridge", "CheckDuplicate": True, "Labels": labels}
    if subnet:
        spec["IPAM"] = {"Driver": "default", "Config": [{"Subnet": subnet}]}
    client.call("POST", "/networks/create", spec)
    with ThreadPoolExecutor(max_workers=strategy.workers) as pool:
        if strategy.phased:
            ids = list(pool.map(create, range(n)))
            list(pool.map(start_, ids))
        else:
            list(pool.map(lambda i: start_(create(i)), range(n)))
    return time.perf_counter() - start


# ---- exec: the same exec `exec -T SERVICE CMD` makes, by raw API calls


def hijacked(path, url, body):
    """POSTs `body` to `url` asking for the connection to be taken over (as `docker exec`
    and `exec` do), and reads the process's multiplexed output until the engine closes the
    connection: the process has exited. Returns the bytes read after the response headers."""
    data = json.dumps(body).encode()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    try:
        s.sendall((f"POST {API}{url} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                   f"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data)
        # Standard input attached and at its end at once, as with `exec -T ... </dev/null`.
        s.shutdown(socket.SHUT_WR)
        raw = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            raw += chunk
    finally:
        s.close()
    head, _, rest = raw.partition(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n")[0] and b" 200 " not in head.split(b"\r\n")[0]:
        raise RuntimeError(f"exec start: {head.decode(errors='replace')}")
    return rest


def exec_once(project, service, cmd):
    """Finds the service's running container by its labels, creates an exec of `cmd` with
    standard input, output and error attached and no TTY, starts it attached, and reads its
    exit code; returns (wall seconds, exit code)."""
    client = Client()
    start = time.perf_counter()
    filters = json.dumps({"label": [f"com.docker.compose.project={project}", f"com.docker.compose.service={service}"]})
    found = client.call("GET", "/containers/json?filters=" + urllib.parse.quote(filters))
    if not found:
        raise RuntimeError(f"exec floor: no running container of {service} in {project}")
    body = {"AttachStdin": True, "AttachStdout": True, "AttachStderr": True, "Tty": False, "Cmd": cmd}
    exec_id = client.call("POST", f"/containers/{found[0]['Id']}/exec", body)["Id"]
    hijacked(client.path, f"/exec/{exec_id}/start", {"Detach": False, "Tty": False})
    state = client.call("GET", f"/exec/{exec_id}/json")
    while state["Running"]:
        state = client.call("GET", f"/exec/{exec_id}/json")
    return time.perf_counter() - start, state["ExitCode"]


def run_once(project, network, image="busybox:latest", cmd=("true",)):
    """The engine's part of `run --rm SERVICE true`: create the container on the project's
    network with AutoRemove, ask to wait for its removal and attach to its streams (both before
    it starts, as `run` must), start it, and read until the engine reports it removed. Returns
    the wall seconds."""
    client = Client()
    start = time.perf_counter()
    body = {"Image": image, "Cmd": list(cmd), "AttachStdin": True, "AttachStdout": True, "AttachStderr": True,
            "OpenStdin": True, "StdinOnce": True, "Labels": {"com.docker.compose.project": project},
            "HostConfig": {"AutoRemove": True, "NetworkMode": network},
            "NetworkingConfig": {"EndpointsConfig": {network: {}}}}
    cid = client.call("POST", "/containers/create", body)["Id"]
    wait = UnixConnection(client.path)
    wait.request("POST", f"{API}/containers/{cid}/wait?condition=removed")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(client.path)
    s.sendall((f"POST {API}/containers/{cid}/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: localhost\r\n"
               "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n").encode())
    s.recv(4096)  # the 101 response
    client.call("POST", f"/containers/{cid}/start")
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
    code = json.loads(wait.getresponse().read())["StatusCode"]
    wait.close()
    if code != 0:
        raise RuntimeError(f"run floor: exit code {code}")
    return time.perf_counter() - start
