#!/usr/bin/env bash
# Ingest benchmark (issue 4): a 1,000,000-line purchase-order CSV (50,000 POs
# of 20 lines) through `clearway ingest` with the shipped erp-po-csv mapping,
# side by side with `sqlite3 .import` of the same file into a bare table.
# Prints lines/s for both, their ratio (target >= 0.5) and clearway's peak RSS
# (target < 256 MB). Env: LINES (default 1000000), RUNS (default 1; the
# machine may be shared, so repeat and compare), CLEARWAY_BIN, WORK.
set -euo pipefail
LINES=${LINES:-1000000}
RUNS=${RUNS:-1}
BIN=${CLEARWAY_BIN:-./bin/clearway}
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/bench-ingest.XXXXXX)}
trap 'rm -rf "$WORK"' EXIT
for tool in sqlite3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench-ingest: $tool is needed (apt-get install sqlite3 time)" >&2; exit 1; }
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

echo "bench-ingest: $LINES lines ($size MB), $(nproc) cores"
# One side-by-side run, on a fresh database and a fresh bare table.
bench_once() {
rm -rf "$WORK/cw" "$WORK/bare.db"
mkdir -p "$WORK/cw"
cat > "$WORK/clearway.yaml" <<YAML
data_dir: $WORK/cw
log: {level: warn, format: text}
sftp: {listen: ""}
http: {listen: ""}
mappings_dir: $REPO/mappings
partners:
  - {id: erp, name: ERP, role: erp, mappings: [erp-po-csv]}
YAML

# clearway: intake (archive + journal) + map + apply, one transaction.
# Each side starts with nothing dirty in the page cache (the CSV just
# written, the last run's database), so neither pays for the other's writes.
sync
/usr/bin/time -f "%e %M" -o "$WORK/cw.time" "$BIN" ingest --config "$WORK/clearway.yaml" --partner erp --into inbox/po "$csv" >/dev/null
read -r cw_s cw_kb < "$WORK/cw.time"
# sqlite3 .import of the same file into a bare table.
sync
/usr/bin/time -f "%e %M" -o "$WORK/sq.time" sqlite3 "$WORK/bare.db" ".mode csv" ".import $csv po" >/dev/null
read -r sq_s sq_kb < "$WORK/sq.time"
stored=$(sqlite3 "$WORK/cw/clearway.db" "SELECT COUNT(*) FROM facts WHERE kind='purchase_order_line'")

awk -v l="$LINES" -v c="$cw_s" -v s="$sq_s" -v kb="$cw_kb" -v st="$stored" 'BEGIN {
  cw = l / c; sq = l / s
  printf "clearway ingest:  %.1f s  %8.0f lines/s  peak RSS %d MB  (%d PO lines stored)\n", c, cw, kb / 1024, st
  printf "sqlite3 .import:  %.1f s  %8.0f lines/s\n", s, sq
  printf "ratio clearway/sqlite3 = %.2f\n", cw / sq
  printf "TARGET >= 100000 lines/s: %s\n", (cw >= 100000 ? "PASS" : "FAIL")
  printf "TARGET ratio >= 0.50: %s\n", (cw / sq >= 0.5 ? "PASS" : "FAIL")
  printf "TARGET RSS < 256 MB: %s\n", (kb / 1024 < 256 ? "PASS" : "FAIL")
}'
}
for _ in $(seq "$RUNS"); do bench_once; done
