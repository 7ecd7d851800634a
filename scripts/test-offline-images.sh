#!/usr/bin/env bash
# Checks that the images built by build-offline-images.sh honour the official postgres image's
# contract the way sqltest's docker backend relies on it: environment variables, init scripts,
# server arguments, password authentication over TCP, readiness log lines, tmpfs PGDATA and a
# prompt `docker stop`. Exits non-zero if any check fails; removes every container it starts.
#
# Usage: test-offline-images.sh [IMAGE...]
#   default: every postgres:*-alpine image built by build-offline-images.sh
set -euo pipefail

readonly LABEL_KEY=io.sqltest.offline-image
readonly READY='database system is ready to accept connections'

PASSED=0
FAILED=0
CONTAINERS=()
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

# psql on the host if there is one, else the image's own (on the host network).
client_psql() {
	if command -v psql >/dev/null; then
		psql "$@"
	else
		docker run --rm --network host -e PGPASSWORD --entrypoint psql "$IMAGE" "$@"
	fi
}

# `query PORT USER PASSWORD DB SQL`: one value over TCP, as sqltest's backend would connect.
query() {
	PGPASSWORD=$3 PGCONNECT_TIMEOUT=5 client_psql "host=127.0.0.1 port=$1 user=$2 dbname=$4" \
		--no-password --no-psqlrc --no-align --tuples-only --quiet -v ON_ERROR_STOP=1 -c "$5"
}

# `refused PORT USER PASSWORD DB`: succeeds when the server rejects the login.
refused() {
	if query "$@" 'select 1' >"$TMP/refused" 2>&1; then
		echo "login succeeded"
		return 1
	fi
	cat "$TMP/refused"
	grep -q 'password authentication failed\|no password supplied' "$TMP/refused"
}

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

host_port() { docker port "$1" 5432/tcp | head -n1 | sed 's/.*://'; }

stderr_ready_count() { docker logs "$1" 2>&1 >/dev/null | grep -c "$READY" || true; }
stdout_ready_count() { docker logs "$1" 2>/dev/null | grep -c "$READY" || true; }

# `start NAME DOCKER-RUN-ARGS... -- SERVER-ARGS...`: starts a container and waits until the final
# server says it is ready on stderr. Sets CID, PORT and READY_MS (docker run to ready).
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
	CID=$(docker run -d --name "sqltest-offline-test-$name-$$" -p 127.0.0.1::5432 "${run_args[@]}" "$IMAGE" "$@")
	CONTAINERS+=("$CID")
	deadline=$((t0 + 60000))
	# The final server's line comes after the init process's message.
	until logs_have "$CID" 'init process complete\|skipping initialisation' &&
		(($(stderr_ready_count "$CID") >= 1)); do
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

