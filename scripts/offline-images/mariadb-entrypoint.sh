#!/bin/sh
# Entrypoint of the MariaDB images built by scripts/build-offline-images.sh.
#
# It implements the documented contract of the official `mariadb` image so the same client code
# starts these images and the ones users pull:
#   MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD or MARIADB_RANDOM_ROOT_PASSWORD (one
#   is required), MARIADB_ROOT_HOST (default %), MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD,
#   MARIADB_INITDB_SKIP_TZINFO, their MYSQL_* aliases and *_FILE variants,
#   /docker-entrypoint-initdb.d/*.sql|*.sql.gz|*.sql.xz|*.sql.zst|*.sh at first start, and server
#   options (`docker run IMAGE --innodb-flush-log-at-trx-commit=0`) passed through to mariadbd.
# Readiness: the final server logs "mariadbd: ready for connections." followed by "port: 3306"
# on stderr (the temporary init server has networking off and logs "port: 0").
set -eu

say() { printf 'entrypoint: %s\n' "$*"; }
die() {
	printf 'entrypoint: error: %s\n' "$*" >&2
	exit 1
}

# `file_env NAME`: reads $NAME or the file named by $NAME_FILE (docker secrets), never both.
file_env() {
	fe_name=$1
	eval "fe_value=\${$fe_name-}"
	eval "fe_file=\${${fe_name}_FILE-}"
	if [ -n "$fe_value" ] && [ -n "$fe_file" ]; then
		die "both $fe_name and ${fe_name}_FILE are set; they are exclusive"
	fi
	if [ -n "$fe_file" ]; then
		fe_value=$(cat "$fe_file") || die "cannot read ${fe_name}_FILE ($fe_file)"
	fi
	export "$fe_name=$fe_value"
	unset "${fe_name}_FILE"
}

# `mariadb_env SUFFIX [DEFAULT]`: MARIADB_SUFFIX, falling back to its MYSQL_ alias, then DEFAULT.
mariadb_env() {
	file_env "MARIADB_$1"
	file_env "MYSQL_$2"
	eval "me_value=\${MARIADB_$1}"
	eval "me_alias=\${MYSQL_$2}"
	[ -n "$me_value" ] || me_value=${me_alias:-${3-}}
	export "MARIADB_$1=$me_value"
}

# Options starting with a dash are server options: `--foo` means `mariadbd --foo`.
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
	set -- mariadbd "$@"
fi
case "$1" in
mariadbd | mysqld) ;;
*) exec "$@" ;;
esac
for arg in "$@"; do
	case "$arg" in
	-'?' | --help | -V | --version) exec "$@" ;;
	esac
done

# As root: hand the data and socket directories to `mysql`, then re-run as `mysql` with exec so
# the server ends up as PID 1 and receives `docker stop`'s signal directly.
if [ "$(id -u)" = 0 ]; then
	mkdir -p /var/lib/mysql /run/mysqld
	find /var/lib/mysql /run/mysqld \! -user mysql -exec chown mysql:mysql {} +
	export HOME=/var/lib/mysql USER=mysql LOGNAME=mysql
	exec setpriv --reuid=mysql --regid=mysql --init-groups "$0" "$@"
fi

# The data directory and socket the server will use, given its configuration files and options.
# The throwaway --log-bin-index keeps `--help` from touching a real binlog index.
server_help=$("$@" --verbose --help --log-bin-index=/tmp/help-only.index 2>/dev/null) ||
	die "cannot read the server configuration from: $* --verbose --help"
# Variable lines start in column one; wrapped option descriptions are indented.
datadir=$(printf '%s\n' "$server_help" | awk '/^datadir[ \t]/ { print $2; exit }')
socket=$(printf '%s\n' "$server_help" | awk '/^socket[ \t]/ { print $2; exit }')
if [ -z "$datadir" ] || [ -z "$socket" ]; then
	die "cannot tell the server's datadir and socket"
fi

temp_pid=

stop_temp_server() {
	if [ -n "$temp_pid" ]; then
		kill -TERM "$temp_pid" 2>/dev/null || true
		wait "$temp_pid" || true
		temp_pid=
	fi
}

# Runs the client as root on the temporary server's socket.
run_client() {
	MYSQL_PWD=$root_password mariadb --protocol=socket --socket="$socket" --user=root \
		--no-auto-rehash "$@"
}

# SQL string literal and identifier contents.
sql_string() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g"; }
# shellcheck disable=SC2016 # backquotes are SQL identifier quotes here
sql_ident() { printf '%s' "$1" | sed 's/`/``/g'; }

