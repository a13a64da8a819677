#!/usr/bin/env bash
# bench-sftp.sh: compare Clearway's embedded SFTP server with OpenSSH (sshd + internal-sftp).
#
# Method (docs SFTP.md §5): same machine, same client binary (OpenSSH sftp), same file, same
# cipher (aes128-gcm@openssh.com, -B 261120 -R 64), loopback, data on tmpfs. Clearway and a
# throwaway sshd listen on two free loopback ports; each run does, in this order,
#   clearway put, openssh put, clearway get, openssh get
# so slow drift of the machine hits both servers alike. Per-run MiB/s are printed, then the
# medians and the ratio clearway/openssh for upload and download, with a PASS/FAIL line
# against the 0.80 target. Each timing includes the SSH handshake (a few ms, same for both).
#
# Environment:
#   RUNS=5                   runs (each run = 4 transfers)
#   SIZE_MB=256              test file size in MiB
#   CLEARWAY_BIN=./bin/clearway
#   WORK=<mktemp -d under /dev/shm, else /tmp>   must not exist or be empty; removed at exit
#   ONLY_OPENSSH=1           skip Clearway (checks the harness and gives the OpenSSH baseline)
#
# Exit status: 0 when the benchmark ran (even if a target FAILs: this is a report),
# non-zero on setup or transfer errors.
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and awk use '.' as the decimal separator

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
case "${1:-}" in
-h | --help) usage; exit 0 ;;
"") ;;
*) echo "bench-sftp: unexpected argument ${1}; settings are environment variables" >&2; usage >&2; exit 2 ;;
esac

RUNS=${RUNS:-5}
SIZE_MB=${SIZE_MB:-256}
CLEARWAY_BIN=${CLEARWAY_BIN:-./bin/clearway}
ONLY_OPENSSH=${ONLY_OPENSSH:-0}
SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
TARGET=0.80
CIPHER=aes128-gcm@openssh.com

die() { echo "bench-sftp: $*" >&2; exit 1; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS=$RUNS: want a positive integer"
[[ $SIZE_MB =~ ^[1-9][0-9]*$ ]] || die "SIZE_MB=$SIZE_MB: want a positive integer"
for tool in sftp ssh-keygen python3 awk sort cmp; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -x $SSHD_BIN ]] || die "$SSHD_BIN not found (apt-get install -y openssh-server)"
if [[ $ONLY_OPENSSH != 1 ]]; then
	[[ -x $CLEARWAY_BIN ]] || die "$CLEARWAY_BIN not found or not executable (make build, or ONLY_OPENSSH=1)"
	CLEARWAY_BIN=$(cd "$(dirname "$CLEARWAY_BIN")" && pwd)/$(basename "$CLEARWAY_BIN")
fi

# --- work dir on tmpfs, cleaned up on any exit ---------------------------------------------
if [[ -n ${WORK:-} ]]; then
	if [[ -e $WORK ]]; then
		[[ -d $WORK && -z $(ls -A "$WORK") ]] || die "WORK=$WORK exists and is not an empty directory"
	fi
	mkdir -p "$WORK"
else
	parent=/tmp
	[[ -d /dev/shm && -w /dev/shm ]] && parent=/dev/shm
	WORK=$(mktemp -d "$parent/bench-sftp.XXXXXX")
fi
WORK=$(cd "$WORK" && pwd)

SSHD_PID=""
CLEARWAY_PID=""
stop() { # stop PID NAME: SIGTERM, wait up to 35 s (Clearway's shutdown bound is 30 s), then SIGKILL
	local pid=$1 name=$2 i
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 350; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "bench-sftp: $name (pid $pid) ignored SIGTERM, killing" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	stop "$CLEARWAY_PID" clearway
	stop "$SSHD_PID" sshd
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Need the test file, two server-side copies, one download and one upload per server at a time;
# Clearway keeps the uploads it ingested (its files, not ours to delete), so count them too.
need_mb=$((SIZE_MB * 5))
[[ $ONLY_OPENSSH == 1 ]] || need_mb=$((SIZE_MB * (5 + 2 * RUNS)))
avail_mb=$(df -Pm "$WORK" | awk 'NR == 2 { print $4 }')
((avail_mb >= need_mb)) || die "$WORK has ${avail_mb} MiB free, need about ${need_mb} MiB (set WORK, RUNS or SIZE_MB)"

# --- keys, test file, ports ------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C bench-client -f "$WORK/client" || die "generate client key"
ssh-keygen -q -t ed25519 -N '' -C bench-sshd -f "$WORK/sshd_host_ed25519_key" || die "generate sshd host key"
cp "$WORK/client.pub" "$WORK/authorized_keys"
FILE=$WORK/test.bin
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$FILE"

# Two distinct free loopback ports, both held open until both are chosen.
read -r SSHD_PORT CLEARWAY_PORT < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))
') || die "pick free ports"

