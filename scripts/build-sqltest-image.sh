#!/usr/bin/env bash
# Builds the sqltest container image without pulling anything: a static sqltest binary built on
# this machine, packaged by Dockerfile.prebuilt onto a base that is already local (default
# `scratch`), then checked: `sqltest --version` in the image must match the binary, and the SQLite
# demo (fixtures/shop-sqlite) must run in the image exactly as it runs on the host.
#
# Engines that can pull images use `docker build -t sqltest .` (Dockerfile: musl build on Alpine,
# with a shell and git). This script is for air-gapped CI and for `.ci/run`.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/build-sqltest-image.sh [options]

Builds a static sqltest (cargo, release profile) and the image `Dockerfile.prebuilt` makes of it,
then runs `sqltest --version` and the SQLite demo project in the image.

Options:
  --tag TAG       image tag (default: sqltest:local)
  --base IMAGE    base image, already present locally (default: scratch; e.g. alpine:3.22 to get a
                  shell and git, as GitLab's job scripts need)
  --engine-image IMAGE
                  also run fixtures/shop-postgres in the image against a PostgreSQL container
                  (IMAGE, e.g. postgres:15-alpine) reached by a DNS name on a private network, as
                  a GitLab job reaches its `docker` service
  --no-check      build only; skip the checks in the image
  -h, --help      show this help
USAGE
}

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}
step() { printf '==> %s\n' "$*"; }