initialise() {
	mariadb_env ROOT_PASSWORD ROOT_PASSWORD
	mariadb_env ALLOW_EMPTY_ROOT_PASSWORD ALLOW_EMPTY_PASSWORD
	mariadb_env RANDOM_ROOT_PASSWORD RANDOM_ROOT_PASSWORD
	mariadb_env ROOT_HOST ROOT_HOST %
	mariadb_env DATABASE DATABASE
	mariadb_env USER USER
	mariadb_env PASSWORD PASSWORD
	mariadb_env INITDB_SKIP_TZINFO INITDB_SKIP_TZINFO

	root_password=$MARIADB_ROOT_PASSWORD
	if [ -z "$root_password" ] && [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
		root_password=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)
		say "GENERATED ROOT PASSWORD: $root_password"
	fi
	if [ -z "$root_password" ] && [ -z "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ]; then
		die "the database is uninitialised and no root password option is set.
  Set one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD or
  MARIADB_RANDOM_ROOT_PASSWORD (or their MYSQL_* aliases)."
	fi
	if [ "$MARIADB_USER" = root ]; then
		die "MARIADB_USER=root is not allowed: root exists already; set MARIADB_ROOT_PASSWORD instead"
	fi
	if [ -n "$MARIADB_USER" ] && [ -z "$MARIADB_PASSWORD" ]; then
		die "MARIADB_USER is set but MARIADB_PASSWORD is not"
	fi

	say "initialising a new data directory in $datadir"
	shift
	mariadb-install-db --datadir="$datadir" --rpm --auth-root-authentication-method=normal \
		--skip-test-db --skip-name-resolve --default-time-zone=SYSTEM "$@"
	set -- mariadbd "$@"

	# A temporary server without networking runs the setup, with the user's server options.
	trap 'stop_temp_server; exit 130' INT
	trap 'stop_temp_server; exit 143' TERM
	root_password_set=$root_password
	root_password=
	"$@" --skip-networking --socket="$socket" --default-time-zone=SYSTEM &
	temp_pid=$!
	tries=0
	until run_client --execute='SELECT 1' >/dev/null 2>&1; do
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

	if [ -z "$MARIADB_INITDB_SKIP_TZINFO" ]; then
		# Named time zones for CONVERT_TZ, as in the official image.
		mariadb-tzinfo-to-sql --skip-write-binlog /usr/share/zoneinfo 2>/dev/null |
			run_client --database=mysql
	fi

	pw=$(sql_string "$root_password_set")
	root_host=$(sql_string "$MARIADB_ROOT_HOST")
	{
		printf "SET @@SESSION.SQL_LOG_BIN = 0;\n"
		printf "SET @@SESSION.SQL_MODE = REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');\n"
		# Only root@localhost and root@ROOT_HOST remain.
		printf "DROP USER IF EXISTS root@'127.0.0.1', root@'::1';\n"
		printf "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\\\'', @@hostname, '\\\\'');\n"
		printf "SET PASSWORD FOR 'root'@'localhost' = PASSWORD('%s');\n" "$pw"
		if [ "$MARIADB_ROOT_HOST" != localhost ]; then
			printf "CREATE USER 'root'@'%s' IDENTIFIED BY '%s';\n" "$root_host" "$pw"
			printf "GRANT ALL ON *.* TO 'root'@'%s' WITH GRANT OPTION;\n" "$root_host"
			printf "GRANT PROXY ON ''@'%%' TO 'root'@'%s' WITH GRANT OPTION;\n" "$root_host"
		fi
		if [ -n "$MARIADB_DATABASE" ]; then
			# shellcheck disable=SC2016 # backquotes are SQL identifier quotes here
			printf 'CREATE DATABASE IF NOT EXISTS `%s`;\n' "$(sql_ident "$MARIADB_DATABASE")"
		fi
		if [ -n "$MARIADB_USER" ]; then
			printf "CREATE USER '%s'@'%%' IDENTIFIED BY '%s';\n" \
				"$(sql_string "$MARIADB_USER")" "$(sql_string "$MARIADB_PASSWORD")"
			if [ -n "$MARIADB_DATABASE" ]; then
				printf "GRANT ALL ON \`%s\`.* TO '%s'@'%%';\n" \
					"$(sql_ident "$MARIADB_DATABASE")" "$(sql_string "$MARIADB_USER")"
			fi
		fi
	} | run_client
	root_password=$root_password_set

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
			run_client ${MARIADB_DATABASE:+--database="$MARIADB_DATABASE"} <"$f"
			;;
		*.sql.gz | *.sql.xz | *.sql.zst)
			case "$f" in
			*.gz) unpack=gzip ;;
			*.xz) unpack=xz ;;
			*) unpack=zstd ;;
			esac
			command -v "$unpack" >/dev/null || die "cannot run $f: $unpack is not installed in this image"
			say "running $f"
			"$unpack" -dc "$f" >/tmp/initdb-script.sql || die "cannot decompress $f"
			run_client ${MARIADB_DATABASE:+--database="$MARIADB_DATABASE"} </tmp/initdb-script.sql
			rm -f /tmp/initdb-script.sql
			;;
		*)
			say "ignoring $f (not .sh, .sql, .sql.gz, .sql.xz or .sql.zst)"
			;;
		esac
	done

	stop_temp_server
	trap - INT TERM
	say "MariaDB init process done. Ready for start up."
}

if [ -d "$datadir/mysql" ]; then
	say "$datadir already holds a data directory; skipping initialisation"
else
	initialise "$@"
fi

exec "$@"
