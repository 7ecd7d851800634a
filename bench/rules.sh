#!/usr/bin/env bash
# Benchmark for business rules (issue 3, "Performance"). Loads a 10,000,000-row table (no
# constraints, so no check is skipped) and a 1,000-row parent table into a throwaway local
# PostgreSQL cluster, then prints, measured in this one run (median of 3 timings each):
#   - time(sqltest check) / time(one plain `select count(*)` of the table)        target <= 6
#   - time(sqltest check) / time(the same checks as one dbt-style query per check,
#     run one after another on one connection)                                   target <= 0.35
#   - peak RSS of sqltest while 1,000,000 rows violate a check (/usr/bin/time -v) target <= 100 MB
# The checks: not_null on three columns, unique on one, accepted_values, range, references.
#
#   bench/rules.sh [ROWS=10000000]
#
# Needs PostgreSQL server binaries (PG_BINDIR, default: newest /usr/lib/postgresql/*/bin),
# psql and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
pgbin=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}

cargo build --release --quiet --bin sqltest
runner=("${CARGO_TARGET_DIR:-target}/release/sqltest" check --color never --database-url)

work=$(mktemp -d)
chmod 755 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  as_pg "$pgbin/pg_ctl" -D "$work/data" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres "$work"
as_pg "$pgbin/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$pgbin/pg_ctl" -D "$work/data" -l "$work/server.log" -w start -o "-p $port -k $work \
  -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=1h" >/dev/null
url="postgres://postgres@127.0.0.1:$port/bench?sslmode=disable"
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
"${psql[@]}" -d postgres -c "create database bench"

echo "loading $rows rows…" >&2
"${psql[@]}" -d bench -v rows="$rows" <<'SQL'
create table parents (id int, name text);
insert into parents select g, 'parent ' || g from generate_series(1, 1000) g;
-- a, b, c, id, status, amount, parent_id are clean (the timed checks pass);
-- d, e, orphan_id each have 1,000,000 violating rows per 10,000,000 (the memory run).
create table big (
  id bigint, a int, b text, c date, status text, amount numeric(12, 2), parent_id int,
  d int, e bigint, orphan_id int
);
insert into big
select g, g % 1000, 'b' || (g % 100), date '2024-01-01' + (g % 365)::int,
       (array['new', 'paid', 'shipped', 'cancelled'])[1 + g % 4],
       (g % 100000)::numeric(12, 2), 1 + g % 1000,
       case when g % 10 = 0 then null else g end,
       case when g % 10 = 0 then 0 else g end,
       case when g % 10 = 0 then 1000000 + g else 1 + g % 1000 end
from generate_series(1, :rows) g;
-- Set hint bits and the visibility map now, so no timed read pays for them.
vacuum (analyze) parents, big;
SQL

mkdir -p "$work/clean/sqltest" "$work/violating/sqltest"
for p in clean violating; do
  printf 'engine: postgres\ntimeout: 1h\njobs: 2\n' > "$work/$p/sqltest.yaml"
done
cat > "$work/clean/sqltest/rules.yaml" <<'YAML'
rules:
  - table: big
    checks:
      - not_null: [a, b, c]
      - unique: [id]
      - accepted_values: {column: status, values: [new, paid, shipped, cancelled]}
      - range: {column: amount, min: 0, max: 100000}
      - references: {column: parent_id, to: parents.id}
YAML
cat > "$work/violating/sqltest/rules.yaml" <<'YAML'
rules:
  - table: big
    checks:
      - not_null: [d]
      - unique: [e]
      - references: {column: orphan_id, to: parents.id}
YAML
# What dbt (1.x) generates for the same tests (not_null, unique, accepted_values,
# dbt_utils.accepted_range, relationships), each wrapped by dbt's test materialization.
wrap() { printf 'select count(*) as failures, count(*) <> 0 as should_warn, count(*) <> 0 as should_error from (\n%s\n) dbt_internal_test;\n' "$1"; }
{
  for col in a b c; do wrap "select $col from big where $col is null"; done
  wrap "select id as unique_field, count(*) as n_records from big where id is not null group by id having count(*) > 1"
  wrap "with all_values as (select status as value_field, count(*) as n_records from big group by status)
select * from all_values where value_field not in ('new', 'paid', 'shipped', 'cancelled')"
  wrap "with meet_condition as (select * from big where 1 = 1),
validation_errors as (select * from meet_condition where 1 = 2 or not (amount >= 0) or not (amount <= 100000))
select * from validation_errors"
  wrap "with child as (select parent_id as from_field from big where parent_id is not null),
parent as (select id as to_field from parents)
select from_field from child left join parent on child.from_field = parent.to_field where parent.to_field is null"
} > "$work/dbt.sql"

now() { date +%s.%N; }
# Median wall time of three runs of a command (its output discarded).
timed() {
  local t=()
  for _ in 1 2 3; do
    local t0 t1
    t0=$(now)
    "$@" >/dev/null || [ $? -le 1 ]
    t1=$(now)
    t+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
}

"${psql[@]}" -d bench -c "select count(*) from big" >/dev/null   # warm the cache
echo "checks (one run, for the record):" >&2
"${runner[@]}" "$url" "$work/clean" >&2
t_count=$(timed "${psql[@]}" -d bench -c "select count(*) from big")
t_sqltest=$(timed "${runner[@]}" "$url" "$work/clean")
t_dbt=$(timed "${psql[@]}" -d bench -f "$work/dbt.sql")
"${runner[@]}" "$url" "$work/violating" >"$work/violating.out" 2>&1 || true
/usr/bin/time -v -o "$work/time.txt" "${runner[@]}" "$url" "$work/violating" >/dev/null 2>&1 || true
rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
sed 's/^/  /' "$work/violating.out" >&2

echo
echo "rules benchmark: $rows rows, PostgreSQL $("$pgbin/postgres" --version | awk '{ print $3 }'), $(nproc) cores"
awk -v c="$t_count" -v s="$t_sqltest" -v d="$t_dbt" -v r="$rss_kb" 'BEGIN {
  printf "  select count(*)                       %8.3f s\n", c
  printf "  sqltest check (7 checks)              %8.3f s\n", s
  printf "  dbt-style, 7 queries one after another %7.3f s\n", d
  printf "  sqltest / count(*)                    %8.2f   (target <= 6)\n", s / c
  printf "  sqltest / dbt-style                   %8.2f   (target <= 0.35)\n", s / d
  printf "  peak RSS, 1,000,000 violating rows    %8.1f MB (target <= 100 MB)\n", r / 1024
}'
