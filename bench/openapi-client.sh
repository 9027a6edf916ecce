#!/usr/bin/env bash
# A client generated from the node's own API description, tried as a new user would: start a node
# on a fresh directory, generate a Python client from http://.../openapi.yaml with openapi-generator
# (the CLI jar, from Maven Central), then ingest, train and fetch recommendations through it.
# Needs: target/causalrec.jar (mvn -B -DskipTests package), python3 with pydantic 2, urllib3 and
# python-dateutil (what the generated client imports).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
version=7.25.0
jar="$HOME/.m2/repository/org/openapitools/openapi-generator-cli/$version/openapi-generator-cli-$version.jar"
[ -f "$jar" ] || mvn -B -q dependency:get -Dartifact="org.openapitools:openapi-generator-cli:$version"
work="$(mktemp -d)"
trap 'kill "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true; rm -rf "$work"' EXIT
CAUSALREC_TEXT_PROVIDER=off java -jar "$here/target/causalrec.jar" serve --data-dir "$work/data" --port 0 \
  > "$work/node.log" 2>&1 &
node=$!
for _ in $(seq 1 240); do
  url=$(sed -n 's/^CausalRec listening on //p' "$work/node.log")
  [ -n "$url" ] && break
  sleep 0.5
done
[ -n "$url" ] || { cat "$work/node.log"; exit 1; }
echo "node: $url"
curl -sf "$url/openapi.yaml" -o "$work/openapi.yaml"
java -jar "$jar" generate -i "$work/openapi.yaml" -g python -o "$work/client" --package-name causalrec_client \
  > "$work/generate.log" 2>&1 || { cat "$work/generate.log"; exit 1; }
echo "client generated: $(ls "$work/client/causalrec_client/api" | grep -c '_api.py') API classes,"\
  "$(ls "$work/client/causalrec_client/models" | grep -c '.py$') model files"
python3 "$here/bench/openapi_client_try.py" "$url" "$work/client"
