#!/usr/bin/env bash
# bench-sftp-s3.sh: an SFTP upload into Clearway with its archive in an S3 bucket, against the same
# upload through OpenSSH (sshd + internal-sftp) to local disk (issue 16: target >= 0.5x).
#
# Method: that of bench-sftp.sh. Same machine, same client binary (OpenSSH sftp), same file, same
# cipher (aes128-gcm@openssh.com, -B 261120 -R 64), loopback. The bucket is served by a real
# S3-compatible server on loopback, `rclone serve s3` over a local folder (rclone >= 1.65; Debian
# 12's 1.60 has no `serve s3`: `go install github.com/rclone/rclone@v1.76.0`, about 6 minutes).
# Clearway runs `serve` with `archive: {kind: s3}` pointing at it. All data sits on tmpfs
# (/dev/shm) for both sides, so no disk is the bottleneck: the test file, sshd's target folder,
# Clearway's data_dir (partner folders, spool temp_dir) and rclone's folder behind the bucket.
# Each run first changes the file's first bytes (outside the timing), so every run uploads new
# content: the archive is content-addressed and would not store the same bytes twice. Then
#   clearway put (into the bucket), openssh put (to the folder)
# so slow drift of the machine hits both alike, each started only once the servers are idle (Clearway
# ingests an upload in the background after it is stored: it reads the object back and, with no
# mapping for it, files a copy in the partner's /errors; that work is not timed on either side).
# A Clearway put is timed until the client's put returns: Clearway answers CLOSE only once the
# object is stored in the bucket. Each object ab/<sha256> is then checked in the bucket's folder
# (size and sha256) and each sshd copy with cmp.
# Per-run MiB/s are printed, then the medians, the ratio clearway/openssh and a PASS/FAIL line
# against the 0.50 target. Each timing includes the SSH handshake (a few ms, same for both).
#
# Environment:
#   RUNS=5                   runs (each run = 2 uploads)
#   SIZE_MB=256              test file size in MiB
#   CLEARWAY_BIN=./bin/clearway
#   RCLONE_BIN=<rclone on PATH, else $(go env GOPATH)/bin/rclone>   one with `serve s3` (>= 1.65)
#   WORK=<mktemp -d under /dev/shm, else /tmp>   must not exist or be empty; removed at exit
#
# Exit status: 0 when the benchmark ran (even if the target FAILs: this is a report),
# non-zero on setup or transfer errors.
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and awk use '.' as the decimal separator

BENCH_NAME=bench-sftp-s3
# shellcheck source-path=SCRIPTDIR source=bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_args "$@"

RCLONE_BIN=${RCLONE_BIN:-}
TARGET=0.50
BUCKET=archive
S3_ACCESS=clearway-bench
S3_SECRET=clearway-bench-secret

check_setup sftp ssh-keygen python3 awk sort cmp sha256sum dd
check_clearway_bin "make build"
# An rclone without `serve s3` prints the help of `serve` for `serve s3 --help`, and exits 0.
has_serve_s3() { [[ $("$1" serve s3 --help 2>/dev/null) == *--auth-key* ]]; }
if [[ -z $RCLONE_BIN ]]; then # the rclone on PATH, else the one `go install` puts in GOPATH/bin
	for c in "$(command -v rclone || true)" "$(go env GOPATH 2>/dev/null || true)/bin/rclone"; do
		if [[ -x $c ]] && has_serve_s3 "$c"; then
			RCLONE_BIN=$c
			break
		fi
	done
	[[ -n $RCLONE_BIN ]] || die "no rclone with 'serve s3' (>= 1.65; Debian 12 has 1.60): go install github.com/rclone/rclone@v1.76.0, or set RCLONE_BIN"
fi
[[ -x $RCLONE_BIN ]] || command -v "$RCLONE_BIN" >/dev/null || die "RCLONE_BIN=$RCLONE_BIN not found"
has_serve_s3 "$RCLONE_BIN" || die "$RCLONE_BIN ($("$RCLONE_BIN" version 2>/dev/null | head -n 1)) has no 'serve s3' (needs >= 1.65): go install github.com/rclone/rclone@v1.76.0"

make_work_dir

# The test file and the spool copy while archiving; per run one upload copy at sshd's (removed
# after the check), and on Clearway's side what it keeps (its files, not ours to delete): the inbox
# copy, the object in the bucket and the copy of the rejected file in the partner's /errors.
need_space $((SIZE_MB * (3 + 3 * RUNS)))

# --- keys, test file, ports --------------------------------------------------------------------
make_keys
make_test_file
read -r SSHD_PORT CLEARWAY_PORT S3_PORT < <(free_ports 3) || die "pick free ports"

# --- throwaway OpenSSH sshd + internal-sftp (the baseline: local disk, here tmpfs) -------------
start_sshd "$SSHD_PORT"

# --- the bucket: rclone serve s3 over a tmpfs folder; the bucket is its subfolder -------------
S3_ROOT=$WORK/s3
mkdir -p "$S3_ROOT/$BUCKET" "$WORK/rclone-cache"
# No rclone.conf of the user's is read (--config /dev/null); the VFS cache stays off, so an object
# is written straight into the folder, and the cache dir (unused) is on tmpfs too.
serve rclone "$S3_PORT" "$WORK/rclone.log" \
	env RCLONE_CONFIG=/dev/null "$RCLONE_BIN" serve s3 --config /dev/null --cache-dir "$WORK/rclone-cache" \
	--addr "127.0.0.1:$S3_PORT" --auth-key "$S3_ACCESS,$S3_SECRET" --log-level NOTICE "$S3_ROOT"
