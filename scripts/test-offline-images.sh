#!/usr/bin/env bash
# Checks that the images built by build-offline-images.sh honour the official postgres (and
# mariadb) images' contract the way sqltest's docker backend relies on it: environment variables,
# init scripts, server arguments, password authentication over TCP, readiness log lines, tmpfs data
# directories and a prompt `docker stop`. Prints each check; exits non-zero if any fails; removes
# every container it starts. Per-engine checks: offline-images/test-{postgres,mariadb}.sh.
#
# Usage: test-offline-images.sh [IMAGE...]
#   default: every postgres:N-alpine and mariadb:X.Y image built by build-offline-images.sh
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly LABEL_KEY=io.sqltest.offline-image

PASSED=0
FAILED=0
CONTAINERS=()
STARTED=0
TMP=$(mktemp -d)

cleanup() {
	local c
	for c in "${CONTAINERS[@]}"; do
		docker rm -fv "$c" >/dev/null 2>&1 || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() {
	PASSED=$((PASSED + 1))
	printf '  ok    %s\n' "$*"
}
fail() {
	FAILED=$((FAILED + 1))
	printf '  FAIL  %s\n' "$*"
}
# `check DESCRIPTION COMMAND...`: runs COMMAND, reports it as one check.
check() {
	local what=$1
	shift
	if "$@" >"$TMP/out" 2>&1; then
		ok "$what"
	else
		fail "$what"
		sed 's/^/        | /' "$TMP/out" | tail -n 8
	fi
}

now_ms() { date +%s%3N; }

# `in_container CONTAINER SHELL-COMMAND`
in_container() { docker exec "$1" sh -c "$2"; }
# Reads the whole log first: with pipefail, `docker logs | grep -q` fails when grep stops early.
logs_have() {
	local logs
	logs=$(docker logs "$1" 2>&1)
	grep -q -- "$2" <<<"$logs"
}
# The last line of the log, without its timestamp prefix.
last_log_line_has() {
	local logs
	logs=$(docker logs --tail 1 "$1" 2>&1)
	grep -q -- "$2" <<<"$logs"
}

# `stderr_count CONTAINER TEXT` / `stdout_count CONTAINER TEXT`: lines of one log stream with TEXT.
stderr_count() { docker logs "$1" 2>&1 >/dev/null | grep -cF -- "$2" || true; }
stdout_count() { docker logs "$1" 2>/dev/null | grep -cF -- "$2" || true; }

# `start NAME DOCKER-RUN-ARGS... -- SERVER-ARGS...`: starts a container of $IMAGE publishing
# $SERVER_PORT and waits until `$READY_CHECK CONTAINER` says the final server is ready (its log
# line, as testcontainers waits). Sets CID, PORT and READY_MS (from `docker run` to ready).
start() {
	local name=$1
	shift
	local run_args=()
	while (($#)) && [[ $1 != -- ]]; do
		run_args+=("$1")
		shift
	done
	(($#)) && shift
	local t0 deadline
	t0=$(now_ms)
	STARTED=$((STARTED + 1))
	CID=$(docker run -d --name "sqltest-offline-test-$$-$STARTED-$name" -p "127.0.0.1::$SERVER_PORT" \
		"${run_args[@]}" "$IMAGE" "$@")
	CONTAINERS+=("$CID")
	deadline=$((t0 + 60000))
	until "$READY_CHECK" "$CID"; do
		if [[ $(docker inspect -f '{{.State.Running}}' "$CID") != true ]]; then
			printf '        container exited; its log:\n'
			docker logs "$CID" 2>&1 | tail -n 15 | sed 's/^/        | /'
			return 1
		fi
		if (($(now_ms) > deadline)); then
			printf '        not ready after 60 s\n'
			return 1
		fi
		sleep 0.05
	done
	READY_MS=$(($(now_ms) - t0))
	PORT=$(host_port "$CID")
}

host_port() { docker port "$1" "$SERVER_PORT/tcp" | head -n1 | sed 's/.*://'; }

# `wait_until SECONDS COMMAND...`: retries COMMAND until it succeeds or time runs out.
wait_until() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		(($(now_ms) < deadline)) || return 1
		sleep 0.05
	done
}

# `sigterm_stops CONTAINER`: sends SIGTERM itself (not docker stop's SIGINT) and waits for a
# clean exit.
sigterm_stops() {
	docker kill -s TERM "$1" >/dev/null
	local deadline=$(($(now_ms) + 5000))
	while [[ $(docker inspect -f '{{.State.Running}}' "$1") == true ]]; do
		(($(now_ms) < deadline)) || return 1
		sleep 0.05
	done
	test "$(docker inspect -f '{{.State.ExitCode}}' "$1")" = 0
}

# `stop_ms CONTAINER`: how long `docker stop` takes, in milliseconds.
stop_ms() {
	local t0
	t0=$(now_ms)
	docker stop "$1" >/dev/null
	echo $(($(now_ms) - t0))
}

# shellcheck source=offline-images/test-postgres.sh
source "$SCRIPT_DIR/offline-images/test-postgres.sh"
# shellcheck source=offline-images/test-mariadb.sh
source "$SCRIPT_DIR/offline-images/test-mariadb.sh"

main() {
	local images=("$@")
	if ((${#images[@]} == 0)); then
		mapfile -t images < <(docker images --filter "label=$LABEL_KEY" --format '{{.Repository}}:{{.Tag}}' |
			grep -E '^(postgres:[0-9]+-alpine|mariadb:[0-9]+\.[0-9]+)$' | sort -u)
	fi
	if ((${#images[@]} == 0)); then
		echo "error: no image built by build-offline-images.sh found; build one first" >&2
		exit 1
	fi
	local image kind
	SUMMARY=""
	for image in "${images[@]}"; do
		kind=$(docker image inspect -f "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$image" 2>/dev/null || true)
		if [[ -z $kind ]]; then
			case "$image" in
			postgres:*) kind=postgres ;;
			mariadb:*) kind=mariadb ;;
			*)
				echo "error: $image is neither a postgres nor a mariadb image" >&2
				exit 1
				;;
			esac
		fi
		IMAGE=$image
		printf '\n== %s (%s, %s MB)\n' "$image" \
			"$(docker image inspect -f '{{ index .Config.Labels "org.opencontainers.image.version" }}' "$image" 2>/dev/null)" \
			"$(($(docker image inspect -f '{{.Size}}' "$image") / 1000000))"
		case "$kind" in
		postgres) test_postgres_image ;;
		mariadb) test_mariadb_image ;;
		*)
			echo "error: $image has an unknown $LABEL_KEY label: $kind" >&2
			exit 1
			;;
		esac
	done
	printf '\n== summary: %d checks passed, %d failed%s\n' "$PASSED" "$FAILED" "$SUMMARY"
	((FAILED == 0))
}

main "$@"
