#!/usr/bin/env bash
# Builds sqltest's database images from Debian packages for Docker engines that cannot pull from
# any registry: debootstrap a minimal rootfs from the machine's own Debian mirror, install the
# server package, and `docker build` it FROM scratch under the tags sqltest's docker backend asks
# for (postgres:<major>-alpine, postgres:<major>). The images honour the official images'
# environment/entrypoint contract. Details, tags and the version gap: docs/offline-images.md.
set -euo pipefail
# `&` in a ${var//pattern/replacement} replacement must stay literal (bash 5.2 default is on).
shopt -u patsub_replacement 2>/dev/null || true

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly ASSETS="$SCRIPT_DIR/offline-images"
# Marks images built here, so they are told apart from images pulled from a registry.
readonly LABEL_KEY=io.sqltest.offline-image
# The PostgreSQL major sqltest's docker backend uses when a project does not set `version:`.
readonly DEFAULT_PG_MAJOR=16
# Debian releases, oldest first: a version missing from the configured suite is looked for in its
# backports, then in newer releases.
readonly DEBIAN_RELEASES=(buster bullseye bookworm trixie forky)
readonly ALL_IMAGES=(postgres mariadb)

usage() {
	cat <<'USAGE'
Usage: build-offline-images.sh [options]

Builds database images from Debian packages (no registry needed) and tags them so sqltest's
docker backend finds them locally. Run as root on a Debian host with a Docker engine.

Options:
  --only NAME          build only this image: postgres or mariadb (repeatable; default: postgres)
  --all                build every image (postgres and mariadb)
  --pg-version N       PostgreSQL major to build (default: 16 if a reachable suite has it, else
                       the newest in the configured suite)
  --mariadb-version V  MariaDB series to build, e.g. 10.11 or 11.8 (default: the configured suite's)
  --list               show which versions the reachable Debian suites offer, then exit
  --force              rebuild even if the tags exist (also replaces images not built here)
  --keep-jit           keep PostgreSQL's LLVM JIT (adds ~110 MB; JIT is off without it)
  --keep-work          keep the rootfs and build context under the work directory
  --work-dir DIR       where rootfs, logs and the package-index cache live
                       (default: /var/tmp/sqltest-offline-images)
  -h, --help           show this help

Environment:
  SQLTEST_DEBIAN_MIRROR           Debian mirror URL (default: from /etc/apt sources)
  SQLTEST_DEBIAN_SUITE            Debian suite, e.g. bookworm (default: from /etc/apt sources)
  SQLTEST_DEBIAN_SECURITY_MIRROR  security mirror URL, or "none" (default: from /etc/apt sources)
  SQLTEST_DEBIAN_SUITES           space-separated suites to search for a version, in order
                                  (default: SUITE SUITE-backports and newer releases)
USAGE
}

# ---------------------------------------------------------------------------------------------
# Messages

started_at=$SECONDS

step() { printf '==> [%4ds] %s\n' "$((SECONDS - started_at))" "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# Indents text for a message: `indent 7 <<<"$text"`.
indent() { sed "s/^/$(printf '%*s' "$1" '')/"; }

# Runs a long command with its output in a log file; on failure shows the log's tail.
run_logged() {
	local log=$1
	shift
	if ! "$@" >>"$log" 2>&1; then
		printf 'error: command failed: %s\n--- last lines of %s ---\n' "$*" "$log" >&2
		tail -n 25 "$log" >&2
		printf -- '--- end of log ---\n' >&2
		exit 1
	fi
}

# ---------------------------------------------------------------------------------------------
# Options

ONLY=()
PG_MAJOR_WANTED=""
MARIADB_WANTED=""
FORCE=0
KEEP_JIT=0
KEEP_WORK=0
LIST_ONLY=0
WORK_DIR=/var/tmp/sqltest-offline-images

parse_args() {
	while (($#)); do
		case "$1" in
		--only)
			(($# >= 2)) || die "--only needs an image name (postgres or mariadb)"
			case "$2" in
			postgres | mariadb) ONLY+=("$2") ;;
			*) die "unknown image '$2' for --only (expected postgres or mariadb)" ;;
			esac
			shift 2
			;;
		--all)
			ONLY=("${ALL_IMAGES[@]}")
			shift
			;;
		--pg-version)
			(($# >= 2)) || die "--pg-version needs a major version, e.g. 15"
			[[ $2 =~ ^[0-9]+$ ]] || die "--pg-version expects a major version number, got '$2'"
			PG_MAJOR_WANTED=$2
			shift 2
			;;
		--mariadb-version)
			(($# >= 2)) || die "--mariadb-version needs a series, e.g. 10.11"
			[[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--mariadb-version expects e.g. 10.11 or 11, got '$2'"
			MARIADB_WANTED=$2
			shift 2
			;;
		--list) LIST_ONLY=1 && shift ;;
		--force) FORCE=1 && shift ;;
		--keep-jit) KEEP_JIT=1 && shift ;;
		--keep-work) KEEP_WORK=1 && shift ;;
		--work-dir)
			(($# >= 2)) || die "--work-dir needs a directory"
			WORK_DIR=$2
			shift 2
			;;
		-h | --help)
			usage
			exit 0
			;;
		*) die "unknown option '$1' (see --help)" ;;
		esac
	done
	if ((${#ONLY[@]} == 0)); then
		ONLY=(postgres)
	fi
}

# ---------------------------------------------------------------------------------------------
# Host checks

check_host() {
	if ((EUID != 0)); then
		die "run this as root (e.g. with sudo): debootstrap creates files owned by other users and
       chroots into the new system to install packages, which needs root."
	fi
	command -v docker >/dev/null || die "the docker CLI is not installed"
	docker info >/dev/null 2>&1 || die "cannot talk to the Docker engine (is it running? is DOCKER_HOST right?)"
	command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian-based host"
	if ! command -v debootstrap >/dev/null; then
		step "installing debootstrap with apt-get"
		apt-get install -y --no-install-recommends debootstrap >/dev/null ||
			die "could not install debootstrap; run 'apt-get update && apt-get install debootstrap'"
	fi
	KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
	[[ -r $KEYRING ]] || die "$KEYRING is missing; install the debian-archive-keyring package"
	ARCH=$(dpkg --print-architecture)
	mkdir -p "$WORK_DIR"
	exec 9>"$WORK_DIR/lock"
	flock -n 9 || die "another build-offline-images.sh is running (lock: $WORK_DIR/lock)"
}

# ---------------------------------------------------------------------------------------------
# Debian sources: the mirror and suite come from the machine's apt configuration.

# Prints "URI SUITE" for every enabled binary source in the host's apt configuration, in both the
# one-line (.list) and deb822 (.sources) formats.
apt_source_records() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 { print $2, $3 }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		awk '
			function flush(   n, m, i, j, u, s) {
				if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
					n = split(uris, u, /[ \t]+/); m = split(suites, s, /[ \t]+/)
					for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j]
				}
				types = uris = suites = ""; enabled = "yes"
			}
			BEGIN { enabled = "yes" }
			/^#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { next }
			{
				colon = index($0, ":"); key = tolower(substr($0, 1, colon - 1))
				value = substr($0, colon + 1); gsub(/^[ \t]+|[ \t]+$/, "", value)
				if (key == "types") types = value
				else if (key == "uris") uris = value
				else if (key == "suites") suites = value
				else if (key == "enabled") enabled = tolower(value)
			}
			END { flush() }
		' "$f"
	done
}

is_debian_release() {
	local r
	for r in "${DEBIAN_RELEASES[@]}" sid stable oldstable testing unstable; do
		[[ $1 == "$r" ]] && return 0
	done
	return 1
}

resolve_sources() {
	local records uri suite found_uri="" found_suite=""
	records=$(apt_source_records)
	SECURITY_MIRROR=""
	HAS_UPDATES=0
	while read -r uri suite; do
		[[ -n $uri ]] || continue
		if [[ $suite == *-security || $suite == */updates ]]; then
			[[ -n $SECURITY_MIRROR ]] || SECURITY_MIRROR=$uri
		elif [[ $suite == *-updates ]]; then
			HAS_UPDATES=1
		elif [[ -z $found_uri ]] && is_debian_release "$suite"; then
			found_uri=$uri
			found_suite=$suite
		fi
	done <<<"$records"

	MIRROR=${SQLTEST_DEBIAN_MIRROR:-$found_uri}
	SUITE=${SQLTEST_DEBIAN_SUITE:-$found_suite}
	MIRROR=${MIRROR%/}
	if [[ -z $MIRROR || -z $SUITE ]]; then
		die "no Debian mirror found in /etc/apt/sources.list{,.d/*.list,.d/*.sources};
       set SQLTEST_DEBIAN_MIRROR (e.g. http://deb.debian.org/debian) and SQLTEST_DEBIAN_SUITE (e.g. bookworm)"
	fi
	if [[ -n ${SQLTEST_DEBIAN_SECURITY_MIRROR:-} ]]; then
		SECURITY_MIRROR=$SQLTEST_DEBIAN_SECURITY_MIRROR
	fi
	[[ $SECURITY_MIRROR == none ]] && SECURITY_MIRROR=""
	SECURITY_MIRROR=${SECURITY_MIRROR%/}

	# debootstrap fetches with wget, which ignores apt's proxy setting; pass it on.
	local proxy=""
	eval "$(apt-config shell proxy Acquire::http::Proxy)"
	if [[ -n $proxy && -z ${http_proxy:-} ]]; then
		export http_proxy=$proxy
	fi

	step "Debian mirror $MIRROR, suite $SUITE (security: ${SECURITY_MIRROR:-none}, updates: $([[ $HAS_UPDATES == 1 ]] && echo yes || echo no))"
}

# Suites searched for a version, in order of preference: the configured one first.
candidate_suites() {
	if [[ -n ${SQLTEST_DEBIAN_SUITES:-} ]]; then
		# shellcheck disable=SC2086 # a blank-separated list
		printf '%s\n' $SQLTEST_DEBIAN_SUITES
		return
	fi
	printf '%s\n' "$SUITE"
	case "$SUITE" in
	sid | unstable | testing) return ;;
	esac
	printf '%s\n' "$SUITE-backports"
	local r newer=0
	for r in "${DEBIAN_RELEASES[@]}"; do
		((newer)) && printf '%s\n' "$r"
		[[ $r == "$SUITE" ]] && newer=1
	done
	return 0
}

# ---------------------------------------------------------------------------------------------
# Package index: apt with a private state directory reads the candidate suites' indexes (signed,
# cached between runs) without touching the host's own apt state.

INDEX_READY=0

apt_index_opts() {
	local d=$WORK_DIR/apt-index
	# Only the Packages indexes are needed; a kept binary cache makes repeated queries instant.
	printf '%s\n' -o "Dir::Etc::sourcelist=$d/sources.list" -o "Dir::Etc::sourceparts=$d/empty" \
		-o "Dir::Etc::preferences=$d/empty/none" -o "Dir::Etc::preferencesparts=$d/empty" \
		-o "Dir::State::Lists=$d/lists" -o "Dir::State::status=$d/status" -o "Dir::Cache=$d/cache" \
		-o "Dir::Cache::pkgcache=$d/cache/pkgcache.bin" -o "Dir::Cache::srcpkgcache=" \
		-o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false" \
		-o "APT::Architecture=$ARCH" -o "APT::Architectures=$ARCH"
}

update_index() {
	((INDEX_READY)) && return 0
	local d=$WORK_DIR/apt-index suite opts
	mkdir -p "$d/empty" "$d/lists/partial" "$d/cache/archives/partial"
	: >"$d/status"
	: >"$d/sources.list"
	while read -r suite; do
		printf 'deb [signed-by=%s] %s %s main\n' "$KEYRING" "$MIRROR" "$suite" >>"$d/sources.list"
	done < <(candidate_suites)
	step "reading package indexes of: $(candidate_suites | tr '\n' ' ')"
	mapfile -t opts < <(apt_index_opts)
	# A suite the mirror lacks (a partial mirror, say) only narrows the choice.
	if ! apt-get "${opts[@]}" -q update >"$WORK_DIR/apt-index.log" 2>&1; then
		warn "some suites could not be read (details: $WORK_DIR/apt-index.log); using the others"
	fi
	INDEX_READY=1
}

# `suites_with PACKAGE`: prints "SUITE VERSION" for each candidate suite carrying PACKAGE, in
# candidate order.
suites_with() {
	local pkg=$1 opts madison suite
	mapfile -t opts < <(apt_index_opts)
	madison=$(apt-cache "${opts[@]}" madison "$pkg" 2>/dev/null || true)
	while read -r suite; do
		awk -F'|' -v s="$suite" '{
			split($3, w, " "); split(w[2], p, "/")
			v = $2; gsub(/[ \t]/, "", v)
			if (p[1] == s) { print s, v; exit }
		}' <<<"$madison"
	done < <(candidate_suites)
}

