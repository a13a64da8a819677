#!/usr/bin/env bash
# Ingest benchmark (issues 4 and 16): a 1,000,000-line purchase-order CSV
# (50,000 POs of 20 lines) through `clearway ingest` with the shipped
# erp-po-csv mapping, side by side with a bare bulk load of the same file:
#   STORE=sqlite (default): into clearway.db, against `sqlite3 .import` into
#     a bare table;
#   STORE=postgres: into a throwaway PostgreSQL cluster (initdb + pg_ctl in a
#     temp dir on a free port, as the postgres or nobody user when run as
#     root, stopped at exit), against `psql \copy` into a bare table of 16
#     text columns in the same cluster, and (the floor for any client) psql
#     \copy of clearway's own finished rows into an empty store's facts.
# Prints lines/s for both, their ratio (target >= 0.5), clearway's peak RSS
# (target < 256 MB) and, when RUNS > 1, the medians. Env: LINES (default
# 1000000), RUNS (default 1; the machine may be shared, so repeat and take
# the medians), STORE, CLEARWAY_BIN, WORK, PG_BIN (PostgreSQL's bin folder;
# default: initdb on PATH, else the newest /usr/lib/postgresql/*/bin).
set -euo pipefail
LINES=${LINES:-1000000}
RUNS=${RUNS:-1}
STORE=${STORE:-sqlite}
BIN=${CLEARWAY_BIN:-./bin/clearway}
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/bench-ingest.XXXXXX)}
PG_DIR="" # the throwaway cluster's folder, while it runs
cleanup() {
  if [ -n "$PG_DIR" ]; then
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # so that cleanup runs: the cluster is stopped

case "$STORE" in
  sqlite) tools="sqlite3 /usr/bin/time" ;;
  postgres) tools="psql /usr/bin/time" ;;
  *) echo "bench-ingest: STORE must be sqlite or postgres, got $STORE" >&2; exit 1 ;;
esac
for tool in $tools; do
  command -v "$tool" >/dev/null || { echo "bench-ingest: $tool is needed (apt-get install sqlite3 postgresql time)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "bench-ingest: $BIN not built (make build)" >&2; exit 1; }

csv="$WORK/PO-EXPORT-BIG.csv"
awk -v n="$LINES" 'BEGIN {
  print "PO Number,PO Line,Vendor,Vendor Name,Material,Short Text,HTS Code,Country of Origin,PO Quantity,Order Unit,Net Price,Currency,Incoterms,Incoterms Location,Ship Mode,Delivery Date"
  for (i = 0; i < n; i++) {
    po = 4500000000 + int(i / 20); line = (i % 20 + 1) * 10
    printf "%.0f,%05d,V-20417,\"Ningbo Haitai Precision Co., Ltd.\",SKU-%d,\"Part %d, steel\",8482.10.5048,CN,\"1,%03d\",PC,0.6200,USD,FOB,Ningbo,SEA,04/03/2026\n", po, line, i % 997, i % 997, i % 1000
  }
}' > "$csv"
size=$(du -m "$csv" | cut -f1)

# pg_as runs a PostgreSQL server program as the cluster's owner: PostgreSQL
# refuses to run as root.
PG_USER=""
pg_as() {
  if [ -n "$PG_USER" ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

# pg_start creates a cluster in a temp dir and starts it on a free port of
# 127.0.0.1 (C locale and UTF8, as docs/cluster.md asks; server settings
# otherwise as shipped).
pg_start() {
  if [ -z "${PG_BIN:-}" ]; then
    if command -v initdb >/dev/null; then PG_BIN=$(dirname "$(readlink -f "$(command -v initdb)")")
    else PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1); fi
  fi
  [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] || { echo "bench-ingest: initdb and pg_ctl not found (apt-get install postgresql, or set PG_BIN)" >&2; exit 1; }
  if [ "$(id -u)" = 0 ]; then
    if id postgres >/dev/null 2>&1; then PG_USER=postgres; else PG_USER=nobody; fi
  fi
  PG_DIR=$(mktemp -d /tmp/bench-ingest-pg.XXXXXX)
  [ -z "$PG_USER" ] || chown "$PG_USER" "$PG_DIR"
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  for _ in 1 2 3 4 5; do
    PG_PORT=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null && continue # taken
    if pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
      -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR" start >/dev/null; then
      return
    fi
  done
  echo "bench-ingest: postgres did not start:" >&2; cat "$PG_DIR/log" >&2; exit 1
}

PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres)
psql_do() { PGOPTIONS="-c client_min_messages=warning" "${PSQL[@]}" -p "$PG_PORT" "$@"; }

