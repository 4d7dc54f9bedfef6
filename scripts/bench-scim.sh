#!/usr/bin/env bash
# SCIM ingress benchmark (issue 5): builds the roster server and the harness with the
# `release-fast` profile (release without LTO: minutes instead of ~12 on 2 cores), then runs
# crates/bench/src/bin/scim.rs, which starts the real `roster` binary per engine, loads it over
# HTTP and runs pgbench as the PostgreSQL ceiling. Progress on stderr, the Markdown report on
# stdout (also saved to $CARGO_TARGET_DIR/bench-scim.md).
#
# Usage: scripts/bench-scim.sh [harness flags...]   e.g. --duration 10 --engines postgres
# Needs: PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth; override with --postgres),
# psql, pgbench and sqlite3 on PATH (pgbench falls back to /usr/lib/postgresql/*/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-bench}"
profile="${BENCH_PROFILE:-release-fast}"
cargo build --profile "$profile" -p roster-server -p roster-bench --bin roster --bin scim >&2
pgbench_bin="$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1)"
[ -n "$pgbench_bin" ] || { echo "pgbench not found" >&2; exit 1; }
out="$CARGO_TARGET_DIR/bench-scim.md"
"$CARGO_TARGET_DIR/$profile/scim" --roster "$CARGO_TARGET_DIR/$profile/roster" \
  --pgbench "$pgbench_bin" --pgbench-scripts crates/bench/pgbench "$@" | tee "$out"
echo "report saved to $out" >&2