RCLONE_PID=$SERVER_PID
XFER_MORE_LOGS=(rclone "$WORK/rclone.log") # a failed Clearway put may be the bucket's doing

# --- Clearway with its archive in the bucket -------------------------------------------------
printf '%s\n' "$S3_ACCESS" >"$WORK/s3.access"
printf '%s\n' "$S3_SECRET" >"$WORK/s3.secret"
chmod 600 "$WORK/s3.access" "$WORK/s3.secret"
start_clearway "$CLEARWAY_PORT" "archive:
  kind: s3
  endpoint: \"http://127.0.0.1:$S3_PORT\"
  bucket: $BUCKET
  region: us-east-1
  access_key_file: \"$WORK/s3.access\"
  secret_key_file: \"$WORK/s3.secret\"
  path_style: true"

# --- transfers ---------------------------------------------------------------------------------
# in_bucket SUM RUN: the object ab/SUM is in the bucket's folder with the test file's size and
# bytes (its sha256 is its name). It stays: Clearway's ingest reads it after the upload.
in_bucket() {
	local sum=$1 run=$2 obj got size
	obj=$S3_ROOT/$BUCKET/${sum:0:2}/$sum
	[[ -f $obj ]] || die "clearway put run $run: object ${sum:0:2}/$sum not in bucket $BUCKET"
	size=$(stat -c %s "$obj")
	((size == SIZE_MB * 1024 * 1024)) || die "clearway put run $run: object is $size bytes, want $((SIZE_MB * 1024 * 1024))"
	got=$(sha256sum "$obj" | awk '{ print $1 }')
	[[ $got == "$sum" ]] || die "clearway put run $run: object ${sum:0:2}/$sum holds bytes with sha256 $got"
}

# quiesce: wait (up to 120 s) until Clearway, rclone and sshd have been idle for a second (under
# 5 % of a core), so no transfer is timed while Clearway still ingests the previous upload in the
# background (it reads the object back and, with no mapping for it, puts a copy and a report in
# the partner's /errors).
ticks() { # CPU ticks used so far by the servers
	local pid total=0 f
	for pid in "$CLEARWAY_PID" "$RCLONE_PID" "$SSHD_PID"; do
		read -r -a f <"/proc/$pid/stat" || continue
		total=$((total + f[13] + f[14] + f[15] + f[16])) # utime stime cutime cstime
	done
	echo "$total"
}
quiesce() {
	local hz idle=0 before after deadline=$((SECONDS + 120))
	hz=$(getconf CLK_TCK)
	before=$(ticks)
	while ((idle < 4)); do
		sleep 0.25
		after=$(ticks)
		if (((after - before) * 100 <= hz * 5 / 4)); then idle=$((idle + 1)); else idle=0; fi
		before=$after
		if ((SECONDS >= deadline)); then
			echo "bench-sftp-s3: servers still busy after 120 s; timing anyway" >&2
			return
		fi
	done
}

echo "bench-sftp-s3: $(versions); $("$RCLONE_BIN" version | head -n 1) serve s3"
echo "bench-sftp-s3: $(settings)"
echo "bench-sftp-s3: openssh 127.0.0.1:$SSHD_PORT (pid $SSHD_PID), clearway 127.0.0.1:$CLEARWAY_PORT (pid $CLEARWAY_PID) -> s3 127.0.0.1:$S3_PORT (pid $RCLONE_PID)"
echo
printf '%-6s %14s %12s   (MiB/s)\n' run cw_put_s3 os_put

cw_put=() os_put=()
for ((i = 1; i <= RUNS; i++)); do
	# New content for this run (outside the timing): the first 32 bytes.
	head -c 32 /dev/urandom | dd of="$FILE" bs=32 count=1 conv=notrunc status=none
	sum=$(sha256sum "$FILE" | awk '{ print $1 }')

	quiesce
	cp=$(xfer "$CLEARWAY_PORT" bench "$WORK/clearway.log" "put $FILE /inbox/bench-$i.bin")
	in_bucket "$sum" "$i"
	cw_put+=("$cp")

	quiesce
	op=$(xfer "$SSHD_PORT" "$SSHD_USER" "$WORK/sshd.log" "put $FILE $SSHD_ROOT/bench-$i.bin")
	same "$SSHD_ROOT/bench-$i.bin" "openssh put run $i"
	rm -f "$SSHD_ROOT/bench-$i.bin"
	os_put+=("$op")

	printf '%-6s %14s %12s\n' "$i" "$cp" "$op"
done

# --- summary -----------------------------------------------------------------------------------
echo
m_cw_put=$(median "${cw_put[@]}")
m_os_put=$(median "${os_put[@]}")
printf '%-6s %14s %12s\n' median "$m_cw_put" "$m_os_put"
echo
r_put=$(ratio "$m_cw_put" "$m_os_put")
echo "ratio upload clearway(s3)/openssh(disk) = $r_put"
echo "TARGET >= $TARGET: $(verdict "$r_put") (upload into S3)"