# Prints the PostgreSQL majors each candidate suite offers, e.g. "bookworm: 15".
postgres_offer() {
	local opts pkg suite version
	local -A majors=()
	mapfile -t opts < <(apt_index_opts)
	for pkg in $(apt-cache "${opts[@]}" pkgnames postgresql- 2>/dev/null | grep -E '^postgresql-[0-9]+$' | sort -t- -k2 -n); do
		while read -r suite version; do
			[[ -n $suite ]] && majors[$suite]+="${pkg#postgresql-} "
		done < <(suites_with "$pkg")
	done
	while read -r suite; do
		printf '%s: %s\n' "$suite" "${majors[$suite]:-(none)}"
	done < <(candidate_suites)
}

list_versions() {
	update_index
	step "PostgreSQL majors per suite"
	postgres_offer | sed 's/^/    /'
	step "MariaDB per suite"
	suites_with mariadb-server | sed 's/^/    /'
}

# ---------------------------------------------------------------------------------------------
# Image tags

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
image_is_ours() {
	[[ -n $(docker image inspect -f "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$1" 2>/dev/null) ]]
}

# `plan_tags TAG...`: decides which tags to build. Returns 1 (nothing to build) when every tag
# is present; tags already held by an image built here are completed with `docker tag`, and a tag
# held by another image (one pulled from a registry) is left alone unless --force.
plan_tags() {
	TAGS_TO_SET=()
	local tag ours=""
	for tag in "$@"; do
		if image_exists "$tag"; then
			if ((FORCE)); then
				TAGS_TO_SET+=("$tag")
			elif image_is_ours "$tag"; then
				ours=$tag
			else
				warn "$tag exists and was not built by this script; leaving it alone (use --force to replace it)"
			fi
		else
			TAGS_TO_SET+=("$tag")
		fi
	done
	if ((FORCE)); then
		return 0
	fi
	if [[ -n $ours ]]; then
		for tag in "${TAGS_TO_SET[@]}"; do
			step "tagging existing $ours as $tag"
			docker tag "$ours" "$tag"
		done
		TAGS_TO_SET=()
	fi
	((${#TAGS_TO_SET[@]} > 0))
}

# ---------------------------------------------------------------------------------------------
# Root filesystem

ROOTFS=""

unmount_rootfs() {
	[[ -n $ROOTFS ]] || return 0
	local m
	# Deepest first; lazy so a busy mount cannot leave us stuck.
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v r="$ROOTFS/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r)
}

remove_rootfs() {
	[[ -n $ROOTFS && -d $ROOTFS ]] || return 0
	unmount_rootfs
	if awk -v r="$ROOTFS/" 'index($2, r) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
		warn "$ROOTFS still has mounts; not deleting it"
		return 0
	fi
	rm -rf --one-file-system "$ROOTFS"
}

# The build log of the image being built, once a build has started.
CURRENT_LOG=""

on_exit() {
	local status=$?
	unmount_rootfs
	if ((status != 0)) && [[ -n $CURRENT_LOG ]]; then
		printf 'error: build failed (exit %d); log: %s\n' "$status" "$CURRENT_LOG" >&2
	fi
	if ((!KEEP_WORK)); then
		remove_rootfs
	fi
}

# Host path of PATH inside the rootfs, refusing paths that symlinks lead out of it: Debian's
# /var/run is an absolute symlink to /run, which from the host side is the host's own /run.
rootfs_path() {
	local real
	real=$(realpath -m -- "$ROOTFS$1")
	[[ $real == "$ROOTFS"/* ]] || die "refusing to write $1 in the rootfs: it resolves to $real on the host"
	printf '%s\n' "$real"
}

# `write_rootfs_file PATH MODE < CONTENT`: creates or replaces a file inside the rootfs.
write_rootfs_file() {
	local dest
	dest=$(rootfs_path "$1")
	rm -f -- "$dest"
	cat >"$dest"
	chmod "$2" "$dest"
}

in_root() {
	chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# `bootstrap_rootfs DIR SUITE LOG`: a minbase Debian system ready for apt-get inside a chroot,
# with documentation, man pages and translations kept out.
bootstrap_rootfs() {
	ROOTFS=$1
	local suite=$2 log=$3
	CURRENT_LOG=$log
	remove_rootfs
	mkdir -p "$(dirname "$ROOTFS")"
	step "debootstrap --variant=minbase $suite (a few minutes; log: $log)"
	run_logged "$log" debootstrap --variant=minbase --arch="$ARCH" --keyring="$KEYRING" \
		--components=main "$suite" "$ROOTFS" "$MIRROR"

	step "configuring apt and dpkg in the rootfs"
	# Services must not start inside the build chroot.
	printf '#!/bin/sh\nexit 101\n' | write_rootfs_file /usr/sbin/policy-rc.d 755
	write_rootfs_file /etc/dpkg/dpkg.cfg.d/sqltest-slim 644 <<'CFG'
# sqltest offline image: no documentation, manuals or message translations.
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/groff/*
path-exclude=/usr/share/lintian/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
CFG
	write_rootfs_file /etc/apt/apt.conf.d/sqltest-slim 644 <<'CFG'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
CFG
	# Settings the host needs to reach its mirror (proxy, snapshot mirrors' expired Valid-Until)
	# apply inside while building only.
	{ apt-config dump | grep -E '^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date) ' || true; } |
		write_rootfs_file /etc/apt/apt.conf.d/99sqltest-build-host 644

	{
		printf 'deb %s %s main\n' "$MIRROR" "$suite"
		case "$suite" in
		sid | unstable) ;;
		*)
			if ((HAS_UPDATES)); then printf 'deb %s %s-updates main\n' "$MIRROR" "$suite"; fi
			if [[ -n $SECURITY_MIRROR ]]; then printf 'deb %s %s-security main\n' "$SECURITY_MIRROR" "$suite"; fi
			;;
		esac
	} | write_rootfs_file /etc/apt/sources.list 644

	# What debootstrap installed before the exclusions existed. Deleting runs inside the chroot
	# so no symlink in the rootfs can point the deletion at the host.
	run_logged "$log" in_root sh -c '
		find /usr/share/doc -mindepth 1 ! -name copyright ! -type d -delete
		find /usr/share/doc -mindepth 1 -type d -empty -delete
		rm -rf /usr/share/man/* /usr/share/info/*
		find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +'

	mountpoint -q "$ROOTFS/proc" || mount -t proc proc "$(rootfs_path /proc)"
	step "apt-get update inside the rootfs"
	run_logged "$log" in_root apt-get update
	run_logged "$log" in_root apt-get -y upgrade
}

# Removes build-only files and caches, leaving a rootfs fit to be an image.
finish_rootfs() {
	local log=$1
	step "cleaning the rootfs"
	run_logged "$log" in_root apt-get clean
	unmount_rootfs
	run_logged "$log" in_root sh -c '
		rm -f /usr/sbin/policy-rc.d /etc/apt/apt.conf.d/99sqltest-build-host
		rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/*.log \
			/var/log/apt/* /tmp/* /var/tmp/* /root/.bash_history'
	# Docker provides these at run time; the build host's must not leak into the image.
	local f
	for f in /etc/resolv.conf /etc/hostname /etc/machine-id; do
		write_rootfs_file "$f" 644 </dev/null
	done
}

# `build_image NAME DOCKERFILE LOG TAG... -- KEY=VALUE...`: imports the rootfs as a base image
# (streamed, no tarball on disk), then builds DOCKERFILE on it to add the image configuration,
# with @KEY@ placeholders (and @BASE@) filled in. Importing takes seconds where
# `ADD rootfs.tar` in a build takes a minute.
build_image() {
	local name=$1 dockerfile=$2 log=$3
	shift 3
	local base=sqltest-offline-base:$name tags=() rendered
	while (($#)) && [[ $1 != -- ]]; do
		tags+=(-t "$1")
		shift
	done
	shift
	rendered=$(<"$dockerfile")
	rendered=${rendered//@BASE@/$base}
	while (($#)); do
		rendered=${rendered//@${1%%=*}@/${1#*=}}
		shift
	done
	if [[ $rendered =~ @[A-Z_]+@ ]]; then
		die "$dockerfile: no value for the placeholder ${BASH_REMATCH[0]}"
	fi
	step "importing the rootfs ($(du -sh --one-file-system "$ROOTFS" | cut -f1)) as $base"
	tar --numeric-owner -C "$ROOTFS" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf - . |
		docker import - "$base" >>"$log" 2>&1 ||
		die "docker import of the rootfs failed (log: $log)"
	step "docker build (configuration layer)"
	# The Dockerfile alone is the build context: nothing is uploaded.
	run_logged "$log" env DOCKER_BUILDKIT=0 docker build --no-cache "${tags[@]}" - <<<"$rendered"
	# The built image keeps the layer; only the temporary name goes.
	docker rmi "$base" >>"$log" 2>&1 || warn "could not remove the temporary tag $base"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

# Picks the major and suite to build: the one asked for, else sqltest's default major if some
# suite has it, else the newest major of the configured suite. Sets PG_MAJOR and PG_SUITE.
choose_postgres() {
	update_index
	local wanted=${PG_MAJOR_WANTED:-$DEFAULT_PG_MAJOR} found
	found=$(suites_with "postgresql-$wanted" | head -n1)
	if [[ -n $found ]]; then
		PG_MAJOR=$wanted
		PG_SUITE=${found%% *}
		return
	fi
	local offer
	offer=$(postgres_offer)
	if [[ -n $PG_MAJOR_WANTED ]]; then
		die "PostgreSQL $wanted is not in any reachable Debian suite. Available:
$(indent 7 <<<"$offer")"
	fi
	local newest
	newest=$(grep "^$SUITE: " <<<"$offer" | tr ' ' '\n' | grep -E '^[0-9]+$' | sort -n | tail -n1 || true)
	[[ -n $newest ]] || die "the configured suite $SUITE offers no postgresql-N package. Available:
$(indent 7 <<<"$offer")"
	warn "PostgreSQL $DEFAULT_PG_MAJOR (sqltest's default image postgres:$DEFAULT_PG_MAJOR-alpine) is not in
         any reachable Debian suite, so that tag cannot be built honestly. Available:
$(indent 11 <<<"$offer")
         Building $newest from $SUITE instead. Point sqltest at it with \`version: \"$newest\"\`
         in sqltest.yaml, or build another major with --pg-version N."
	PG_MAJOR=$newest
	PG_SUITE=$SUITE
}

build_postgres() {
	local t0=$SECONDS
	# A version asked for by number whose main tags exist needs no package index (nor network).
	if [[ -n $PG_MAJOR_WANTED ]] && ((!FORCE)) && image_exists "postgres:$PG_MAJOR_WANTED-alpine" &&
		image_exists "postgres:$PG_MAJOR_WANTED"; then
		step "postgres:$PG_MAJOR_WANTED-alpine and postgres:$PG_MAJOR_WANTED are present; nothing to build (use --force to rebuild)"
		BUILT+=("postgres:$PG_MAJOR_WANTED-alpine" "postgres:$PG_MAJOR_WANTED")
		return 0
	fi
	choose_postgres
	local major=$PG_MAJOR suite=$PG_SUITE
	local tags=("postgres:$major-alpine" "postgres:$major" "postgres:$major-$suite")
	step "PostgreSQL $major from Debian $suite -> ${tags[*]}"
	if ! plan_tags "${tags[@]}"; then
		step "postgres:$major images are present; nothing to build (use --force to rebuild)"
		BUILT+=("${tags[@]}")
		return 0
	fi

	local dir=$WORK_DIR/postgres-$major log=$WORK_DIR/postgres-$major/build.log
	mkdir -p "$dir"
	: >"$log"
	bootstrap_rootfs "$dir/rootfs" "$suite" "$log"

	if ((!KEEP_JIT)); then
		# LLVM is only used by the JIT, which test databases do not need. Without llvmjit.so the
		# server simply runs with JIT unavailable. Excluding the files (not removing packages)
		# keeps dpkg's dependency state consistent.
		write_rootfs_file /etc/dpkg/dpkg.cfg.d/sqltest-no-jit 644 <<'CFG'
# sqltest offline image: no LLVM JIT (libz3 is used by LLVM only).
path-exclude=/usr/lib/postgresql/*/lib/llvmjit*
path-exclude=/usr/lib/postgresql/*/lib/bitcode*
path-exclude=/usr/lib/*/libLLVM*
path-exclude=/usr/lib/llvm-*
path-exclude=/usr/lib/*/libz3.so*
CFG
	fi

	step "installing postgresql-$major"
	# The same uid/gid as the official Debian-based image, so volumes move between them.
	run_logged "$log" in_root groupadd --system --gid 999 postgres
	run_logged "$log" in_root useradd --system --gid postgres --uid 999 --home-dir /var/lib/postgresql \
		--shell /bin/bash postgres
	run_logged "$log" in_root install -d -o postgres -g postgres /var/lib/postgresql
	# The entrypoint creates the cluster in PGDATA; the package must not make its own.
	run_logged "$log" in_root apt-get install -y postgresql-common
	local createcluster
	createcluster=$(rootfs_path /etc/postgresql-common/createcluster.conf)
	sed -ri 's/^#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' "$createcluster"
	grep -q '^create_main_cluster = false' "$createcluster" ||
		die "could not disable the package's default cluster in createcluster.conf"
	run_logged "$log" in_root apt-get install -y "postgresql-$major"

	local bin=/usr/lib/postgresql/$major/bin version server_version
	[[ -x $ROOTFS$bin/postgres ]] || die "postgresql-$major did not install $bin/postgres"
	# shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
	version=$(in_root dpkg-query -W -f='${Version}' "postgresql-$major")
	server_version=$(in_root "$bin/postgres" --version)
	# The tags claim this major: check the server binary says so.
	[[ $server_version =~ \(PostgreSQL\)\ ${major}[.\ ] ]] ||
		die "the installed server reports '$server_version', not PostgreSQL $major"
	note "$server_version"
	local tool
	for tool in /usr/bin/setpriv "$bin/pg_isready" "$bin/psql" "$bin/initdb"; do
		[[ -x $ROOTFS$tool ]] || die "the rootfs lacks $tool, which the entrypoint needs"
	done

	step "configuring the server like the official image"
	# The official image's locale; initdb then creates UTF8 databases.
	run_logged "$log" in_root localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8
	local sample
	sample=$(rootfs_path "/usr/share/postgresql/$major/postgresql.conf.sample")
	sed -ri "s/^#?\s*listen_addresses\s*=\s*'[^']*'/listen_addresses = '*'/" "$sample"
	grep -q "^listen_addresses = '\*'" "$sample" || die "could not set listen_addresses in $sample"
	# Inside the chroot, so /var/run (a symlink to /run) resolves within the rootfs. Both are
	# writable by any uid so `docker run --user` works; the entrypoint tightens PGDATA to 0700.
	run_logged "$log" in_root install -d -o postgres -g postgres -m 3777 /var/run/postgresql
	run_logged "$log" in_root install -d -o postgres -g postgres -m 1777 /var/lib/postgresql/data
	run_logged "$log" in_root install -d -m 755 /docker-entrypoint-initdb.d
	write_rootfs_file /usr/local/bin/docker-entrypoint.sh 755 <"$ASSETS/postgres-entrypoint.sh"

	finish_rootfs "$log"
	build_image "postgres-$major" "$ASSETS/postgres.Dockerfile" "$log" "${TAGS_TO_SET[@]}" -- \
		"PG_MAJOR=$major" "PG_VERSION=$version" "DEBIAN_SUITE=$suite" \
		"BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	((KEEP_WORK)) || remove_rootfs

	local size
	size=$(docker image inspect -f '{{.Size}}' "${TAGS_TO_SET[0]}")
	step "built PostgreSQL $version in $((SECONDS - t0)) s, image size $((size / 1000000)) MB"
	BUILT+=("${tags[@]}")
}

# ---------------------------------------------------------------------------------------------
# MariaDB

# shellcheck source=offline-images/mariadb.sh
source "$ASSETS/mariadb.sh"

# ---------------------------------------------------------------------------------------------

main() {
	parse_args "$@"
	check_host
	trap on_exit EXIT
	resolve_sources
	if ((LIST_ONLY)); then
		list_versions
		return 0
	fi
	BUILT=()
	local image
	for image in "${ONLY[@]}"; do
		case "$image" in
		postgres) build_postgres ;;
		mariadb) build_mariadb ;;
		esac
	done
	step "done in $((SECONDS - started_at)) s; images available:"
	for image in "${BUILT[@]}"; do
		image_exists "$image" && note "$image"
	done
	return 0
}

main "$@"
