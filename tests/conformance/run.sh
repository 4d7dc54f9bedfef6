#!/usr/bin/env bash
# SCIM 2.0 conformance: runs the independent checker scim2-tester (PyPI) against Roster's SCIM
# ingress. See tests/conformance/README.md.
#
# Default: builds `roster`, starts it on a free 127.0.0.1 port with a throw-away SQLite data dir,
# creates an API key, an organization and a `generic` directory, runs scim2-tester against the
# directory's scim_base_url with its bearer token, stops the server, exits 1 if any check failed.
#
# Usage: tests/conformance/run.sh [options] [-- extra check.py options]
#   --url URL --token TOKEN   test an already-running SCIM endpoint instead (nothing is started);
#                             also ROSTER_CONFORMANCE_URL / ROSTER_CONFORMANCE_TOKEN
#   --roster PATH             use this roster binary (also ROSTER_BIN); default: cargo build
#   --report-dir DIR          default: ${CARGO_TARGET_DIR:-target}/conformance
#   --include-tags T,..  --exclude-tags T,..  --resource-types User,Group  --verbose
#   --keep                    keep the data dir and server log (printed at the end)
# Environment: ROSTER_CONFORMANCE_VENV (default ~/.cache/roster-conformance-venv), PYTHON (python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

url="${ROSTER_CONFORMANCE_URL:-}"
token="${ROSTER_CONFORMANCE_TOKEN:-}"
roster="${ROSTER_BIN:-}"
report_dir=""
keep=0
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --token) token="$2"; shift 2 ;;
    --roster) roster="$2"; shift 2 ;;
    --report-dir) report_dir="$2"; shift 2 ;;
    --include-tags|--exclude-tags|--resource-types|--unknown-attributes|--timeout)
      pass+=("$1" "$2"); shift 2 ;;
    --verbose|-v|--fail-on-deviation) pass+=("$1"); shift ;;
    --keep) keep=1; shift ;;
    --) shift; pass+=("$@"); break ;;
    -h|--help) awk 'NR>1 && !/^#/ {exit} NR>1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$url" ] && [ -z "$token" ]; then echo "run.sh: --url needs --token" >&2; exit 2; fi
report_dir="${report_dir:-${CARGO_TARGET_DIR:-$repo/target}/conformance}"
mkdir -p "$report_dir"
report_dir="$(cd "$report_dir" && pwd)"

say() { printf '==> %s\n' "$*" >&2; }
t_start=$(date +%s)

# ---- 1. the virtualenv with the pinned tester (reinstalled only when requirements.txt changes)
venv="${ROSTER_CONFORMANCE_VENV:-$HOME/.cache/roster-conformance-venv}"
py="$venv/bin/python"
stamp="$venv/.requirements.sha256"
want="$( (cat "$here/requirements.txt"; "${PYTHON:-python3}" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [ ! -x "$py" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "virtualenv $venv (scim2-tester, pinned in tests/conformance/requirements.txt)"
  rm -rf "$venv"
  "${PYTHON:-python3}" -m venv "$venv" \
    || { echo "run.sh: '${PYTHON:-python3} -m venv' failed (Debian: apt-get install python3-venv)" >&2; exit 2; }
  "$py" -m pip install --quiet --disable-pip-version-check --no-input -r "$here/requirements.txt" \
    || { echo "run.sh: cannot install scim2-tester from PyPI" >&2; exit 2; }
  echo "$want" > "$stamp"
fi

# ---- 2. a server, unless one was given
server=""
work=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [ -n "$work" ]; then
    if [ "$keep" = 1 ]; then echo "run.sh: kept $work (data/, server.log)" >&2; else rm -rf "$work"; fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$url" ]; then
  if [ -z "$roster" ]; then
    say "cargo build -p roster-server"
    cargo build --quiet -p roster-server || { echo "run.sh: cargo build failed" >&2; exit 2; }
    roster="${CARGO_TARGET_DIR:-$repo/target}/debug/roster"
  fi
  roster="$(realpath "$roster")"
  [ -x "$roster" ] || { echo "run.sh: $roster is not an executable" >&2; exit 2; }
  work="$(mktemp -d "${TMPDIR:-/tmp}/roster-conformance.XXXXXX")"
  data="$work/data"
  port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  base="http://127.0.0.1:$port"
  # Settings come only from here: no roster.toml, no ROSTER_* from the caller's shell.
  for v in $(env | sed -n 's/^\(ROSTER_[A-Z0-9_]*\)=.*/\1/p'); do
    case "$v" in ROSTER_CONFORMANCE_*|ROSTER_BIN) ;; *) unset "$v" ;; esac
  done
  export ROSTER_PUBLIC_URL="$base" ROSTER_LOG_FORMAT=text
  key="$(cd "$work" && "$roster" api-key create --name conformance --data-dir "$data" 2>"$work/api-key.err")" \
    || { cat "$work/api-key.err" >&2; exit 2; }
  say "roster serve on $base (data dir $data)"
  (cd "$work" && exec "$roster" serve --listen "127.0.0.1:$port" --data-dir "$data" \
      >"$work/server.log" 2>&1) &
  server=$!
  up=0
  for _ in $(seq 1 100); do
    if "$py" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "$base/api/v1/openapi.json" >/dev/null 2>&1; then up=1; break; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.2
  done
  [ "$up" = 1 ] || { echo "run.sh: roster did not start; its log:" >&2; cat "$work/server.log" >&2; exit 2; }

  # Management API: an organization and a generic directory; the answer holds the SCIM URL and token.
  read -r url token < <("$py" - "$base" "$key" <<'EOF'
import json, sys, urllib.request
base, key = sys.argv[1], sys.argv[2]
def post(path, body):
    req = urllib.request.Request(base + "/api/v1" + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)
org = post("/organizations", {"name": "Conformance"})
d = post(f"/organizations/{org['id']}/directories", {"name": "scim2-tester", "provider": "generic"})
print(d["directory"]["scim_base_url"], d["token"])
EOF
  ) || { echo "run.sh: could not create the organization/directory; server log:" >&2; cat "$work/server.log" >&2; exit 2; }
  [ -n "$url" ] && [ -n "$token" ] || { echo "run.sh: no scim_base_url/token from the management API" >&2; exit 2; }
fi

# ---- 3. the tester
say "scim2-tester against $url (reports in $report_dir)"
set +e
"$py" "$here/check.py" --url "$url" --token "$token" --report-dir "$report_dir" ${pass[@]+"${pass[@]}"}
rc=$?
set -e
if [ -n "$work" ] && [ -f "$work/server.log" ]; then cp "$work/server.log" "$report_dir/server.log"; fi
say "done in $(( $(date +%s) - t_start ))s: exit $rc (report $report_dir/report.json, HTTP log $report_dir/http.log)"
exit "$rc"
