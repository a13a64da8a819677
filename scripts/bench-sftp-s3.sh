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

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
case "${1:-}" in
-h | --help) usage; exit 0 ;;
"") ;;
*) echo "bench-sftp-s3: unexpected argument ${1}; settings are environment variables" >&2; usage >&2; exit 2 ;;
esac

RUNS=${RUNS:-5}
SIZE_MB=${SIZE_MB:-256}
CLEARWAY_BIN=${CLEARWAY_BIN:-./bin/clearway}
RCLONE_BIN=${RCLONE_BIN:-}
SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
TARGET=0.50
CIPHER=aes128-gcm@openssh.com
BUCKET=archive
S3_ACCESS=clearway-bench
S3_SECRET=clearway-bench-secret

die() { echo "bench-sftp-s3: $*" >&2; exit 1; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS=$RUNS: want a positive integer"
[[ $SIZE_MB =~ ^[1-9][0-9]*$ ]] || die "SIZE_MB=$SIZE_MB: want a positive integer"
for tool in sftp ssh-keygen python3 awk sort cmp sha256sum dd; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -x $SSHD_BIN ]] || die "$SSHD_BIN not found (apt-get install -y openssh-server)"
[[ -x $CLEARWAY_BIN ]] || die "$CLEARWAY_BIN not found or not executable (make build)"
CLEARWAY_BIN=$(cd "$(dirname "$CLEARWAY_BIN")" && pwd)/$(basename "$CLEARWAY_BIN")
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

# --- work dir on tmpfs, cleaned up on any exit ---------------------------------------------
if [[ -n ${WORK:-} ]]; then
	if [[ -e $WORK ]]; then
		[[ -d $WORK && -z $(ls -A "$WORK") ]] || die "WORK=$WORK exists and is not an empty directory"
	fi
	mkdir -p "$WORK"
else
	parent=/tmp
	[[ -d /dev/shm && -w /dev/shm ]] && parent=/dev/shm
	WORK=$(mktemp -d "$parent/bench-sftp-s3.XXXXXX")
fi
WORK=$(cd "$WORK" && pwd)

SSHD_PID=""
CLEARWAY_PID=""
RCLONE_PID=""
stop() { # stop PID NAME: SIGTERM, wait up to 35 s (Clearway's shutdown bound is 30 s), then SIGKILL
	local pid=$1 name=$2 i
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 350; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "bench-sftp-s3: $name (pid $pid) ignored SIGTERM, killing" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	stop "$CLEARWAY_PID" clearway
	stop "$RCLONE_PID" rclone
	stop "$SSHD_PID" sshd
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The test file and the spool copy while archiving; per run one upload copy at sshd's (removed
# after the check), and on Clearway's side what it keeps (its files, not ours to delete): the inbox
# copy, the object in the bucket and the copy of the rejected file in the partner's /errors.
need_mb=$((SIZE_MB * (3 + 3 * RUNS)))
avail_mb=$(df -Pm "$WORK" | awk 'NR == 2 { print $4 }')
((avail_mb >= need_mb)) || die "$WORK has ${avail_mb} MiB free, need about ${need_mb} MiB (set WORK, RUNS or SIZE_MB)"

# --- keys, test file, ports ------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C bench-client -f "$WORK/client" || die "generate client key"
ssh-keygen -q -t ed25519 -N '' -C bench-sshd -f "$WORK/sshd_host_ed25519_key" || die "generate sshd host key"
cp "$WORK/client.pub" "$WORK/authorized_keys"
FILE=$WORK/test.bin
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$FILE"

# Three distinct free loopback ports, all held open until all are chosen.
read -r SSHD_PORT CLEARWAY_PORT S3_PORT < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))
') || die "pick free ports"