# Waits until a query over TCP succeeds; prints the milliseconds since `since`.
first_query_ms() {
	local since=$1 port=$2 user=$3 password=$4 db=$5
	local deadline=$(($(now_ms) + 30000))
	until query "$port" "$user" "$password" "$db" 'select 1' >/dev/null 2>&1; do
		(($(now_ms) < deadline)) || return 1
		sleep 0.05
	done
	echo $(($(now_ms) - since))
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

test_image() {
	IMAGE=$1
	printf '\n== %s (%s, %s MB)\n' "$IMAGE" \
		"$(docker image inspect -f '{{ index .Config.Labels "org.opencontainers.image.version" }}' "$IMAGE" 2>/dev/null)" \
		"$(($(docker image inspect -f '{{.Size}}' "$IMAGE") / 1000000))"

	# Init scripts: one SQL file, one sourced shell script, one executable shell script.
	local initdir=$TMP/initdb.d
	mkdir -p "$initdir"
	cat >"$initdir/01-schema.sql" <<'SQL'
CREATE TABLE from_init_sql (id int PRIMARY KEY);
INSERT INTO from_init_sql VALUES (42);
SQL
	cat >"$initdir/02-sourced.sh" <<'SH'
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "CREATE TABLE from_sourced_sh (who text); INSERT INTO from_sourced_sh VALUES ('$POSTGRES_USER')"
SH
	cat >"$initdir/03-executable.sh" <<'SH'
#!/bin/sh
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "CREATE TABLE from_executable_sh (ok bool)"
SH
	chmod 644 "$initdir/01-schema.sql" "$initdir/02-sourced.sh"
	chmod 755 "$initdir/03-executable.sh"
	chmod 755 "$initdir"

	printf -- '-- password, database, init scripts, server arguments\n'
	local t0
	t0=$(now_ms)
	if ! start main -e POSTGRES_PASSWORD=pw -e POSTGRES_DB=app -v "$initdir:/docker-entrypoint-initdb.d:ro" \
		-- -c fsync=off -c synchronous_commit=off; then
		fail "container starts and becomes ready"
		return
	fi
	ok "ready on stderr after $READY_MS ms (docker run to '$READY')"
	local first
	if first=$(first_query_ms "$t0" "$PORT" postgres pw app); then
		ok "first query over TCP with the password after $first ms"
	else
		fail "first query over TCP with the password"
	fi
	MAIN_READY_MS=$READY_MS MAIN_QUERY_MS=${first:-?}
	check "select 1 returns 1" test "$(query "$PORT" postgres pw app 'select 1')" = 1
	check "show fsync = off (args passed through)" test "$(query "$PORT" postgres pw app 'show fsync')" = off
	check "show synchronous_commit = off" test "$(query "$PORT" postgres pw app 'show synchronous_commit')" = off
	check "database app exists and is the connection's" test "$(query "$PORT" postgres pw app 'select current_database()')" = app
	check "database encoding is UTF8" test "$(query "$PORT" postgres pw app 'show server_encoding')" = UTF8
	check "01-schema.sql ran in app" test "$(query "$PORT" postgres pw app 'select id from from_init_sql')" = 42
	check "02-sourced.sh was sourced with POSTGRES_USER" test "$(query "$PORT" postgres pw app 'select who from from_sourced_sh')" = postgres
	check "03-executable.sh ran" query "$PORT" postgres pw app 'select count(*) from from_executable_sh'
	check "a wrong password is refused" refused "$PORT" postgres wrong app
	check "no password is refused" refused "$PORT" postgres '' app
	# shellcheck disable=SC2016 # expanded in the container
	check "remote hosts authenticate with scram-sha-256" \
		in_container "$CID" 'tail -n1 "$PGDATA/pg_hba.conf" | grep -qx "host all all all scram-sha-256"'
	check "PID 1 is postgres (exec, gets docker stop's signal)" test "$(docker exec "$CID" cat /proc/1/comm)" = postgres
	check "the server runs as the non-root postgres user (uid 999)" \
		in_container "$CID" 'grep -E "^Uid:" /proc/1/status | grep -qE "^Uid:[[:space:]]+999[[:space:]]"'
	check "ready line on stderr (final server)" test "$(stderr_ready_count "$CID")" -ge 1
	check "ready line on stdout (temporary init server, as testcontainers waits for both)" \
		test "$(stdout_ready_count "$CID")" -ge 1
	check "listens on all addresses" logs_have "$CID" 'listening on IPv4 address "0.0.0.0", port 5432'
	check "pg_isready inside the container (testcontainers-style probe)" \
		docker exec "$CID" pg_isready --host localhost --dbname app --username postgres
	local ms
	ms=$(stop_ms "$CID")
	MAIN_STOP_MS=$ms
	check "docker stop took $ms ms (< 5000)" test "$ms" -lt 5000
	check "the server exited cleanly (exit code 0)" test "$(docker inspect -f '{{.State.ExitCode}}' "$CID")" = 0
	check "the final server logged its shutdown" last_log_line_has "$CID" 'database system is shut down'

	printf -- '-- restart on existing data\n'
	docker start "$CID" >/dev/null
	local deadline=$(($(now_ms) + 30000))
	until (($(stderr_ready_count "$CID") >= 2)) || (($(now_ms) > deadline)); do sleep 0.05; done
	PORT=$(host_port "$CID")
	check "skips initialisation when PGDATA holds a cluster" logs_have "$CID" 'skipping initialisation'
	check "data survived the restart" test "$(query "$PORT" postgres pw app 'select id from from_init_sql')" = 42
	docker rm -fv "$CID" >/dev/null

	printf -- '-- PGDATA on tmpfs (as sqltest'"'"'s backend runs it)\n'
	t0=$(now_ms)
	if start tmpfs --tmpfs /var/lib/postgresql/data -e POSTGRES_PASSWORD=pw -- -c fsync=off; then
		ok "ready on stderr after $READY_MS ms with PGDATA on tmpfs"
		TMPFS_READY_MS=$READY_MS
		if first=$(first_query_ms "$t0" "$PORT" postgres pw postgres); then
			ok "first query over TCP after $first ms"
			TMPFS_QUERY_MS=$first
		else
			fail "first query over TCP with PGDATA on tmpfs"
		fi
		check "PGDATA is the tmpfs mount" in_container "$CID" 'grep -q " /var/lib/postgresql/data tmpfs " /proc/mounts'
		check "select 1 with PGDATA on tmpfs" test "$(query "$PORT" postgres pw postgres 'select 1')" = 1
		# A client still connected must not hold up `docker stop` (STOPSIGNAL SIGINT: fast shutdown).
		query "$PORT" postgres pw postgres 'select pg_sleep(60)' >/dev/null 2>&1 &
		local client=$!
		sleep 0.5
		ms=$(stop_ms "$CID")
		wait "$client" 2>/dev/null || true
		check "docker stop with a client in pg_sleep(60) took $ms ms (< 5000)" test "$ms" -lt 5000
	else
		fail "starts with --tmpfs /var/lib/postgresql/data"
	fi

	printf -- '-- other parts of the contract\n'
	if start user -e POSTGRES_USER=alice -e POSTGRES_PASSWORD=secret -- postgres -c fsync=off; then
		check "POSTGRES_USER=alice, explicit 'postgres' command: database defaults to alice" \
			test "$(query "$PORT" alice secret alice 'select current_user || current_database()')" = alicealice
		check "alice is a superuser" test "$(query "$PORT" alice secret alice 'select rolsuper from pg_roles where rolname = current_user')" = t
	else
		fail "starts with POSTGRES_USER=alice and an explicit postgres command"
	fi
	if start trust -e POSTGRES_HOST_AUTH_METHOD=trust -- -c fsync=off; then
		check "POSTGRES_HOST_AUTH_METHOD=trust: no password needed" test "$(query "$PORT" postgres '' postgres 'select 1')" = 1
		check "SIGTERM stops the server within 5 s with exit code 0" sigterm_stops "$CID"
	else
		fail "starts with POSTGRES_HOST_AUTH_METHOD=trust and no password"
	fi
	local out
	out=$(docker run --rm "$IMAGE" 2>&1) && status=0 || status=$?
	check "without POSTGRES_PASSWORD it refuses to start (exit $status)" test "$status" -ne 0
	check "and says why" grep -q POSTGRES_PASSWORD <<<"$out"
	local major
	major=$(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | sed -n 's/^PG_MAJOR=//p')
	check "the tag's major matches the server ('postgres --version' says $major.x)" \
		bash -c "docker run --rm '$IMAGE' postgres --version | grep '(PostgreSQL) $major\.'"
	check "the tag's major matches the image name" bash -c "[[ '$IMAGE' == postgres:$major-alpine || '$IMAGE' == postgres:$major || '$IMAGE' == postgres:$major-* ]]"
}

main() {
	local images=("$@")
	if ((${#images[@]} == 0)); then
		mapfile -t images < <(docker images --filter "label=$LABEL_KEY=postgres" --format '{{.Repository}}:{{.Tag}}' |
			grep -E '^postgres:[0-9]+-alpine$' | sort -u)
	fi
	((${#images[@]} > 0)) || {
		echo "error: no postgres:*-alpine image built by build-offline-images.sh; build one first" >&2
		exit 1
	}
	command -v psql >/dev/null || echo "note: no psql on this host; using the image's psql"
	local image summary=""
	for image in "${images[@]}"; do
		MAIN_READY_MS='?' MAIN_QUERY_MS='?' MAIN_STOP_MS='?' TMPFS_READY_MS='?' TMPFS_QUERY_MS='?'
		test_image "$image"
		summary+=$(printf '\n  %-20s start-to-ready %s ms (first query %s ms); tmpfs PGDATA %s ms (first query %s ms); docker stop %s ms' \
			"$image" "$MAIN_READY_MS" "$MAIN_QUERY_MS" "$TMPFS_READY_MS" "$TMPFS_QUERY_MS" "$MAIN_STOP_MS")
	done
	printf '\n== summary: %d checks passed, %d failed%s\n' "$PASSED" "$FAILED" "$summary"
	((FAILED == 0))
}

main "$@"