wait_port() { # wait_port PORT PID NAME LOG: until PORT accepts, PID must stay alive; 20 s max
	local port=$1 pid=$2 name=$3 log=$4 deadline=$((SECONDS + 20))
	while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "bench-sftp: $name exited during start-up; log $log:" >&2
			cat "$log" >&2
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			echo "bench-sftp: $name did not accept connections on 127.0.0.1:$port within 20 s; log $log:" >&2
			cat "$log" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# --- throwaway OpenSSH sshd + internal-sftp ----------------------------------------------------
SSHD_USER=$(id -un)
SSHD_ROOT=$WORK/sshd-root # the sshd side's files, addressed by absolute path
mkdir -p "$SSHD_ROOT"
cp "$FILE" "$SSHD_ROOT/big.bin"
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

# --- Clearway ----------------------------------------------------------------------------------
CW_OUTBOX=$WORK/cw/partners/bench/outbox
if [[ $ONLY_OPENSSH != 1 ]]; then
	mkdir -p "$WORK/cw" "$WORK/mappings"
	cat >"$WORK/clearway.yaml" <<EOF
data_dir: "$WORK/cw"
log: {level: warn, format: text}
sftp: {listen: "127.0.0.1:$CLEARWAY_PORT", host_key_file: "$WORK/cw/ssh_host_ed25519_key"}
http: {listen: ""}
mappings_dir: "$WORK/mappings"
partners:
  - {id: bench, name: Bench, role: erp, sftp: {authorized_keys_file: "$WORK/client.pub"}, mappings: []}
EOF
	"$CLEARWAY_BIN" serve --config "$WORK/clearway.yaml" >"$WORK/clearway.log" 2>&1 &
	CLEARWAY_PID=$!
	wait_port "$CLEARWAY_PORT" "$CLEARWAY_PID" clearway "$WORK/clearway.log"
fi

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
		echo "bench-sftp: sftp -P $port '$cmd' failed:" >&2
		cat "$WORK/sftp.out" >&2
		echo "--- server log $log:" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
	t1=$EPOCHREALTIME
	awk -v mb="$SIZE_MB" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f\n", mb / (t1 - t0) }'
}

same() { cmp -s "$FILE" "$1" || die "$2: transferred file differs from the test file"; }

median() { # median of the arguments
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "bench-sftp: $(ssh -V 2>&1) client; sshd $("$SSHD_BIN" -V 2>&1 | head -n 1)"
echo "bench-sftp: $SIZE_MB MiB x $RUNS runs, cipher $CIPHER, -B 261120 -R 64, work $WORK"
echo "bench-sftp: openssh 127.0.0.1:$SSHD_PORT (pid $SSHD_PID)$([[ $ONLY_OPENSSH == 1 ]] && echo ', clearway skipped (ONLY_OPENSSH=1)' || echo ", clearway 127.0.0.1:$CLEARWAY_PORT (pid $CLEARWAY_PID)")"
echo
printf '%-6s %12s %12s %12s %12s   (MiB/s)\n' run cw_put os_put cw_get os_get

cw_put=() os_put=() cw_get=() os_get=()
DL=$WORK/download.bin
for ((i = 1; i <= RUNS; i++)); do
	cp=- op=- cg=- og=-
	if [[ $ONLY_OPENSSH != 1 ]]; then
		cp=$(xfer "$CLEARWAY_PORT" bench "$WORK/clearway.log" "put $FILE /inbox/bench-$i.bin")
		cw_put+=("$cp")
	fi

	op=$(xfer "$SSHD_PORT" "$SSHD_USER" "$WORK/sshd.log" "put $FILE $SSHD_ROOT/bench-$i.bin")
	same "$SSHD_ROOT/bench-$i.bin" "openssh put run $i"
	rm -f "$SSHD_ROOT/bench-$i.bin"
	os_put+=("$op")

	if [[ $ONLY_OPENSSH != 1 ]]; then
		mkdir -p "$CW_OUTBOX"
		cp -f "$FILE" "$CW_OUTBOX/big.bin" # outside the timing; Clearway may archive outbox files
		cg=$(xfer "$CLEARWAY_PORT" bench "$WORK/clearway.log" "get /outbox/big.bin $DL")
		same "$DL" "clearway get run $i"
		rm -f "$DL"
		cw_get+=("$cg")
	fi

	og=$(xfer "$SSHD_PORT" "$SSHD_USER" "$WORK/sshd.log" "get $SSHD_ROOT/big.bin $DL")
	same "$DL" "openssh get run $i"
	rm -f "$DL"
	os_get+=("$og")

	printf '%-6s %12s %12s %12s %12s\n' "$i" "$cp" "$op" "$cg" "$og"
done

# --- summary -----------------------------------------------------------------------------------
echo
m_os_put=$(median "${os_put[@]}")
m_os_get=$(median "${os_get[@]}")
if [[ $ONLY_OPENSSH == 1 ]]; then
	printf '%-6s %12s %12s %12s %12s\n' median - "$m_os_put" - "$m_os_get"
	echo
	echo "ratio upload clearway/openssh = n/a (ONLY_OPENSSH=1)"
	echo "ratio download clearway/openssh = n/a (ONLY_OPENSSH=1)"
	echo "TARGET >= $TARGET: SKIP (upload)"
	echo "TARGET >= $TARGET: SKIP (download)"
	exit 0
fi
m_cw_put=$(median "${cw_put[@]}")
m_cw_get=$(median "${cw_get[@]}")
printf '%-6s %12s %12s %12s %12s\n' median "$m_cw_put" "$m_os_put" "$m_cw_get" "$m_os_get"
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; }
verdict() { awk -v r="$1" -v t="$TARGET" 'BEGIN { print (r >= t) ? "PASS" : "FAIL" }'; }
r_put=$(ratio "$m_cw_put" "$m_os_put")
r_get=$(ratio "$m_cw_get" "$m_os_get")
echo "ratio upload clearway/openssh = $r_put"
echo "ratio download clearway/openssh = $r_get"
echo "TARGET >= $TARGET: $(verdict "$r_put") (upload)"
echo "TARGET >= $TARGET: $(verdict "$r_get") (download)"
