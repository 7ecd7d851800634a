#!/bin/sh
# Entrypoint of the PostgreSQL images built by scripts/build-offline-images.sh.
#
# It implements the documented contract of the official `postgres` image so sqltest's docker
# backend can start these images and the ones users pull with the same code:
#   POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required unless
#   POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default: the user), POSTGRES_INITDB_ARGS,
#   POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD, PGDATA, the *_FILE variants,
#   /docker-entrypoint-initdb.d/*.sql|*.sql.gz|*.sql.xz|*.sql.zst|*.sh at first start, and
#   server arguments (`docker run IMAGE -c fsync=off`) passed through to postgres.
# The first-start temporary server logs to stdout and the real server to stderr, as in the
# official image: readiness probes (testcontainers) wait for "database system is ready to accept
# connections" on both streams.
set -eu

say() { printf 'entrypoint: %s\n' "$*"; }
die() {
	printf 'entrypoint: error: %s\n' "$*" >&2
	exit 1
}

# `file_env NAME [DEFAULT]`: take NAME from $NAME or from the file named by $NAME_FILE (for
# docker secrets), never both, and export it.
file_env() {
	fe_name=$1
	fe_default=${2-}
	eval "fe_value=\${$fe_name-}"
	eval "fe_file=\${${fe_name}_FILE-}"
	if [ -n "$fe_value" ] && [ -n "$fe_file" ]; then
		die "both $fe_name and ${fe_name}_FILE are set; they are exclusive"
	fi
	if [ -n "$fe_file" ]; then
		fe_value=$(cat "$fe_file") || die "cannot read ${fe_name}_FILE ($fe_file)"
	elif [ -z "$fe_value" ]; then
		fe_value=$fe_default
	fi
	export "$fe_name=$fe_value"
	unset "${fe_name}_FILE"
}

# Arguments starting with a dash are server options: `-c fsync=off` means `postgres -c fsync=off`.
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
	set -- postgres "$@"
fi

# Anything else (`bash`, `psql ...`) runs as given, without initialisation.
if [ "$1" != postgres ]; then
	exec "$@"
fi

# Informational flags need no data directory.
for arg in "$@"; do
	case "$arg" in
	-V | --version | --help | '-?' | --describe-config | -C)
		if [ "$(id -u)" = 0 ]; then
			exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
		fi
		exec "$@"
		;;
	esac
done

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

# As root: prepare directories the server user must own, then re-run this script as `postgres`
# with exec so the server ends up as PID 1 and receives `docker stop`'s signal directly.
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	# A fresh tmpfs or volume is root-owned; data left by another uid is handed over too.
	find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres {} +
	chmod 700 "$PGDATA"
	chmod 3777 /var/run/postgresql
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres:postgres {} +
		chmod 700 "$POSTGRES_INITDB_WALDIR"
	fi
	export HOME=/var/lib/postgresql USER=postgres LOGNAME=postgres
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

port=${PGPORT:-5432}
temp_pid=

# Runs psql on the temporary server's socket; ON_ERROR_STOP makes a failing script fatal.
run_psql() {
	psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --quiet --port="$port" \
		--username="$POSTGRES_USER" "$@"
}

stop_temp_server() {
	if [ -n "$temp_pid" ]; then
		kill -INT "$temp_pid" 2>/dev/null || true
		wait "$temp_pid" || true
		temp_pid=
	fi
}

