#!/usr/bin/env bash
# The GPU check, for one GPU host without network (e.g. one NVIDIA H200, 16 cores): builds the
# jar with the gpu profile from the local Maven repository, starts a node and checks that DJL
# loaded the CUDA libtorch and chose the GPU, then measures on the ML-20M-shaped world (136,000
# users x 20,000 items, simulated in memory on all cores, no database): three Mult-VAE epochs over
# every user (seconds per epoch, users/s, the VAE step against the raw matmul rate of the same
# shapes), click-MLP examples/s, and cached and uncached recommendations. Exits non-zero as soon
# as the GPU is not what ran. Budget: under 10 minutes; each stage prints its wall time.
# Usage: bench/gpu-check.sh [WORK_DIR (default /tmp/causalrec-gpu-check)]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/causalrec-gpu-check}"
port=18090
export DJL_OFFLINE=true OPT_OUT_TRACKING=true DJL_CACHE_DIR="$work/djl" CAUSALREC_DEVICE=gpu
mkdir -p "$work"
stage() { echo; echo "== $1 ($(date -u +%H:%M:%S))"; }
t0=$(date +%s)

stage "build with -Pgpu from the local repository"
(cd "$here" && mvn -B -q -o -Pgpu -DskipTests package)
jar="$here/target/causalrec.jar"
ls "$here/target/native/"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

stage "start a node and read what it loaded"
java -jar "$jar" serve --data-dir "$work/serve" --port "$port" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  curl -fs "localhost:$port/health/ready" > "$work/ready.json" 2>/dev/null && break
  if ! kill -0 "$server" 2>/dev/null; then tail -20 "$work/serve.log"; echo "the node did not start"; exit 1; fi
  sleep 0.5
done
python3 - "$work/ready.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["device"]
print("device:", d)
if d.get("flavor", "").startswith("cu") and d.get("device", "").startswith("gpu") and d.get("cuda"):
    sys.exit(0)
print("FAILED: the node did not load the CUDA libtorch on the GPU")
sys.exit(1)
PY
kill $server; wait $server 2>/dev/null || true
trap - EXIT

stage "the ML-20M-shaped world: three Mult-VAE epochs over every user, the click MLP on 1,000,000 impressions"
java -jar "$jar" bench train --world ml20m --vae-users 136000 --vae-epochs 3 --click-impressions 1000000 \
  | grep -v " DEBUG \| INFO " | tee "$work/train.txt"
grep -q "on gpu" "$work/train.txt" || { echo "FAILED: training did not run on the GPU"; exit 1; }

stage "recommendations: cached, after each user's event, while a model trains (small world)"
java -jar "$jar" bench recommendations --seconds 8 | grep -v " INFO \| WARN " | tail -25

echo
echo "gpu-check passed in $(( $(date +%s) - t0 )) s"
