"""The compose files the scenarios run. Only `busybox:latest` (made without a registry by
scripts/busybox-image.sh), and every container stops on the spot: `stop_signal: SIGKILL`, so
`down` measures the tools and the engine, not a grace period (busybox `sleep` as PID 1 would
ignore SIGTERM and sit out the 10 s timeout). Published ports are left out of the stacks that
run, so that the suite can share an engine with other work, and their default network is on a
subnet the harness picks."""


def config_shapes(project, n):
    """`n` services of the usual shapes (ports, env, volumes, depends_on, healthchecks), as a
    real project would have; only ever loaded (`config`), never run."""
    out = [f"name: {project}", "services:"]
    for i in range(n):
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


def independent(project, n, subnet):
    """`n` services that depend on nothing: each a sleeping busybox with an environment
    variable and a label, on the project's default network."""
    out = [f"name: {project}", "services:"]
    for i in range(n):
        out += [
            f"  s{i}:",
            "    image: busybox:latest",
            "    command: [\"sleep\", \"3600\"]",
            "    stop_signal: SIGKILL",
            "    environment:",
            f"      INDEX: \"{i}\"",
            "    labels:",
            f"      bench.index: \"{i}\"",
        ]
    return "\n".join(out + network(subnet)) + "\n"


def health_chain(project, depth, subnet, interval="200ms"):
    """`depth` services, each waiting for the one before it to be healthy
    (`condition: service_healthy`); every service has a healthcheck that passes at its first
    probe, one `interval` after the container starts."""
    out = [f"name: {project}", "services:"]
    for i in range(depth):
        out += [
            f"  s{i}:",
            "    image: busybox:latest",
            "    command: [\"sleep\", \"3600\"]",
            "    stop_signal: SIGKILL",
            "    healthcheck:",
            "      test: [\"CMD\", \"true\"]",
            f"      interval: {interval}",
            "      timeout: 5s",
            "      retries: 3",
        ]
        if i > 0:
            out += ["    depends_on:", f"      s{i - 1}:", "        condition: service_healthy"]
    return "\n".join(out + network(subnet)) + "\n"


def chatty(project, n, subnet, lines, pause):
    """`n` services that each print `lines` numbered lines of ~60 bytes, pause `pause`
    seconds, and again, forever: a steady offered load of about n * lines / pause lines per
    second (less when the machine cannot keep up). The json-file logs are capped (10 MB x 2 per
    container) so a long run cannot fill the disk."""
    out = [f"name: {project}", "services:"]
    script = (
        "i=0; while :; do j=0; while [ $$j -lt " + str(lines) + " ]; do "
        "echo \"line $$i.$$j of a chatty service, padded to sixty bytes\"; j=$$((j+1)); done; "
        "i=$$((i+1)); sleep " + str(pause) + "; done"
    )
    for i in range(n):
        out += [
            f"  s{i}:",
            "    image: busybox:latest",
            "    command: [\"sh\", \"-c\", " + _quote(script) + "]",
            "    stop_signal: SIGKILL",
            "    logging:",
            "      driver: json-file",
            "      options:",
            "        max-size: 10m",
            "        max-file: \"2\"",
        ]
    return "\n".join(out + network(subnet)) + "\n"


def network(subnet):
    """The default network on a given subnet (see harness.free_subnet for why)."""
    return ["networks:", "  default:", "    ipam:", "      config:", f"        - subnet: {subnet}"]


def _quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
