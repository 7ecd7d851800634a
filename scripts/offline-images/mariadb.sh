# shellcheck shell=bash
# MariaDB image for build-offline-images.sh (sourced by it; uses its helpers and settings).
# Debian ships MariaDB, not MySQL: these images are tagged mariadb:* only, never mysql:*.

# The MariaDB series built when --mariadb-version is not given, if a reachable suite has it.
readonly DEFAULT_MARIADB_SERIES=11

# Picks the series and suite to build. Sets MARIADB_SUITE and MARIADB_UPSTREAM (e.g. 10.11.14).
choose_mariadb() {
	update_index
	local wanted=${MARIADB_WANTED:-$DEFAULT_MARIADB_SERIES} suite version upstream offer=""
	while read -r suite version; do
		[[ -n $suite ]] || continue
		# 1:10.11.14-0+deb12u2 -> 10.11.14; 1:11.8.3+ds-1 -> 11.8.3
		upstream=${version#*:}
		upstream=${upstream%%-*}
		upstream=${upstream%%+*}
		offer+="$suite: $upstream"$'\n'
		if [[ -z ${MARIADB_SUITE:-} && $upstream == "$wanted".* ]]; then
			MARIADB_SUITE=$suite
			MARIADB_UPSTREAM=$upstream
		fi
	done < <(suites_with mariadb-server)
	[[ -n ${MARIADB_SUITE:-} ]] && return 0
	if [[ -n $MARIADB_WANTED ]]; then
		die "MariaDB $wanted is not in any reachable Debian suite. Available:
$(indent 7 <<<"$offer")"
	fi
	local line
	line=$(grep "^$SUITE: " <<<"$offer" || true)
	[[ -n $line ]] || die "the configured suite $SUITE has no mariadb-server package"
	MARIADB_SUITE=$SUITE
	MARIADB_UPSTREAM=${line#*: }
	warn "MariaDB $DEFAULT_MARIADB_SERIES is not in any reachable Debian suite; building $MARIADB_UPSTREAM from $SUITE."
}

build_mariadb() {
	local t0=$SECONDS
	# A series asked for whose tag exists needs no package index (nor network).
	if [[ -n $MARIADB_WANTED ]] && ((!FORCE)) && image_exists "mariadb:$MARIADB_WANTED"; then
		step "mariadb:$MARIADB_WANTED is present; nothing to build (use --force to rebuild)"
		BUILT+=("mariadb:$MARIADB_WANTED")
		return 0
	fi
	MARIADB_SUITE=""
	choose_mariadb
	local suite=$MARIADB_SUITE upstream=$MARIADB_UPSTREAM
	local series=${upstream%.*} major=${upstream%%.*}
	local tags=("mariadb:$series" "mariadb:$major" "mariadb:$series-$suite")
	step "MariaDB $upstream from Debian $suite -> ${tags[*]}"
	if ! plan_tags "${tags[@]}"; then
		step "mariadb:$series images are present; nothing to build (use --force to rebuild)"
		BUILT+=("${tags[@]}")
		return 0
	fi

	local dir=$WORK_DIR/mariadb-$series log=$WORK_DIR/mariadb-$series/build.log
	mkdir -p "$dir"
	: >"$log"
	bootstrap_rootfs "$dir/rootfs" "$suite" "$log"

	step "installing mariadb-server"
	# The same uid/gid as the official image, so volumes move between them.
	run_logged "$log" in_root groupadd --system --gid 999 mysql
	run_logged "$log" in_root useradd --system --gid mysql --uid 999 --home-dir /var/lib/mysql \
		--shell /usr/sbin/nologin mysql
	run_logged "$log" in_root apt-get install -y mariadb-server tzdata

	local version server_version
	# shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
	version=$(in_root dpkg-query -W -f='${Version}' mariadb-server)
	server_version=$(in_root mariadbd --version)
	# The tags claim this series: check the server binary says so.
	[[ $server_version == *" $series."* ]] ||
		die "the installed server reports '$server_version', not MariaDB $series"
	note "$server_version"
	local tool
	for tool in /usr/bin/setpriv /usr/bin/mariadb /usr/bin/mariadb-install-db /usr/bin/mariadb-tzinfo-to-sql; do
		[[ -x $ROOTFS$tool ]] || die "the rootfs lacks $tool, which the entrypoint needs"
	done

	step "configuring the server like the official image"
	# The package's postinst created a data directory; the entrypoint makes a fresh one.
	run_logged "$log" in_root sh -c 'rm -rf /var/lib/mysql && install -d -o mysql -g mysql -m 755 /var/lib/mysql'
	run_logged "$log" in_root install -d -o mysql -g mysql -m 1777 /run/mysqld
	run_logged "$log" in_root install -d -m 755 /docker-entrypoint-initdb.d
	write_rootfs_file /etc/mysql/mariadb.conf.d/99-sqltest-docker.cnf 644 <<'CNF'
# sqltest offline image: as in the official image, listen on all addresses (Debian's
# 50-server.cnf binds 127.0.0.1) and resolve no client host names.
[mariadbd]
bind-address = 0.0.0.0
skip-name-resolve
host-cache-size = 0
CNF
	write_rootfs_file /usr/local/bin/docker-entrypoint.sh 755 <"$ASSETS/mariadb-entrypoint.sh"

	finish_rootfs "$log"
	build_image "mariadb-$series" "$ASSETS/mariadb.Dockerfile" "$log" "${TAGS_TO_SET[@]}" -- \
		"MARIADB_VERSION=$version" "DEBIAN_SUITE=$suite" "BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	((KEEP_WORK)) || remove_rootfs

	local size
	size=$(docker image inspect -f '{{.Size}}' "${TAGS_TO_SET[0]}")
	step "built MariaDB $version in $((SECONDS - t0)) s, image size $((size / 1000000)) MB"
	BUILT+=("${tags[@]}")
}
