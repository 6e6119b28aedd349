#!/bin/sh
# Regenerates compose-samples/valid/*/expected.json with the reference implementation
# (`docker compose config --format json`, Docker Compose 2.40.3, the reference), and checks that every
# compose-samples/invalid/* sample is rejected by it.
#
# The reference runs with an almost empty environment (PATH, and HOME so that docker finds its
# compose plugin), as the sample test runs the loader with an empty environment: samples must
# not depend on either variable; extra global flags come from each sample's
# `args` file, extra `config` flags from its `config-args` file. The sample's absolute directory is replaced with `$DIR` so the files are portable.
#
# Usage: compose-samples/regen.sh [sample-name...]
set -eu
root=$(cd "$(dirname "$0")" && pwd)
reference() {
    env -i PATH="$PATH" HOME="$HOME" docker compose "$@"
}

for dir in "$root"/valid/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
    args=""
    [ -f "$dir/args" ] && args=$(cat "$dir/args")
    config_args=""
    [ -f "$dir/config-args" ] && config_args=$(cat "$dir/config-args")
    # shellcheck disable=SC2086
    if out=$(cd "$dir" && reference $args config --format json $config_args 2>"$root/.stderr"); then
        printf '%s\n' "$out" | sed "s#$dir#\$DIR#g" > "$dir/expected.json"
        echo "ok       valid/$name"
        sed 's/^/         warning: /' "$root/.stderr"
    else
        echo "REJECTED valid/$name: $(cat "$root/.stderr")"
    fi
    rm -f "$root/.stderr"
done

for dir in "$root"/invalid/*/; do
    [ -d "$dir" ] || continue
    dir=${dir%/}
    name=$(basename "$dir")
    if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
    args=""
    [ -f "$dir/args" ] && args=$(cat "$dir/args")
    # shellcheck disable=SC2086
    # The reference hangs on the alias and interpolation bombs: give it 20 seconds.
    if out=$(cd "$dir" && timeout 20 env -i PATH="$PATH" HOME="$HOME" docker compose $args config --format json 2>&1); then
        echo "ACCEPTED invalid/$name (the reference accepts it)"
    elif [ $? -eq 124 ]; then
        echo "TIMEOUT  invalid/$name (the reference did not answer in 20 s)"
    else
        echo "rejected invalid/$name: $(printf '%s' "$out" | head -n 1)"
    fi
done
