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

BENCH_NAME=bench-sftp
# shellcheck source-path=SCRIPTDIR source=bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_args "$@"

ONLY_OPENSSH=${ONLY_OPENSSH:-0}
TARGET=0.80

check_setup sftp ssh-keygen python3 awk sort cmp
[[ $ONLY_OPENSSH == 1 ]] || check_clearway_bin "make build, or ONLY_OPENSSH=1"
make_work_dir

# Need the test file, two server-side copies, one download and one upload per server at a time;
# Clearway keeps the uploads it ingested (its files, not ours to delete), so count them too.
need_mb=$((SIZE_MB * 5))
[[ $ONLY_OPENSSH == 1 ]] || need_mb=$((SIZE_MB * (5 + 2 * RUNS)))
need_space "$need_mb"

# --- keys, test file, ports, servers -----------------------------------------------------------
make_keys
make_test_file
read -r SSHD_PORT CLEARWAY_PORT < <(free_ports 2) || die "pick free ports"
start_sshd "$SSHD_PORT"
cp "$FILE" "$SSHD_ROOT/big.bin"
CW_OUTBOX=$WORK/cw/partners/bench/outbox
[[ $ONLY_OPENSSH == 1 ]] || start_clearway "$CLEARWAY_PORT"

# --- transfers ---------------------------------------------------------------------------------
echo "bench-sftp: $(versions)"
echo "bench-sftp: $(settings)"
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
r_put=$(ratio "$m_cw_put" "$m_os_put")
r_get=$(ratio "$m_cw_get" "$m_os_get")
echo "ratio upload clearway/openssh = $r_put"
echo "ratio download clearway/openssh = $r_get"
echo "TARGET >= $TARGET: $(verdict "$r_put") (upload)"
echo "TARGET >= $TARGET: $(verdict "$r_get") (download)"
