#!/usr/bin/env bash
# Benchmark for the upgrade path: a project with 100 base migrations, 3 new ones and seeds of
# 100,000 rows, in a git repository made here. Prints the wall time of a plain `sqltest run`
# and of `sqltest run --base main` (base migrations + base seeds, the new migrations, the
# fresh-install comparison and the reversibility checks), best of 3, and their ratio.
#
#   bench/upgrade.sh [BACKEND=local]     (local needs PostgreSQL's server binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-local}
[ -n "${SQLTEST_BIN:-}" ] || cargo build --release --quiet
bin=${SQLTEST_BIN:-$PWD/target/release/sqltest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
mkdir -p "$repo/db/migrations" "$repo/db/seeds" "$repo/sqltest"
cd "$repo"
git init -q -b main
cat > sqltest.yaml <<YAML
engine: postgres
migrations: db/migrations
seeds: [db/seeds/*.sql]
YAML
for i in $(seq -w 1 100); do
  cat > "db/migrations/20240101000${i}_t${i}.up.sql" <<SQL
create table t$i (id bigint primary key, customer_id int not null, note text, created_at timestamptz not null default now());
create index t${i}_customer on t$i (customer_id);
SQL
  echo "drop table t$i;" > "db/migrations/20240101000${i}_t${i}.down.sql"
done
cat > db/seeds/orders.sql <<'SQL'
insert into t001 (id, customer_id, note) select g, g % 1000, 'n' || g from generate_series(1, 100000) g;
SQL
cat > sqltest/t.yaml <<'YAML'
tests:
  - name: seeded rows are there
    sql: select count(*) as n from t001
    expect: {rows: [{n: 100000}]}
YAML
git add -A && git -c user.name=b -c user.email=b@x commit -qm base
git checkout -qb change
echo "alter table t001 add column region text not null default 'eu';" > db/migrations/20240201000001_region.up.sql
echo "alter table t001 drop column region;" > db/migrations/20240201000001_region.down.sql
echo "create index t001_note on t001 (note);" > db/migrations/20240201000002_note_idx.up.sql
echo "drop index t001_note;" > db/migrations/20240201000002_note_idx.down.sql
echo "create table audit (id bigserial primary key, at timestamptz default now());" > db/migrations/20240201000003_audit.up.sql
echo "drop table audit;" > db/migrations/20240201000003_audit.down.sql
git add -A && git -c user.name=b -c user.email=b@x commit -qm change

# Best of 3 wall times of `sqltest run` with the given flags; with EDIT=1 the newest migration
# gets a new comment before each run (a developer iterating on the change's migration).
best() {
  local best=999999
  for i in 1 2 3; do
    local t0 t1
    if [ "${EDIT:-0}" = 1 ]; then echo "-- edit $i $RANDOM" >> db/migrations/20240201000003_audit.up.sql; fi
    t0=$(date +%s.%N)
    XDG_CACHE_HOME=$work/cache "$bin" run "$repo" --backend "$backend" --color never "$@" > "$work/out.txt" 2>&1 || { tail -20 "$work/out.txt" >&2; exit 1; }
    t1=$(date +%s.%N)
    best=$(python3 -c "print(min($best, $t1 - $t0))")
  done
  echo "$best"
}
plain=$(best)
upgrade=$(best --base main)
# Warm: --reuse keeps the server and the templates; the first run of each fills the cache.
best --reuse > /dev/null
plain_warm=$(EDIT=1 best --reuse)
best --base main --reuse > /dev/null
upgrade_warm=$(EDIT=1 best --base main --reuse)
XDG_CACHE_HOME=$work/cache "$bin" clean > /dev/null
python3 - "$plain" "$upgrade" "$plain_warm" "$upgrade_warm" <<'PY'
import sys
p, u, pw, uw = map(float, sys.argv[1:])
print(f"cold, plain run:              {p:.3f} s  (100 migrations + 100,000 seed rows + 1 test)")
print(f"cold, run --base main:        {u:.3f} s  (upgrade path + fresh install + 3 up/down/up checks)")
print(f"cold ratio:                   {u / p:.2f} x  (target <= 1.3 x)")
print(f"warm, run --reuse:            {pw:.3f} s  (a new migration edited before each run)")
print(f"warm, run --base --reuse:     {uw:.3f} s  (base and fresh prefix from the cache)")
print(f"warm ratio:                   {uw / pw:.2f} x  (target <= 1.3 x)")
PY
