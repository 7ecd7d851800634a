# shellcheck shell=bash
# MariaDB checks for test-offline-images.sh (sourced by it; uses its helpers).

readonly MARIADB_READY='mariadbd: ready for connections.'

# The final server is ready: after initialisation, the line testcontainers waits for ("port: 3306"
# follows the ready line; the temporary init server logs "port: 0").
mariadb_ready() {
	logs_have "$1" 'init process done\|skipping initialisation' &&
		(($(stderr_count "$1" 'port: 3306') >= 1))
}

# A client container on the host network (no mariadb client is assumed on the host), kept running
# so every query is a cheap `docker exec`.
MARIADB_CLIENT=""
mariadb_client_start() {
	MARIADB_CLIENT=$(docker run -d --network host --entrypoint sleep "$IMAGE" infinity)
	CONTAINERS+=("$MARIADB_CLIENT")
}

# `mquery PORT USER PASSWORD DB SQL`: one value over TCP from outside the server's container.
mquery() {
	docker exec -e MYSQL_PWD="$3" "$MARIADB_CLIENT" mariadb --protocol=tcp --host=127.0.0.1 \
		--port="$1" --user="$2" ${4:+--database="$4"} --connect-timeout=5 --skip-ssl-verify-server-cert \
		--batch --skip-column-names \
		--execute="$5"
}

# `mrefused PORT USER PASSWORD`: succeeds when the server rejects the login.
mrefused() {
	if mquery "$1" "$2" "$3" '' 'select 1' >"$TMP/refused" 2>&1; then
		echo "login succeeded"
		return 1
	fi
	cat "$TMP/refused"
	grep -q 'Access denied' "$TMP/refused"
}

mariadb_first_query_ms() {
	local since=$1
	wait_until 30 mquery "$PORT" root pw app 'select 1' || return 1
	echo $(($(now_ms) - since))
}

