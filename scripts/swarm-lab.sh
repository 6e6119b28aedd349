#!/usr/bin/env bash
# A Swarm of three nodes on one machine: the main engine (the manager) and two more engines,
# each a `dockerd` in a network namespace of its own, joined to the main engine's swarm as
# workers. For trying `rcompose stack deploy` with placement constraints and the loss of a node
# without a second machine (the `swarm_lab` integration test runs it).
#
# Usage: scripts/swarm-lab.sh start | stop | status | host N | kill N | revive N
#   start     starts the workers (idempotent), joins them, loads busybox:latest into each
#   stop      the workers leave, their containers and engines stop, namespaces and links go
#   status    the swarm's nodes as the manager sees them
#   host N    the DOCKER_HOST of worker N (1 or 2)
#   kill N    SIGKILLs worker N's dockerd, as a crashed machine (`stop` still cleans it up)
#   revive N  starts worker N's dockerd again (it rejoins with the swarm state it kept)
#
# Environment: SWARM_LAB_DIR (default /tmp/rcompose-swarm-lab), SWARM_LAB_NODES (default 2),
# MAIN_DOCKER_HOST (default unix:///var/run/docker.sock). Needs root, `ip`, `nsenter`,
# `unshare` and `iptables`.
#
# The layout. A bridge `rclab0` on the host holds 10.231.0.1/24; worker N has a namespace
# `rclab-N`, a veth pair (`rclabN` on the bridge, `eth0` inside) with 10.231.0.(N+1)/24 and a
# default route through the bridge, a hostname of its own (`rclab-N`, in a UTS namespace of its
# own, so that `node.hostname == rclab-N` places tasks), the node label `rclab=N`, and under
# $SWARM_LAB_DIR/nodeN its data root, exec root, pid file, log and socket (`docker.sock`).
#
# Why a namespace each: a dockerd started in the host's network namespace would fight the
# main engine over its bridges and iptables chains (with --bridge=none it even deletes the
# host's docker0). Alone in its namespace, a worker's bridges, iptables rules and overlay
# sandboxes are its own; the main engine is never touched, only asked for the join token.
#
# The manager's address. A worker reaches the host at 10.231.0.1, and through it every host
# address (the host delivers them locally). When the main engine is not in a swarm, `start`
# runs `docker swarm init --advertise-addr A` with A the address of the host's default route
# (stable, unlike the bridge, which `stop` removes), and leaves the main engine in swarm mode
# afterwards (tests on the main engine expect it; `stop --leave` leaves if the lab entered it).
# When the main engine is already a manager advertising 127.0.0.1 (`docker swarm init
# --advertise-addr 127.0.0.1`, as the single-node tests do), its control port still listens on
# every address (0.0.0.0:2377 is the default --listen-addr), so workers join at A:2377; but the
# manager then hands its workers the address 127.0.0.1:2377, which inside a worker's namespace
# is the worker itself. So each namespace redirects 127.0.0.1:2377 to A:2377 (iptables DNAT in
# its OUTPUT chain, route_localnet, and a masquerade on its eth0). Without it the first join
# works, but a worker whose dockerd restarts (`kill N`, `revive N`) dials 127.0.0.1:2377, gets
# "connect: connection refused" (its dockerd.log) and stays Down.
#
# What does not work here (checked with the manager advertising 127.0.0.1, with a stack of one
# task on each node): traffic between tasks of different nodes over the stack's overlay
# network. Tasks get their overlay addresses and the VXLAN devices exist in every namespace
# (CONFIG_VXLAN is built in; no call is refused), but `ping` from a task on rclab-1 to the
# overlay address of a task on rclab-2 or on the manager loses every packet, the manager's
# embedded DNS answers NXDOMAIN for `tasks.<service>` of the workers' tasks, and the workers'
# VXLAN forwarding tables point the manager's endpoints at 127.0.0.1 (the manager's data path
# address, which inside a worker's namespace is the worker itself). Redirecting 7946 (gossip)
# and 4789 (VXLAN) as 2377 is redirected did not change it within a minute. The ingress mesh
# needs IPVS, which this kernel lacks ("modprobe ip_vs" fails, no modules). Placement,
# scheduling and rescheduling, which the `swarm_lab` test checks, need none of it.
set -euo pipefail

