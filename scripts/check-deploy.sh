#!/usr/bin/env bash
# Static checks of deploy/ (no container engine or cluster runs on CI machines):
# - every YAML file parses;
# - deploy/docker-compose.yml validates against the Compose specification schema (vendored in
#   check-jsonschema);
# - deploy/kubernetes/*.yaml validate, strictly (no unknown fields), against the Kubernetes
#   schemas bundled in kubernetes-validate (kustomization.yaml has no such schema: parsed only);
# - deploy/Dockerfile has its two stages, a non-root USER and no `latest` base image.
# Tools come from PyPI into a venv under the cache folder. What is not checked: that the image
# builds and the stack runs (needs Docker), that the manifests apply (needs a cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${XDG_CACHE_HOME:-$HOME/.cache}/roster-deploy-check"
if [ ! -x "$venv/bin/kubernetes-validate" ] || [ ! -x "$venv/bin/check-jsonschema" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "kubernetes-validate==1.37.0" "check-jsonschema==0.39.0" "PyYAML==6.0.3"
fi
fail=0
echo "==> YAML parses"
"$venv/bin/python" - deploy/docker-compose.yml deploy/kubernetes/*.yaml <<'PY' || fail=1
import sys, yaml
bad = 0
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            list(yaml.safe_load_all(f))
        print(f"ok   {path}")
    except Exception as e:
        print(f"FAIL {path}: {e}")
        bad = 1
sys.exit(bad)
PY
echo "==> docker-compose.yml against the Compose specification"
"$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/docker-compose.yml || fail=1
echo "==> Kubernetes manifests (strict)"
for manifest in deploy/kubernetes/*.yaml; do
  [ "$(basename "$manifest")" = kustomization.yaml ] && continue
  "$venv/bin/kubernetes-validate" --strict --quiet "$manifest" && echo "ok   $manifest" || { echo "FAIL $manifest"; fail=1; }
done
echo "==> kustomization lists every manifest"
for manifest in deploy/kubernetes/*.yaml; do
  name="$(basename "$manifest")"
  [ "$name" = kustomization.yaml ] && continue
  grep -q -- "- $name" deploy/kubernetes/kustomization.yaml || { echo "FAIL $name is not in kustomization.yaml"; fail=1; }
done
echo "==> Dockerfile"
[ "$(grep -c '^FROM ' deploy/Dockerfile)" -ge 2 ] || { echo "FAIL: not a multi-stage build"; fail=1; }
grep -q '^USER ' deploy/Dockerfile || { echo "FAIL: no non-root USER"; fail=1; }
if grep -E '^FROM [^ ]+:latest' deploy/Dockerfile; then echo "FAIL: unpinned base image"; fail=1; fi
[ "$fail" = 0 ] && echo "deploy/ checks passed (not run: docker build, docker compose up, kubectl apply)"
exit "$fail"
