#!/usr/bin/env bash
# Benchmark for the docker backend on fixtures/shop-postgres, in one run: cold wall time with
# a fresh container, the container start time alone, and warm wall time with --reuse (server
# and template cached). Needs the image (scripts/build-offline-images.sh builds it offline).
#
#   bench/docker.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/sqltest
project=fixtures/shop-postgres
work=$(mktemp -d)
export XDG_CACHE_HOME=$work/cache
trap '"$bin" clean >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

now() { date +%s.%N; }
"$bin" clean >/dev/null 2>&1 || true

t0=$(now)
"$bin" run "$project" --backend docker --color never --report json="$work/cold.json" > "$work/cold.txt"
t1=$(now)
# Prime the warm container and template, then time the warm run.
"$bin" run "$project" --backend docker --reuse --color never > /dev/null
t2=$(now)
"$bin" run "$project" --backend docker --reuse --color never --report json="$work/warm.json" > "$work/warm.txt"
t3=$(now)

python3 - "$work" "$t0" "$t1" "$t2" "$t3" <<'PY'
import json, sys
work, t0, t1, t2, t3 = sys.argv[1], *map(float, sys.argv[2:])
cold = json.load(open(f"{work}/cold.json"))
start = cold["timings"]["provision_secs"]
cold_wall = t1 - t0
print(f"cold wall time (docker backend):     {cold_wall:.2f} s")
print(f"container start (to select 1):       {start:.2f} s")
print(f"cold minus container start:          {cold_wall - start:.2f} s   (target <= 1.5 s)")
print(f"warm wall time with --reuse:         {t3 - t2:.2f} s   (target <= 0.6 s)")
PY
