#!/usr/bin/env bash
# Benchmark for the unit-test runner: generates a project with N unit tests (each inserting
# two or three rows and checking a query), runs it against a local PostgreSQL cluster and
# prints the time from "database ready" to "last test done" divided by the number of tests,
# plus the time of migrations + template + clones.
#
#   bench/unit-tests.sh [N=1000] [JOBS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
jobs=${2:-2}
cargo build --release --quiet
bin=target/release/sqltest
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/db/migrations" "$work/sqltest"
cat > "$work/sqltest.yaml" <<YAML
engine: postgres
migrations: db/migrations
YAML
cat > "$work/db/migrations/0001_schema.sql" <<'SQL'
create table accounts (id int primary key, owner text not null, balance numeric(12,2) not null default 0);
create table transfers (
  id bigserial primary key,
  from_id int not null references accounts(id),
  to_id int not null references accounts(id),
  amount numeric(12,2) not null check (amount > 0)
);
create view balances as
  select a.id, a.balance
         - coalesce((select sum(amount) from transfers t where t.from_id = a.id), 0)
         + coalesce((select sum(amount) from transfers t where t.to_id = a.id), 0) as balance
  from accounts a;
SQL
python3 - "$n" "$work/sqltest" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
per_file = 100
for f in range((n + per_file - 1) // per_file):
    lines = ["tests:"]
    for i in range(f * per_file, min(n, (f + 1) * per_file)):
        a, b = 2 * i + 1, 2 * i + 2
        amt = (i % 50) + 1
        lines += [
            f"  - name: transfer {i} moves money",
            "    given:",
            "      accounts:",
            f"        - {{id: {a}, owner: a{i}, balance: 100}}",
            f"        - {{id: {b}, owner: b{i}, balance: 0}}",
            "      transfers:",
            f"        - {{from_id: {a}, to_id: {b}, amount: {amt}}}",
            f"    sql: select id, balance from balances where id in ({a}, {b})",
            "    expect:",
            "      rows:",
            f"        - {{id: {a}, balance: {100 - amt}}}",
            f"        - {{id: {b}, balance: {amt}}}",
        ]
    open(f"{out}/bench_{f:03d}.yaml", "w").write("\n".join(lines) + "\n")
PY
"$bin" run "$work" --backend local --jobs "$jobs" --color never --report json="$work/results.json" > "$work/out.txt" || {
  tail -30 "$work/out.txt"; exit 1; }
python3 - "$work/results.json" "$jobs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["timings"]
tests = len(r["tests"])
passed = sum(1 for x in r["tests"] if x["status"] == "passed")
print(f"tests: {tests} ({passed} passed), jobs: {sys.argv[2]}")
print(f"provision (local cluster start): {t['provision_secs']:.3f} s")
print(f"migrations + template: {t['prepare_secs']:.3f} s; worker clones: {t['clone_secs']:.3f} s")
print(f"database ready -> last test done: {t['tests_secs']:.3f} s")
print(f"per test: {1000 * t['tests_secs'] / max(tests, 1):.3f} ms  (target <= 2 ms with --jobs 2)")
PY
