#!/usr/bin/env bash
# Latency and throughput of GET /v1/users/{id}/recommendations under concurrent load from wrk
# (Debian package `wrk`) on loopback, against a store that already serves a model (e.g. the
# demo's). Usage: bench/recommendations.sh DATA_DIR [CONNECTIONS] [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:?usage: bench/recommendations.sh DATA_DIR [CONNECTIONS] [SECONDS]}"
conns="${2:-32}"
secs="${3:-20}"
port=18080
command -v wrk >/dev/null || { echo "install wrk first: apt-get install wrk" >&2; exit 2; }
"$here/causalrec" serve --data-dir "$data" --port "$port" > /tmp/causalrec-bench-serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "localhost:$port/health/ready" > /dev/null 2>&1 && break
  sleep 0.5
done
version=$(curl -fs "localhost:$port/health/ready" | python3 -c 'import json,sys; print(json.load(sys.stdin)["model"]["version"])')
echo "serving model: $version; wrk -c$conns -d${secs}s, random users of 2,000, n=10"
threads=$(( conns < 2 ? 1 : 2 ))
wrk -t"$threads" -c"$conns" -d5s -s "$here/bench/recommend.lua" "http://localhost:$port" > /dev/null   # warm-up
wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$here/bench/recommend.lua" "http://localhost:$port"
curl -fs "localhost:$port/health/ready" | python3 -c 'import json,sys; m=json.load(sys.stdin)["model"]; print("forward passes:", m["forward_passes"], "histories scored:", m["histories_scored"], "-> %.1f users per pass" % (m["histories_scored"]/max(1,m["forward_passes"])))'
