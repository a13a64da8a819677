# shellcheck shell=bash
# bench-lib.sh: the harness that bench-sftp.sh and bench-sftp-s3.sh share, sourced by both
# (`. "$(dirname "$0")/bench-lib.sh"`), so the two compare Clearway with OpenSSH in the same way:
# the same work dir on tmpfs, the same throwaway sshd, the same sftp client options and timing, the
# same medians and ratios. Not run on its own. The caller sets BENCH_NAME (its name, which starts
# every message and names the work dir) before sourcing, and documents the settings below in its
# header comment, which `usage` prints.

# Settings both benchmarks take from the environment (RUNS, SIZE_MB and CLEARWAY_BIN are documented
# in each script's header; SSHD_BIN is for a machine whose sshd is elsewhere).
RUNS=${RUNS:-5}
SIZE_MB=${SIZE_MB:-256}
CLEARWAY_BIN=${CLEARWAY_BIN:-./bin/clearway}
SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
# One cipher for both servers, so the comparison measures the servers, not the ciphers.
CIPHER=aes128-gcm@openssh.com

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }

# usage: the calling script's header comment is its help, so the two cannot drift apart.
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

# bench_args "$@": the settings are environment variables; the only argument is -h/--help, and any
# other is a usage error (exit 2), so a misspelt setting is not silently ignored.
bench_args() {
	case "${1:-}" in
	-h | --help) usage; exit 0 ;;
	"") ;;
	*) echo "$BENCH_NAME: unexpected argument ${1}; settings are environment variables" >&2; usage >&2; exit 2 ;;
	esac
}

