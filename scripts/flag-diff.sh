#!/bin/sh
# Compare the flags of every Docker Compose command with rcompose's.
# Usage: scripts/flag-diff.sh [path/to/rcompose]
# Prints, per command, the long flags the reference has and rcompose lacks ("missing"),
# and those rcompose has that the reference does not ("extra"). Hidden flags of the
# reference are not listed by its --help, so they are not compared.
R=${1:-rcompose}
flags() { # long flags (and their short forms) of a help text on stdin
  sed -n '/^Options:/,$p' | grep -E '^ {2,6}(-[a-zA-Z], )?--[a-z]' |
    sed -E 's/^ +(-([a-zA-Z]), )?--([a-z0-9-]+).*/--\3 \2/' | sed 's/ $//' | sort -u
}
compare() { # $1: label, $2: the reference's flags, $3: ours
  missing=$(printf '%s\n' "$2" | grep . | while read -r f; do
    printf '%s\n' "$3" | grep -qx -- "$f" || printf '%s; ' "$f"; done)
  extra=$(printf '%s\n' "$3" | grep . | while read -r f; do
    printf '%s\n' "$2" | grep -qx -- "$f" || printf '%s; ' "$f"; done)
  echo "$1: missing: ${missing:--}  extra: ${extra:--}"
}
compare "(global)" "$(docker compose --help | sed '/^Commands:/,$d' | flags)" \
  "$("$R" --help | sed 's/^Global options:/Options:/' | flags | grep -v -- '^--help\|^--version')"
cmds=$(docker compose --help | sed -n '/^Commands:/,/^$/p' | awk 'NR>1 && NF {print $1}')
for c in $cmds; do
  ref=$(docker compose "$c" --help 2>/dev/null | flags | grep -v -- '^--dry-run$')
  if ! ours=$("$R" "$c" --help 2>/dev/null); then
    echo "$c: command missing"; continue
  fi
  ours=$(printf '%s\n' "$ours" | sed '/^Global options:/,$d' | flags | grep -v -- '^--help')
  compare "$c" "$ref" "$ours"
done