initialise() {
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

	if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
		die "the database is uninitialised and POSTGRES_PASSWORD is not set.
  Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to the superuser's password, or set
  POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without a password (not recommended)."
	fi
	if [ "$auth" = trust ]; then
		say "warning: POSTGRES_HOST_AUTH_METHOD=trust: connections from any host need no password"
	fi

	say "initialising a new cluster in $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
	# A server told not to fsync holds throwaway data: initdb need not sync either (saves ~1 s).
	no_sync=
	prev=
	for arg in "$@"; do
		case "$prev/$arg" in
		-c/fsync=off | -c/fsync=false | -c/fsync=no | -c/fsync=0 | */-cfsync=off | */--fsync=off)
			no_sync=--no-sync
			;;
		esac
		prev=$arg
	done
	# POSTGRES_INITDB_ARGS is a string of options: split it on blanks, without globbing.
	set -f
	# shellcheck disable=SC2086 # splitting POSTGRES_INITDB_ARGS is the point
	if [ -n "$POSTGRES_PASSWORD" ]; then
		printf '%s\n' "$POSTGRES_PASSWORD" |
			initdb --username="$POSTGRES_USER" --pwfile=/dev/stdin $no_sync \
				${POSTGRES_INITDB_WALDIR:+--waldir="$POSTGRES_INITDB_WALDIR"} $POSTGRES_INITDB_ARGS
	else
		initdb --username="$POSTGRES_USER" $no_sync \
			${POSTGRES_INITDB_WALDIR:+--waldir="$POSTGRES_INITDB_WALDIR"} $POSTGRES_INITDB_ARGS
	fi
	set +f

	# initdb's lines cover the socket and loopback; every other address needs the password.
	printf '\n# Added by the entrypoint: any other address authenticates with %s.\nhost all all all %s\n' \
		"$auth" "$auth" >>"$PGDATA/pg_hba.conf"

	# A temporary server reachable only through the socket runs the setup. It gets the user's
	# server arguments (e.g. fsync=off speeds up init scripts) and logs to stdout.
	trap 'stop_temp_server; exit 130' INT
	trap 'stop_temp_server; exit 143' TERM
	"$@" -c listen_addresses= -p "$port" 2>&1 &
	temp_pid=$!
	unset PGHOST PGHOSTADDR
	tries=0
	until pg_isready --quiet --port="$port" --username="$POSTGRES_USER" --dbname=postgres; do
		if ! kill -0 "$temp_pid" 2>/dev/null; then
			wait "$temp_pid" || true
			temp_pid=
			die "the temporary server for initialisation exited; see its log above"
		fi
		tries=$((tries + 1))
		if [ "$tries" -ge 600 ]; then
			stop_temp_server
			die "the temporary server did not accept connections within 60 seconds"
		fi
		sleep 0.1
	done

	export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
	db_exists=$(run_psql --dbname=postgres --tuples-only --no-align --set db="$POSTGRES_DB" <<'SQL'
SELECT 1 FROM pg_database WHERE datname = :'db';
SQL
	)
	if [ -z "$db_exists" ]; then
		say "creating database $POSTGRES_DB"
		run_psql --dbname=postgres --set db="$POSTGRES_DB" <<'SQL'
CREATE DATABASE :"db";
SQL
	fi

	for f in /docker-entrypoint-initdb.d/*; do
		[ -e "$f" ] || continue
		case "$f" in
		*.sh)
			if [ -x "$f" ]; then
				say "running $f"
				"$f"
			else
				say "sourcing $f"
				# shellcheck disable=SC1090 # user-provided init script
				. "$f"
			fi
			;;
		*.sql)
			say "running $f"
			run_psql --dbname="$POSTGRES_DB" --file="$f"
			;;
		*.sql.gz | *.sql.xz | *.sql.zst)
			case "$f" in
			*.gz) unpack=gzip ;;
			*.xz) unpack=xz ;;
			*) unpack=zstd ;;
			esac
			command -v "$unpack" >/dev/null || die "cannot run $f: $unpack is not installed in this image"
			say "running $f"
			# A decompression error must fail the init even without pipefail: check the output.
			"$unpack" -dc "$f" >/tmp/initdb-script.sql || die "cannot decompress $f"
			run_psql --dbname="$POSTGRES_DB" --file=/tmp/initdb-script.sql
			rm -f /tmp/initdb-script.sql
			;;
		*)
			say "ignoring $f (not .sh, .sql, .sql.gz, .sql.xz or .sql.zst)"
			;;
		esac
	done
	unset PGPASSWORD

	stop_temp_server
	trap - INT TERM
	say "PostgreSQL init process complete; ready for start up."
}

if [ -s "$PGDATA/PG_VERSION" ]; then
	say "$PGDATA already holds a cluster; skipping initialisation"
else
	initialise "$@"
fi

exec "$@"
