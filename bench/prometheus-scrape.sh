#!/usr/bin/env bash
# A real Prometheus scraping a node under load: starts a node on a fresh directory, writes the tiny
# world into it over HTTP (simulate --url) while Prometheus scrapes /metrics every second, then asks
# Prometheus what it stored. Also runs promtool's checker on one scrape.
# Needs: target/causalrec.jar, Debian's prometheus package (prometheus and promtool).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
source "$here/bench/node.sh"
trap 'stop_nodes; kill "${prom:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
start_node "$work/node.log" --data-dir "$work/data" --port 0
url=$NODE_URL
target=${url#http://}
cat > "$work/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: causalrec
    static_configs: [{targets: ["$target"]}]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address=127.0.0.1:19090 > "$work/prometheus.log" 2>&1 &
prom=$!
sleep 3
curl -sf "$url/metrics" > "$work/scrape.txt"
echo "promtool check metrics on one scrape ($(wc -l < "$work/scrape.txt") lines):"
promtool check metrics < "$work/scrape.txt" || true
java -jar "$here/target/causalrec.jar" simulate --size tiny --url "$url" --data-dir "$work/sim" > "$work/sim.log" 2>&1
curl -s "$url/v1/popular?n=3" > /dev/null
for u in $(seq 1 200); do curl -s "$url/v1/users/u$u/recommendations?n=5" > /dev/null; done
sleep 4
q() { curl -sf "http://127.0.0.1:19090/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(len(r), "series;", ", ".join(sorted({json.dumps(x["metric"].get("route") or x["metric"].get("__name__", ""))
                                          + "=" + x["value"][1] for x in r})[:6]))'; }
echo "scrape target health:"; q 'up{job="causalrec"}'
echo "series stored from the node:"; q 'count({job="causalrec"})'
echo "events accepted (counter):"; q 'causalrec_ingest_events_accepted_total'
echo "events delivered by the stream (counter):"; q 'causalrec_stream_events_delivered_total'
echo "HTTP requests per route (counter):"; q 'sum by (route) (vertx_http_server_requests_total)'
echo "recommendation p99 latency over 30 s:"; q 'histogram_quantile(0.99, sum by (le) (rate(vertx_http_server_response_time_seconds_bucket{route="/v1/users/:id/recommendations"}[30s])))'
echo "scrape failures: $(grep -c 'level=warn.*scrape' "$work/prometheus.log" || true)"