LAB="${SWARM_LAB_DIR:-/tmp/rcompose-swarm-lab}"
NODES="${SWARM_LAB_NODES:-2}"
MAIN="${MAIN_DOCKER_HOST:-unix:///var/run/docker.sock}"
BRIDGE=rclab0
NET=10.231.0
IMAGES=(busybox:latest)

say() { echo "swarm-lab: $*" >&2; }
die() { say "$*"; exit 1; }
main_docker() { docker -H "$MAIN" "$@"; }
node_host() { echo "unix://$LAB/node$1/docker.sock"; }
node_docker() { local n=$1; shift; docker -H "$(node_host "$n")" "$@"; }
node_pid() { cat "$LAB/node$1/dockerd.pid" 2>/dev/null || true; }
alive() { local p; p=$(node_pid "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# The address workers join: the source address of the host's default route, else the bridge.
manager_addr() {
  local a
  a=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n1)
  echo "${a:-$NET.1}"
}

ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$NET.1/24" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  # The host's FORWARD policy is DROP (the main engine sets it) and bridged frames pass through
  # it: accept what goes between two workers. DOCKER-USER is the chain Docker leaves to users.
  local chain=FORWARD
  iptables -n -L DOCKER-USER >/dev/null 2>&1 && chain=DOCKER-USER
  iptables -C "$chain" -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -I "$chain" -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
}

ensure_netns() {
  local n=$1 ns="rclab-$1" addr="$NET.$(($1 + 1))"
  ip netns list | grep -qw "$ns" || ip netns add "$ns"
  if ! ip link show "rclab$n" >/dev/null 2>&1; then
    ip link add "rclab$n" type veth peer name eth0 netns "$ns"
    ip link set "rclab$n" master "$BRIDGE" up
    ip -n "$ns" addr add "$addr/24" dev eth0
  fi
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route replace default via "$NET.1"
}

# Inside worker N's namespace: 127.0.0.1:2377 leads to the manager (see the header).
redirect_loopback() {
  local ns="rclab-$1" to="$2"
  ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.eth0.route_localnet=1
  ip netns exec "$ns" iptables -t nat -C OUTPUT -d 127.0.0.1 -p tcp --dport 2377 -j DNAT --to-destination "$to:2377" 2>/dev/null \
    || ip netns exec "$ns" iptables -t nat -A OUTPUT -d 127.0.0.1 -p tcp --dport 2377 -j DNAT --to-destination "$to:2377"
  ip netns exec "$ns" iptables -t nat -C POSTROUTING -o eth0 -s 127.0.0.0/8 -j MASQUERADE 2>/dev/null \
    || ip netns exec "$ns" iptables -t nat -A POSTROUTING -o eth0 -s 127.0.0.0/8 -j MASQUERADE
}

start_dockerd() {
  local n=$1 d="$LAB/node$1"
  mkdir -p "$d"
  alive "$n" && return 0
  # A SIGKILLed dockerd leaves its containerd's pid file, which would make the next one wait.
  rm -f "$d/exec/containerd/containerd.pid" "$d/docker.sock"
  [ -f "$d/daemon.json" ] || echo '{}' >"$d/daemon.json"
  # nsenter rather than `ip netns exec`: the latter remounts /sys in a mount namespace of its
  # own, which hides the cgroup hierarchy dockerd needs under /sys/fs/cgroup.
  nsenter --net="/run/netns/rclab-$n" unshare --uts sh -c '
      hostname "$0" && exec dockerd "$@"' "rclab-$n" \
    --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
    -H "$(node_host "$n")" --default-address-pool "base=10.23$((1 + n)).0.0/16,size=24" \
    >>"$d/dockerd.log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 120); do
    node_docker "$n" version >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  tail -n 20 "$d/dockerd.log" >&2
  die "worker $n's dockerd did not answer in 60 s (log: $d/dockerd.log)"
}

load_images() {
  local n=$1 img
  for img in "${IMAGES[@]}"; do
    [ "$(node_docker "$n" image inspect -f '{{.Id}}' "$img" 2>/dev/null)" = "$(main_docker image inspect -f '{{.Id}}' "$img")" ] && continue
    main_docker save "$img" | node_docker "$n" load -q >/dev/null
  done
}