# One side-by-side run, on a fresh store and a fresh bare table; it prints
# "<clearway seconds> <baseline seconds> <peak RSS KB> <lines stored>".
bench_once() {
  rm -rf "$WORK/cw" "$WORK/bare.db"
  mkdir -p "$WORK/cw"
  local store_yaml="" dsn=""
  if [ "$STORE" = postgres ]; then
    psql_do -d postgres -c "DROP DATABASE IF EXISTS clearway" -c "DROP DATABASE IF EXISTS bare" \
      -c "CREATE DATABASE clearway TEMPLATE template0 ENCODING UTF8 LOCALE 'C'" -c "CREATE DATABASE bare"
    dsn="postgres://postgres@127.0.0.1:$PG_PORT/clearway?sslmode=disable"
    store_yaml="store: {driver: postgres, dsn: \"$dsn\"}"
  fi
  cat > "$WORK/clearway.yaml" <<YAML
data_dir: $WORK/cw
log: {level: warn, format: text}
sftp: {listen: ""}
http: {listen: ""}
mappings_dir: $REPO/mappings
$store_yaml
partners:
  - {id: erp, name: ERP, role: erp, mappings: [erp-po-csv]}
YAML
  if [ "$STORE" = postgres ]; then
    # A new database gets the schema at the first Open: not part of an
    # ingest (SQLite's takes milliseconds, PostgreSQL's about a second).
    "$BIN" files list --config "$WORK/clearway.yaml" >/dev/null
  fi

  # clearway: intake (archive + journal) + map + apply, one transaction.
  # Each side starts with nothing dirty in the page cache (the CSV just
  # written, the last run's database), so neither pays for the other's writes.
  sync
  /usr/bin/time -f "%e %M" -o "$WORK/cw.time" "$BIN" ingest --config "$WORK/clearway.yaml" --partner erp --into inbox/po "$csv" >/dev/null
  read -r cw_s cw_kb < "$WORK/cw.time"
  sync
  local stored
  if [ "$STORE" = postgres ]; then
    # psql \copy of the same file into a bare table (client-side read, as
    # clearway's is), in the same cluster.
    local cols=""
    for c in a b c d e f g h i j k l m n o p; do cols="$cols${cols:+, }$c text"; done
    psql_do -d bare -c "CREATE TABLE po ($cols)"
    /usr/bin/time -f "%e %M" -o "$WORK/base.time" "${PSQL[@]}" -p "$PG_PORT" -d bare -c "\\copy po FROM '$csv' CSV HEADER" >/dev/null
    stored=$(psql_do -d clearway -tA -c "SELECT COUNT(*) FROM facts WHERE kind = 'purchase_order_line'")
    floor_once "$dsn"
  else
    # sqlite3 .import of the same file into a bare table.
    /usr/bin/time -f "%e %M" -o "$WORK/base.time" sqlite3 "$WORK/bare.db" ".mode csv" ".import $csv po" >/dev/null
    stored=$(sqlite3 "$WORK/cw/clearway.db" "SELECT COUNT(*) FROM facts WHERE kind='purchase_order_line'")
  fi
  read -r base_s _ < "$WORK/base.time"
  local floor_s=0
  [ "$STORE" != postgres ] || read -r floor_s _ < "$WORK/floor.time"
  echo "$cw_s $base_s $cw_kb $stored $floor_s"
}

