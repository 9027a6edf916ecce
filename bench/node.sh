# Sourced by the bench scripts: start CausalRec nodes from target/causalrec.jar and wait for them.
#   start_node LOG [SERVE ARGS...]  runs `serve ARGS...` in the background, its output in LOG (text
#                                   features off unless CAUSALREC_TEXT_PROVIDER says otherwise); adds
#                                   its pid to NODE_PIDS and sets NODE_URL once it listens
#   stop_nodes                      stops every node started so far and waits for them
NODE_PIDS=()
bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start_node() {
  local log=$1
  shift
  CAUSALREC_TEXT_PROVIDER=${CAUSALREC_TEXT_PROVIDER:-off} java -jar "$bench_root/target/causalrec.jar" serve "$@" \
    > "$log" 2>&1 &
  NODE_PIDS+=("$!")
  NODE_URL=
  for _ in $(seq 1 240); do
    NODE_URL=$(sed -n 's/^CausalRec listening on //p' "$log")
    [ -n "$NODE_URL" ] && return 0
    sleep 0.5
  done
  cat "$log"
  return 1
}
stop_nodes() {
  [ ${#NODE_PIDS[@]} -eq 0 ] && return 0
  kill "${NODE_PIDS[@]}" 2>/dev/null || true
  wait "${NODE_PIDS[@]}" 2>/dev/null || true
}