ensure_manager() {
  local state addr
  state=$(main_docker info -f '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')
  case "$state" in
    "active true") ;;
    "inactive "*)
      addr=$(manager_addr)
      say "the main engine enters swarm mode, advertising $addr"
      main_docker swarm init --advertise-addr "$addr" >/dev/null
      touch "$LAB/entered-swarm" ;;
    *) die "the main engine is in swarm state '$state', not the manager of a swarm: the lab needs it to be one" ;;
  esac
}

join() {
  local n=$1 state token addr advertised
  state=$(node_docker "$n" info -f '{{.Swarm.LocalNodeState}}')
  addr=$(manager_addr)
  advertised=$(main_docker info -f '{{.Swarm.NodeAddr}}')
  case "$advertised" in 127.*) redirect_loopback "$n" "$addr" ;; esac
  [ "$state" = active ] && return 0
  [ "$state" = inactive ] || node_docker "$n" swarm leave --force >/dev/null 2>&1 || true
  token=$(main_docker swarm join-token -q worker)
  node_docker "$n" swarm join --token "$token" --advertise-addr "$NET.$((n + 1))" "$addr:2377" >/dev/null
  local id
  id=$(node_docker "$n" info -f '{{.Swarm.NodeID}}')
  main_docker node update --label-add "rclab=$n" "$id" >/dev/null
}

start() {
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, links and a dockerd each)"
  mkdir -p "$LAB"
  "$(dirname "$0")/busybox-image.sh"
  ensure_manager
  ensure_bridge
  local n
  for n in $(seq 1 "$NODES"); do
    ensure_netns "$n"
    start_dockerd "$n"
    load_images "$n"
    join "$n"
  done
  status
}

stop_node() {
  local n=$1 d="$LAB/node$1" id="" ids
  [ -d "$d" ] || return 0
  # A killed worker is started again, so that it stops its containers itself.
  if ! alive "$n" && [ -d "$d/data" ] && ip netns list | grep -qw "rclab-$n"; then
    start_dockerd "$n" || true
  fi
  if alive "$n"; then
    id=$(node_docker "$n" info -f '{{.Swarm.NodeID}}' 2>/dev/null || true)
    node_docker "$n" swarm leave --force >/dev/null 2>&1 || true
    ids=$(node_docker "$n" ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || node_docker "$n" rm -f -v $ids >/dev/null 2>&1 || true
    local p
    p=$(node_pid "$n")
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$p" 2>/dev/null || true
  fi
  if [ -n "$id" ]; then
    main_docker node rm --force "$id" >/dev/null 2>&1 || true
  fi
  # dockerd leaves its data root (and its namespaces' files) mounted.
  { grep -o " $d/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$d"
}

stop() {
  local n leave=false
  [ "${1:-}" = --leave ] && leave=true
  for n in $(seq 1 "$NODES"); do
    stop_node "$n"
    ip link del "rclab$n" 2>/dev/null || true
    ip netns del "rclab-$n" 2>/dev/null || true
  done
  # Nodes the manager still lists from earlier labs (down, with our hostnames).
  { main_docker node ls --format '{{.ID}} {{.Hostname}} {{.Status}}' 2>/dev/null || true; } | awk '$2 ~ /^rclab-/ && $3 == "Down" {print $1}' |
    while read -r id; do main_docker node rm --force "$id" >/dev/null 2>&1 || true; done
  local chain=FORWARD
  iptables -n -L DOCKER-USER >/dev/null 2>&1 && chain=DOCKER-USER
  iptables -D "$chain" -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
  if [ -f "$LAB/entered-swarm" ] && $leave; then
    main_docker swarm leave --force >/dev/null && rm -f "$LAB/entered-swarm"
  fi
  [ -f "$LAB/entered-swarm" ] || rm -rf "$LAB"
}

status() {
  main_docker node ls --format '{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}'
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  status) status ;;
  host) node_host "${2:?worker number}" ;;
  kill) p=$(node_pid "${2:?worker number}"); [ -n "$p" ] && kill -KILL "$p" ;;
  revive) start_dockerd "${2:?worker number}" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