TAG=sqltest:local
BASE=scratch
CHECK=1
ENGINE_IMAGE=""
while (($#)); do
	case "$1" in
	--tag)
		(($# >= 2)) || die "--tag needs a value"
		TAG=$2 && shift 2
		;;
	--base)
		(($# >= 2)) || die "--base needs an image"
		BASE=$2 && shift 2
		;;
	--engine-image)
		(($# >= 2)) || die "--engine-image needs an image"
		ENGINE_IMAGE=$2 && shift 2
		;;
	--no-check) CHECK=0 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
command -v docker >/dev/null || die "the docker CLI is not installed"
docker info >/dev/null 2>&1 || die "cannot talk to the Docker engine (is it running? is DOCKER_HOST right?)"
if [[ $BASE != scratch ]] && ! docker image inspect "$BASE" >/dev/null 2>&1; then
	die "base image '$BASE' is not present locally; pull it, or use --base scratch"
fi
if [[ -n $ENGINE_IMAGE ]] && ! docker image inspect "$ENGINE_IMAGE" >/dev/null 2>&1; then
	die "engine image '$ENGINE_IMAGE' is not present locally; pull it, or build it with scripts/build-offline-images.sh"
fi

# A glibc static binary (crt-static) for the host triple: no musl target is needed, and `--target`
# keeps RUSTFLAGS away from build scripts and the usual target/release build.
triple=$(rustc -vV | sed -n 's/^host: //p')
step "building a static sqltest for $triple"
RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked --target "$triple" --bin sqltest
binary="target/$triple/release/sqltest"
if readelf -l "$binary" | grep -q 'Requesting program interpreter'; then
	die "$binary is dynamically linked; the image has no C library to load it with"
fi

# The build context holds only target/image (see .dockerignore): the binary and an empty,
# world-writable /tmp, which a `scratch` image lacks and sqltest's temporary databases need.
step "staging target/image"
rm -rf target/image
mkdir -p target/image/tmp
chmod 1777 target/image/tmp
install -m 0755 "$binary" target/image/sqltest
strip target/image/sqltest

step "docker build -f Dockerfile.prebuilt --build-arg BASE_IMAGE=$BASE -t $TAG"
docker build -q -f Dockerfile.prebuilt --build-arg BASE_IMAGE="$BASE" -t "$TAG" . >/dev/null
docker image ls "$TAG" --format '    {{.Repository}}:{{.Tag}}  {{.Size}}'

((CHECK)) || exit 0

step "checking: sqltest --version in the image"
want=$("$binary" --version)
got=$(docker run --rm "$TAG" sqltest --version)
[[ $got == "$want" ]] || die "the image printed '$got', the binary '$want'"
printf '    %s\n' "$got"

# The demo in the image, as a non-root user writing into a mounted project, must give the same
# exit code and the same JUnit report as the same binary on the host.
step "checking: the SQLite demo in the image"
work=$(mktemp -d)
# Everything the checks start is removed on every exit path.
network=""
database=""
cleanup() {
	[[ -z $database ]] || docker rm -f "$database" >/dev/null 2>&1 || true
	[[ -z $network ]] || docker network rm "$network" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cp -r fixtures/shop-sqlite "$work/in-image"
cp -r fixtures/shop-sqlite "$work/on-host"
set +e
docker run --rm --user "$(id -u):$(id -g)" -v "$work/in-image:/work" "$TAG" \
	sqltest run --color never --report junit=report.xml >"$work/in-image.log" 2>&1
image_code=$?
(cd "$work/on-host" && "$repo/$binary" run --color never --report junit=report.xml) >"$work/on-host.log" 2>&1
host_code=$?
set -e
sed 's/^/    | /' "$work/in-image.log" | tail -n 6
if ((image_code != host_code)); then
	cat "$work/in-image.log" >&2
	die "the demo exited with $image_code in the image and $host_code on the host"
fi
[[ -s $work/in-image/report.xml ]] || die "the demo in the image wrote no report.xml into the mounted project"
# Timings differ between the runs; everything else in the JUnit report must not.
strip_times() { sed -E -e 's/ time="[^"]*"//g' -e 's/ timestamp="[^"]*"//g' -e 's/ hostname="[^"]*"//g' "$1"; }
if ! diff <(strip_times "$work/on-host/report.xml") <(strip_times "$work/in-image/report.xml") >"$work/diff"; then
	cat "$work/diff" >&2
	die "the demo's JUnit report differs between the image and the host"
fi
tests=$(grep -o 'tests="[0-9]*"' "$work/in-image/report.xml" | head -1)
printf '    exit code %d, %s, same report as on the host\n' "$image_code" "$tests"

if [[ -n $ENGINE_IMAGE ]]; then
	# A static glibc binary resolves names without NSS modules only if glibc's built-in DNS
	# works in the image: reach the database by its network alias, as in GitLab (`docker`).
	step "checking: fixtures/shop-postgres in the image against $ENGINE_IMAGE reached as 'db'"
	network=sqltest-image-check-$$
	database=sqltest-image-check-db-$$
	docker network create "$network" >/dev/null
	docker run -d --name "$database" --network "$network" --network-alias db \
		-e POSTGRES_PASSWORD=sqltest "$ENGINE_IMAGE" >/dev/null
	for _ in $(seq 120); do
		docker exec "$database" pg_isready -q -h 127.0.0.1 -U postgres 2>/dev/null && break
		sleep 0.5
	done
	docker exec "$database" pg_isready -q -h 127.0.0.1 -U postgres ||
		die "$ENGINE_IMAGE did not accept connections within 60 s: $(docker logs --tail 20 "$database" 2>&1)"
	cp -r fixtures/shop-postgres "$work/postgres"
	set +e
	docker run --rm --user "$(id -u):$(id -g)" --network "$network" -v "$work/postgres:/work" \
		-e DATABASE_URL=postgres://postgres:sqltest@db:5432/postgres "$TAG" \
		sqltest run --backend url --color never >"$work/postgres.log" 2>&1
	code=$?
	set -e
	sed 's/^/    | /' "$work/postgres.log" | tail -n 2
	if ((code != 0)); then
		cat "$work/postgres.log" >&2
		die "fixtures/shop-postgres exited with $code in the image (expected 0: every test passes)"
	fi
fi
step "image $TAG is ready"