# floor_once times psql \copy of clearway's own finished rows (exported from
# the store just filled) into the facts table of an empty store: the same
# indexes and reference checks, no mapping, no client work. It is the
# fastest any client can store these lines as facts, so it bounds the
# ratio clearway can reach.
floor_once() {
  local rows="$WORK/rows.tsv" file_id
  psql_do -d clearway -c "\\copy (SELECT kind, key, shipment_id, fields, file_id, source FROM facts WHERE kind = 'purchase_order_line' ORDER BY id) TO '$rows'"
  file_id=$(psql_do -d clearway -tA -c "SELECT MAX(file_id) FROM facts")
  psql_do -d postgres -c "DROP DATABASE IF EXISTS floor" -c "CREATE DATABASE floor TEMPLATE template0 ENCODING UTF8 LOCALE 'C'"
  sed "s|/clearway?sslmode|/floor?sslmode|; s|data_dir: .*|data_dir: $WORK/floor|" "$WORK/clearway.yaml" > "$WORK/floor.yaml"
  mkdir -p "$WORK/floor"
  "$BIN" files list --config "$WORK/floor.yaml" >/dev/null # the schema
  psql_do -d floor -c "INSERT INTO files (id, partner, channel, name, size, sha256, state, received_at, updated_at)
    VALUES ($file_id, 'erp', 'cli', 'inbox/po/PO-EXPORT-BIG.csv', 0, repeat('0', 64), 'done', '', '')"
  sync
  /usr/bin/time -f "%e %M" -o "$WORK/floor.time" "${PSQL[@]}" -p "$PG_PORT" -d floor \
    -c "\\copy facts (kind, key, shipment_id, fields, file_id, source) FROM '$rows'" >/dev/null
  rm -f "$rows"
}

# report prints one run's (or the medians') figures and the targets.
report() {
  awk -v l="$LINES" -v c="$1" -v s="$2" -v kb="$3" -v st="$4" -v base="$5" -v what="$6" -v fl="$7" 'BEGIN {
    cw = l / c; sq = l / s
    printf "%sclearway ingest:  %.1f s  %8.0f lines/s  peak RSS %d MB  (%d PO lines stored)\n", what, c, cw, kb / 1024, st
    printf "%s%-17s %.1f s  %8.0f lines/s\n", what, base ":", s, sq
    if (fl > 0) {
      printf "%spsql \\copy of the finished rows into facts (the floor for any client): %.1f s  %8.0f lines/s\n", what, fl, l / fl
      printf "%s  so the best ratio any client could reach = %.2f; clearway/floor = %.2f\n", what, s / fl, fl / c
    }
    printf "%sratio clearway/%s = %.2f\n", what, base, cw / sq
    printf "TARGET >= 100000 lines/s: %s\n", (cw >= 100000 ? "PASS" : "FAIL")
    printf "TARGET ratio >= 0.50: %s\n", (cw / sq >= 0.5 ? "PASS" : "FAIL")
    printf "TARGET RSS < 256 MB: %s\n", (kb / 1024 < 256 ? "PASS" : "FAIL")
  }'
}

median() { tr ' ' '\n' | sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

base_name="sqlite3 .import"
if [ "$STORE" = postgres ]; then
  pg_start
  base_name="psql \\copy"
  echo "bench-ingest: $LINES lines ($size MB), $(nproc) cores, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $PG_PORT"
else
  echo "bench-ingest: $LINES lines ($size MB), $(nproc) cores, SQLite"
fi
cws="" bases="" kbs="" floors=""
for run in $(seq "$RUNS"); do
  bench_once > "$WORK/run.out"
  read -r cw_s base_s cw_kb stored floor_s < "$WORK/run.out"
  [ "$RUNS" = 1 ] || echo "run $run:"
  report "$cw_s" "$base_s" "$cw_kb" "$stored" "$base_name" "" "$floor_s"
  cws="$cws $cw_s" bases="$bases $base_s" kbs="$kbs $cw_kb" floors="$floors $floor_s"
done
if [ "$RUNS" != 1 ]; then
  echo "medians of $RUNS runs:"
  report "$(echo $cws | median)" "$(echo $bases | median)" "$(echo $kbs | median)" "$stored" "$base_name" "median " "$(echo $floors | median)"
fi
