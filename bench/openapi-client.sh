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
source "$here/bench/node.sh"
trap 'stop_nodes; rm -rf "$work"' EXIT
start_node "$work/node.log" --data-dir "$work/data" --port 0
url=$NODE_URL
echo "node: $url"
curl -sf "$url/openapi.yaml" -o "$work/openapi.yaml"
java -jar "$jar" generate -i "$work/openapi.yaml" -g python -o "$work/client" --package-name causalrec_client \
  > "$work/generate.log" 2>&1 || { cat "$work/generate.log"; exit 1; }
echo "client generated: $(ls "$work/client/causalrec_client/api" | grep -c '_api.py') API classes,"\
  "$(ls "$work/client/causalrec_client/models" | grep -c '.py$') model files"
python3 "$here/bench/openapi_client_try.py" "$url" "$work/client"