test_mariadb_image() {
	SERVER_PORT=3306
	READY_CHECK=mariadb_ready
	local main_ready='?' main_query='?' main_stop='?' tmpfs_ready='?'
	mariadb_client_start

	local initdir=$TMP/mariadb-initdb.d
	mkdir -p "$initdir"
	cat >"$initdir/01-schema.sql" <<'SQL'
CREATE TABLE from_init_sql (id int PRIMARY KEY);
INSERT INTO from_init_sql VALUES (42);
SQL
	# The official image's documented pattern for init shell scripts.
	cat >"$initdir/02-sourced.sh" <<'SH'
mariadb -uroot -p"$MARIADB_ROOT_PASSWORD" "$MARIADB_DATABASE" -e "CREATE TABLE from_sourced_sh (who text); INSERT INTO from_sourced_sh VALUES ('$MARIADB_USER')"
SH
	chmod 644 "$initdir/01-schema.sql" "$initdir/02-sourced.sh"
	chmod 755 "$initdir"

	printf -- '-- root password, database, user, init scripts, server options\n'
	local t0 first ms
	t0=$(now_ms)
	if ! start mariadb -e MARIADB_ROOT_PASSWORD=pw -e MARIADB_DATABASE=app -e MARIADB_USER=u \
		-e MARIADB_PASSWORD=upw -v "$initdir:/docker-entrypoint-initdb.d:ro" \
		-- --innodb-flush-log-at-trx-commit=0; then
		fail "container starts and becomes ready"
		SUMMARY+=$(printf '\n  %-20s did not start' "$IMAGE")
		return
	fi
	main_ready=$READY_MS
	ok "ready after $READY_MS ms (docker run to '$MARIADB_READY' ... 'port: 3306' on stderr)"
	if first=$(mariadb_first_query_ms "$t0"); then
		main_query=$first
		ok "first query over TCP as root with the password after $first ms"
	else
		fail "first query over TCP as root with the password"
	fi
	check "select 1 returns 1" test "$(mquery "$PORT" root pw app 'select 1')" = 1
	check "server option passed through (innodb_flush_log_at_trx_commit = 0)" \
		test "$(mquery "$PORT" root pw app 'select @@innodb_flush_log_at_trx_commit')" = 0
	check "database app exists" test "$(mquery "$PORT" root pw app 'select database()')" = app
	check "MARIADB_USER u logs in with its password and owns app" \
		mquery "$PORT" u upw app 'create table made_by_u (x int); drop table made_by_u'
	check "01-schema.sql ran in app" test "$(mquery "$PORT" root pw app 'select id from from_init_sql')" = 42
	check "02-sourced.sh was sourced with the MARIADB_* variables" \
		test "$(mquery "$PORT" root pw app 'select who from from_sourced_sh')" = u
	check "time zone tables are loaded" \
		test "$(mquery "$PORT" root pw app "select convert_tz('2020-01-01 12:00', 'UTC', 'Europe/Paris')")" = '2020-01-01 13:00:00'
	check "a wrong root password is refused" mrefused "$PORT" root wrong
	check "no root password is refused" mrefused "$PORT" root ''
	check "PID 1 is mariadbd (exec, gets docker stop's signal)" test "$(docker exec "$CID" cat /proc/1/comm)" = mariadbd
	check "the server runs as the non-root mysql user (uid 999)" \
		in_container "$CID" 'grep -E "^Uid:" /proc/1/status | grep -qE "^Uid:[[:space:]]+999[[:space:]]"'
	check "'$MARIADB_READY' on stderr twice (init server, then final server)" \
		test "$(stderr_count "$CID" "$MARIADB_READY")" -ge 2
	ms=$(stop_ms "$CID")
	main_stop=$ms
	check "docker stop took $ms ms (< 5000)" test "$ms" -lt 5000
	check "the server exited cleanly (exit code 0)" test "$(docker inspect -f '{{.State.ExitCode}}' "$CID")" = 0

	printf -- '-- restart on existing data\n'
	docker start "$CID" >/dev/null
	wait_until 30 mariadb_port_count "$CID" 2 || true
	PORT=$(host_port "$CID")
	check "skips initialisation when the data directory exists" logs_have "$CID" 'skipping initialisation'
	check "data survived the restart" test "$(mquery "$PORT" root pw app 'select id from from_init_sql')" = 42
	docker rm -fv "$CID" >/dev/null

	printf -- '-- data directory on tmpfs\n'
	t0=$(now_ms)
	if start mariadb-tmpfs --tmpfs /var/lib/mysql -e MARIADB_ROOT_PASSWORD=pw -e MARIADB_DATABASE=app; then
		tmpfs_ready=$READY_MS
		ok "ready after $READY_MS ms with /var/lib/mysql on tmpfs"
		check "/var/lib/mysql is the tmpfs mount" in_container "$CID" 'grep -q " /var/lib/mysql tmpfs " /proc/mounts'
		check "select 1 with the data on tmpfs" test "$(mquery "$PORT" root pw app 'select 1')" = 1
		check "SIGTERM stops the server within 5 s with exit code 0" sigterm_stops "$CID"
	else
		fail "starts with --tmpfs /var/lib/mysql"
	fi

	printf -- '-- other parts of the contract\n'
	if start mariadb-empty -e MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1 -e MYSQL_DATABASE=legacy; then
		check "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: root without a password" \
			test "$(mquery "$PORT" root '' '' 'select 1')" = 1
		check "MYSQL_DATABASE (alias) created legacy" test "$(mquery "$PORT" root '' legacy 'select database()')" = legacy
	else
		fail "starts with MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1"
	fi
	local out status
	out=$(docker run --rm "$IMAGE" 2>&1) && status=0 || status=$?
	check "without a root password option it refuses to start (exit $status)" test "$status" -ne 0
	check "and says why" grep -q MARIADB_ROOT_PASSWORD <<<"$out"
	local series=${IMAGE#mariadb:}
	series=${series%%-*}
	check "the server is the tagged series ('mariadbd --version' has $series.)" \
		bash -c "docker run --rm '$IMAGE' mariadbd --version | grep -F ' $series.'"

	SUMMARY+=$(printf '\n  %-20s start-to-ready %s ms (first query %s ms); tmpfs datadir %s ms; docker stop %s ms' \
		"$IMAGE" "$main_ready" "$main_query" "$tmpfs_ready" "$main_stop")
}

# `mariadb_port_count CONTAINER N`: the final server's "port: 3306" line appeared N times.
mariadb_port_count() { (($(stderr_count "$1" 'port: 3306') >= $2)); }