wait_port() { # wait_port PORT PID NAME LOG: until PORT accepts, PID must stay alive; 20 s max
	local port=$1 pid=$2 name=$3 log=$4 deadline=$((SECONDS + 20))
	while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "bench-sftp-s3: $name exited during start-up; log $log:" >&2
			cat "$log" >&2
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			echo "bench-sftp-s3: $name did not accept connections on 127.0.0.1:$port within 20 s; log $log:" >&2
			cat "$log" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# --- throwaway OpenSSH sshd + internal-sftp (the baseline: local disk, here tmpfs) -------------
SSHD_USER=$(id -un)
SSHD_ROOT=$WORK/sshd-root # the sshd side's files, addressed by absolute path
mkdir -p "$SSHD_ROOT"
cat >"$WORK/sshd_config" <<EOF
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $WORK/sshd_host_ed25519_key
AuthorizedKeysFile $WORK/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
ForceCommand internal-sftp
ChrootDirectory none
PidFile $WORK/sshd.pid
AllowTcpForwarding no
X11Forwarding no
PermitTTY no
LogLevel INFO
EOF
if [[ $(id -u) == 0 && ! -d /run/sshd ]]; then
	mkdir -p /run/sshd && chmod 0755 /run/sshd # privilege separation directory
fi
"$SSHD_BIN" -t -f "$WORK/sshd_config" || die "sshd rejected $WORK/sshd_config"
"$SSHD_BIN" -D -e -f "$WORK/sshd_config" >"$WORK/sshd.log" 2>&1 &
SSHD_PID=$!
wait_port "$SSHD_PORT" "$SSHD_PID" sshd "$WORK/sshd.log"

# --- the bucket: rclone serve s3 over a tmpfs folder; the bucket is its subfolder -------------
S3_ROOT=$WORK/s3
mkdir -p "$S3_ROOT/$BUCKET" "$WORK/rclone-cache"
# No rclone.conf of the user's is read (--config /dev/null); the VFS cache stays off, so an object
# is written straight into the folder, and the cache dir (unused) is on tmpfs too.
RCLONE_CONFIG=/dev/null "$RCLONE_BIN" serve s3 --config /dev/null --cache-dir "$WORK/rclone-cache" \
	--addr "127.0.0.1:$S3_PORT" --auth-key "$S3_ACCESS,$S3_SECRET" --log-level NOTICE \
	"$S3_ROOT" >"$WORK/rclone.log" 2>&1 &
RCLONE_PID=$!
wait_port "$S3_PORT" "$RCLONE_PID" rclone "$WORK/rclone.log"

# --- Clearway with its archive in the bucket -------------------------------------------------
mkdir -p "$WORK/cw" "$WORK/mappings"
printf '%s\n' "$S3_ACCESS" >"$WORK/s3.access"
printf '%s\n' "$S3_SECRET" >"$WORK/s3.secret"
chmod 600 "$WORK/s3.access" "$WORK/s3.secret"
cat >"$WORK/clearway.yaml" <<EOF
data_dir: "$WORK/cw"
log: {level: warn, format: text}
sftp: {listen: "127.0.0.1:$CLEARWAY_PORT", host_key_file: "$WORK/cw/ssh_host_ed25519_key"}
http: {listen: ""}
mappings_dir: "$WORK/mappings"
archive:
  kind: s3
  endpoint: "http://127.0.0.1:$S3_PORT"
  bucket: $BUCKET
  region: us-east-1
  access_key_file: "$WORK/s3.access"
  secret_key_file: "$WORK/s3.secret"
  path_style: true
partners:
  - {id: bench, name: Bench, role: erp, sftp: {authorized_keys_file: "$WORK/client.pub"}, mappings: []}
EOF
"$CLEARWAY_BIN" serve --config "$WORK/clearway.yaml" >"$WORK/clearway.log" 2>&1 &
CLEARWAY_PID=$!
wait_port "$CLEARWAY_PORT" "$CLEARWAY_PID" clearway "$WORK/clearway.log"

# --- transfers ---------------------------------------------------------------------------------
SFTP_OPTS=(-q -c "$CIPHER" -B 261120 -R 64 -i "$WORK/client"
	-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o GlobalKnownHostsFile=/dev/null -o BatchMode=yes -o IdentitiesOnly=yes
	-o Compression=no -o ConnectTimeout=20 -o ServerAliveInterval=10 -o ServerAliveCountMax=3
	-o LogLevel=ERROR -b -)

# xfer PORT USER LOG COMMAND: run one sftp batch command, print MiB/s.
xfer() {
	local port=$1 user=$2 log=$3 cmd=$4 t0 t1
	t0=$EPOCHREALTIME
	if ! sftp "${SFTP_OPTS[@]}" -P "$port" "$user@127.0.0.1" <<<"$cmd" >"$WORK/sftp.out" 2>&1; then
		echo "bench-sftp-s3: sftp -P $port '$cmd' failed:" >&2
		cat "$WORK/sftp.out" >&2
		echo "--- server log $log:" >&2
		tail -n 30 "$log" >&2
		echo "--- rclone log $WORK/rclone.log:" >&2
		tail -n 30 "$WORK/rclone.log" >&2
		exit 1
	fi
	t1=$EPOCHREALTIME
	awk -v mb="$SIZE_MB" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f\n", mb / (t1 - t0) }'
}

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

median() { # median of the arguments
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "bench-sftp-s3: $(ssh -V 2>&1) client; sshd $("$SSHD_BIN" -V 2>&1 | head -n 1); $("$RCLONE_BIN" version | head -n 1) serve s3"
echo "bench-sftp-s3: $SIZE_MB MiB x $RUNS runs, cipher $CIPHER, -B 261120 -R 64, work $WORK"
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
	cmp -s "$FILE" "$SSHD_ROOT/bench-$i.bin" || die "openssh put run $i: transferred file differs from the test file"
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
r_put=$(awk -v a="$m_cw_put" -v b="$m_os_put" 'BEGIN { printf "%.2f\n", a / b }')
echo "ratio upload clearway(s3)/openssh(disk) = $r_put"
echo "TARGET >= $TARGET: $(awk -v r="$r_put" -v t="$TARGET" 'BEGIN { print (r >= t) ? "PASS" : "FAIL" }') (upload into S3)"
