#!/usr/bin/env bash
# Demo users for `make run` (PRODUCT.md §11.1): one per role, created once,
# their passwords written to var/demo-users.txt (mode 600). Run again after
# `rm -rf var` to start over.
set -euo pipefail
BIN=${CLEARWAY_BIN:-./bin/clearway}
CONFIG=${CLEARWAY_CONFIG:-config/clearway.yaml}
OUT=${DEMO_USERS:-var/demo-users.txt}
[ -f "$OUT" ] && exit 0
mkdir -p "$(dirname "$OUT")"
umask 077
tmp="$OUT.tmp"
printf '# Clearway demo users (make run): log in at http://127.0.0.1:8080/login\n# login  role  partner  password\n' > "$tmp"
while read -r login role partner; do
  password=$(head -c 15 /dev/urandom | base64 | tr -d '/+=\n')
  args=(user add "$login" --role "$role" --config "$CONFIG" --password-stdin --by make-run --name "Demo $role")
  [ "$partner" != "-" ] && args+=(--partner "$partner")
  printf '%s\n' "$password" | "$BIN" "${args[@]}" >/dev/null
  printf '%s  %s  %s  %s\n' "$login" "$role" "$partner" "$password" >> "$tmp"
done <<USERS
admin admin -
compliance compliance -
logistics logistics -
viewer viewer -
broker broker fastclear
supplier supplier acme
USERS
mv "$tmp" "$OUT"
echo "demo users: logins and passwords in $OUT"
