#!/usr/bin/env bash
# Drives the management API with schemathesis (an independent client generating requests from our
# OpenAPI document): no request may get a 5xx, every status and body must match the document.
# Usage: scripts/api-fuzz.sh [path/to/roster]   (default: builds the debug binary)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore schemathesis >/dev/null 2>&1 \
  || { echo "cannot install schemathesis from PyPI" >&2; exit 1; }
roster="${1:-}"
if [ -z "$roster" ]; then
  cargo build --quiet -p roster-server
  roster="${CARGO_TARGET_DIR:-target}/debug/roster"
fi
roster="$(realpath "$roster")"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
(cd "$work" && exec "$roster" serve --listen "127.0.0.1:$port" >"$work/out.txt" 2>"$work/err.txt") &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do grep -q 'rk_' "$work/out.txt" 2>/dev/null && break; sleep 0.2; done
key="$(grep -o 'rk_[A-Za-z0-9_-]*' "$work/out.txt" | head -1)"
[ -n "$key" ] || { echo "roster did not start:"; cat "$work/err.txt"; exit 1; }
# positive_data_acceptance is left out: the API is deliberately stricter than JSON Schema can say
# (e.g. no control characters in names) and answers those with 422.
schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  -H "Authorization: Bearer $key" \
  --checks all --exclude-checks positive_data_acceptance \
  --phases examples,coverage,fuzzing --max-examples 60 \
  --seed 20261123 --generation-deterministic
