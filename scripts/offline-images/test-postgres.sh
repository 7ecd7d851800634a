# shellcheck shell=bash
# PostgreSQL checks for test-offline-images.sh (sourced by it; uses its helpers).

readonly PG_READY='database system is ready to accept connections'

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

# `test_ready_count CONTAINER N`: the server logged its ready line at least N times on stderr.
test_ready_count() { (($(stderr_count "$1" "$PG_READY") >= $2)); }

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

# The final server is ready: the entrypoint finished (or skipped) initialisation and then the
# server logged its ready line on stderr.
postgres_ready() {
	logs_have "$1" 'init process complete\|skipping initialisation' &&
		(($(stderr_count "$1" "$PG_READY") >= 1))
}

test_postgres_image() {
	SERVER_PORT=5432
	READY_CHECK=postgres_ready
	local MAIN_READY_MS='?' MAIN_QUERY_MS='?' MAIN_STOP_MS='?' TMPFS_READY_MS='?' TMPFS_QUERY_MS='?'
	command -v psql >/dev/null || echo "note: no psql on this host; using the image's psql"

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
		SUMMARY+=$(printf '\n  %-20s did not start' "$IMAGE")
		return
	fi
	ok "ready on stderr after $READY_MS ms (docker run to '$PG_READY')"
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
	check "ready line on stderr (final server)" test "$(stderr_count "$CID" "$PG_READY")" -ge 1
	check "ready line on stdout (temporary init server, as testcontainers waits for both)" \
		test "$(stdout_count "$CID" "$PG_READY")" -ge 1
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
	wait_until 30 test_ready_count "$CID" 2 || true
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
	SUMMARY+=$(printf '\n  %-20s start-to-ready %s ms (first query %s ms); tmpfs PGDATA %s ms (first query %s ms); docker stop %s ms' \
		"$IMAGE" "$MAIN_READY_MS" "$MAIN_QUERY_MS" "$TMPFS_READY_MS" "$TMPFS_QUERY_MS" "$MAIN_STOP_MS")
}