# check_setup TOOL...: RUNS and SIZE_MB are sane and the tools and sshd are there, so a run fails
# before it starts anything rather than half-way through.
check_setup() {
	local tool
	[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS=$RUNS: want a positive integer"
	[[ $SIZE_MB =~ ^[1-9][0-9]*$ ]] || die "SIZE_MB=$SIZE_MB: want a positive integer"
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "$tool not found"
	done
	[[ -x $SSHD_BIN ]] || die "$SSHD_BIN not found (apt-get install -y openssh-server)"
}

# check_clearway_bin HINT: CLEARWAY_BIN is executable (HINT says how to get one), made absolute
# because Clearway is started from a config in the work dir.
check_clearway_bin() {
	[[ -x $CLEARWAY_BIN ]] || die "$CLEARWAY_BIN not found or not executable ($1)"
	CLEARWAY_BIN=$(cd "$(dirname "$CLEARWAY_BIN")" && pwd)/$(basename "$CLEARWAY_BIN")
}

# make_work_dir: WORK (given: must not exist or be empty, as it is removed at exit; else a new one
# under /dev/shm, so no disk is the bottleneck) and the traps that stop the servers and remove it on
# any exit.
make_work_dir() {
	local parent=/tmp
	if [[ -n ${WORK:-} ]]; then
		if [[ -e $WORK ]]; then
			[[ -d $WORK && -z $(ls -A "$WORK") ]] || die "WORK=$WORK exists and is not an empty directory"
		fi
		mkdir -p "$WORK"
	else
		[[ -d /dev/shm && -w /dev/shm ]] && parent=/dev/shm
		WORK=$(mktemp -d "$parent/$BENCH_NAME.XXXXXX")
	fi
	WORK=$(cd "$WORK" && pwd)
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# need_space MB: the work dir has about MB MiB free; tmpfs fills quietly and then every write fails.
need_space() {
	local avail_mb
	avail_mb=$(df -Pm "$WORK" | awk 'NR == 2 { print $4 }')
	((avail_mb >= $1)) || die "$WORK has ${avail_mb} MiB free, need about $1 MiB (set WORK, RUNS or SIZE_MB)"
}

# The servers `serve` started, "PID NAME" each, the latest first: cleanup stops them in reverse order
# of start, so no server loses the one it depends on (Clearway its bucket) while it still runs.
BENCH_SERVERS=()

stop() { # stop PID NAME: SIGTERM, wait up to 35 s (Clearway's shutdown bound is 30 s), then SIGKILL
	local pid=$1 name=$2 i
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 350; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "$BENCH_NAME: $name (pid $pid) ignored SIGTERM, killing" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() { # the EXIT trap: no server and no test data outlive the benchmark
	local server
	for server in "${BENCH_SERVERS[@]}"; do
		stop "${server%% *}" "${server#* }"
	done
	rm -rf -- "$WORK"
}

# free_ports N: print N distinct free loopback ports, all held open until all are chosen.
free_ports() {
	python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))
' "$1"
}

wait_port() { # wait_port PORT PID NAME LOG: until PORT accepts, PID must stay alive; 20 s max
	local port=$1 pid=$2 name=$3 log=$4 deadline=$((SECONDS + 20))
	while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "$BENCH_NAME: $name exited during start-up; log $log:" >&2
			cat "$log" >&2
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			echo "$BENCH_NAME: $name did not accept connections on 127.0.0.1:$port within 20 s; log $log:" >&2
			cat "$log" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# serve NAME PORT LOG COMMAND...: start a server in the background (output to LOG), set SERVER_PID
# to its pid, have cleanup stop it, and return once PORT accepts connections, so no timing includes
# a server's start-up.
serve() {
	local name=$1 port=$2 log=$3
	shift 3
	"$@" >"$log" 2>&1 &
	SERVER_PID=$!
	BENCH_SERVERS=("$SERVER_PID $name" "${BENCH_SERVERS[@]}")
	wait_port "$port" "$SERVER_PID" "$name" "$log"
}

# make_keys: the client's key (the one key both servers accept) and the sshd's host key, in WORK.
make_keys() {
	ssh-keygen -q -t ed25519 -N '' -C bench-client -f "$WORK/client" || die "generate client key"
	ssh-keygen -q -t ed25519 -N '' -C bench-sshd -f "$WORK/sshd_host_ed25519_key" || die "generate sshd host key"
	cp "$WORK/client.pub" "$WORK/authorized_keys"
}

# make_test_file: FILE, SIZE_MB MiB of random bytes (nothing can compress or dedupe them on the way).
make_test_file() {
	FILE=$WORK/test.bin
	head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$FILE"
}

# start_sshd PORT: a throwaway OpenSSH sshd + internal-sftp on 127.0.0.1:PORT that lets this user in
# with the client key and nothing else; its files go in SSHD_ROOT, addressed by absolute path.
# Sets SSHD_USER, SSHD_ROOT and SSHD_PID.
start_sshd() {
	# shellcheck disable=SC2034 # SSHD_USER is for the caller
	SSHD_USER=$(id -un)
	SSHD_ROOT=$WORK/sshd-root
	mkdir -p "$SSHD_ROOT"
	cat >"$WORK/sshd_config" <<EOF
Port $1
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
	serve sshd "$1" "$WORK/sshd.log" "$SSHD_BIN" -D -e -f "$WORK/sshd_config"
	# shellcheck disable=SC2034 # SSHD_PID is for the caller
	SSHD_PID=$SERVER_PID
}

# start_clearway PORT [YAML]: Clearway `serve` on 127.0.0.1:PORT with its data in WORK/cw, no HTTP,
# no mappings, and one partner "bench" that logs in with the client key; YAML (top-level keys, such
# as an archive) goes into the config before the partners. Sets CLEARWAY_PID.
start_clearway() {
	mkdir -p "$WORK/cw" "$WORK/mappings"
	{
		cat <<EOF
data_dir: "$WORK/cw"
log: {level: warn, format: text}
sftp: {listen: "127.0.0.1:$1", host_key_file: "$WORK/cw/ssh_host_ed25519_key"}
http: {listen: ""}
mappings_dir: "$WORK/mappings"
EOF
		[[ -z ${2:-} ]] || printf '%s\n' "$2"
		cat <<EOF
partners:
  - {id: bench, name: Bench, role: erp, sftp: {authorized_keys_file: "$WORK/client.pub"}, mappings: []}
EOF
	} >"$WORK/clearway.yaml"
	serve clearway "$1" "$WORK/clearway.log" "$CLEARWAY_BIN" serve --config "$WORK/clearway.yaml"
	# shellcheck disable=SC2034 # CLEARWAY_PID is for the caller
	CLEARWAY_PID=$SERVER_PID
}

# versions and settings: the first two lines of each report, so a figure can be read with what
# produced it.
versions() { echo "$(ssh -V 2>&1) client; sshd $("$SSHD_BIN" -V 2>&1 | head -n 1)"; }
settings() { echo "$SIZE_MB MiB x $RUNS runs, cipher $CIPHER, -B 261120 -R 64, work $WORK"; }

# The same sftp client options for both servers: OpenSSH's own sftp with large requests and many in
# flight, no user or system config, no known-hosts files, nothing interactive.
SFTP_OPTS=(-q -c "$CIPHER" -B 261120 -R 64
	-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o GlobalKnownHostsFile=/dev/null -o BatchMode=yes -o IdentitiesOnly=yes
	-o Compression=no -o ConnectTimeout=20 -o ServerAliveInterval=10 -o ServerAliveCountMax=3
	-o LogLevel=ERROR -b -)

# More logs for xfer to show when a transfer fails, as pairs: LABEL PATH (e.g. rclone "$WORK/rclone.log").
XFER_MORE_LOGS=()

# xfer PORT USER LOG COMMAND: run one sftp batch command, print MiB/s.
xfer() {
	local port=$1 user=$2 log=$3 cmd=$4 t0 t1 i
	t0=$EPOCHREALTIME
	if ! sftp "${SFTP_OPTS[@]}" -i "$WORK/client" -P "$port" "$user@127.0.0.1" <<<"$cmd" >"$WORK/sftp.out" 2>&1; then
		echo "$BENCH_NAME: sftp -P $port '$cmd' failed:" >&2
		cat "$WORK/sftp.out" >&2
		echo "--- server log $log:" >&2
		tail -n 30 "$log" >&2
		for ((i = 0; i < ${#XFER_MORE_LOGS[@]}; i += 2)); do
			echo "--- ${XFER_MORE_LOGS[i]} log ${XFER_MORE_LOGS[i + 1]}:" >&2
			tail -n 30 "${XFER_MORE_LOGS[i + 1]}" >&2
		done
		exit 1
	fi
	t1=$EPOCHREALTIME
	awk -v mb="$SIZE_MB" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f\n", mb / (t1 - t0) }'
}

# same PATH WHAT: PATH holds the test file's bytes; a fast transfer of the wrong bytes is no result.
same() { cmp -s "$FILE" "$1" || die "$2: transferred file differs from the test file"; }

median() { # median of the arguments
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; } # ratio A B: A/B, two decimals

verdict() { awk -v r="$1" -v t="$TARGET" 'BEGIN { print (r >= t) ? "PASS" : "FAIL" }'; } # verdict RATIO: against the caller's TARGET
