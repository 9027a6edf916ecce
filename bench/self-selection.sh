#!/usr/bin/env bash
# The random-exposure protocol on simulated self-selection worlds (Coat's shape: 290 users x 300
# items, 24 self-chosen and 16 uniformly random ratings per user), one fresh store per seed, through
# the same commands real Coat data goes through: simulate --self-selection, import --format coat,
# evaluate --protocol random-exposure --json. Prints each row's mean and standard deviation over the
# seeds; with a third argument, also writes that table into the Markdown file (e.g. docs/RESULTS.md),
# replacing the section it wrote before.
# Usage: bench/self-selection.sh [SEEDS (default "1 2 3 4 5")] [PROPENSITY (default naive-bayes)] [RESULTS.md]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
seeds="${1:-1 2 3 4 5}"
propensity="${2:-naive-bayes}"
results="${3:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for seed in $seeds; do
  "$here/causalrec" simulate --self-selection "$work/world-$seed" --seed "$seed" >&2
  "$here/causalrec" import --format coat --data-dir "$work/store-$seed" "$work/world-$seed" >&2
  "$here/causalrec" evaluate --protocol random-exposure --data-dir "$work/store-$seed" --seed "$seed" \
    --propensity-source "$propensity" --json 2> "$work/evaluate-$seed.log" > "$work/result-$seed.json"
done
python3 - "$work" "$results" $seeds <<'PY'
import datetime, json, os, re, statistics, sys
work, results, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
runs = [json.load(open(f"{work}/result-{s}.json")) for s in seeds]
rows = {}
for run in runs:
    for r in run["results"]:
        rows.setdefault((r["model"], r["objective"]), []).append(r["metrics"])
clipped = [run["propensity"]["clipped_share"] for run in runs]
d = runs[0]["dataset"]
source = runs[0]["propensity"]["source"]
lines = [f"Seeds {' '.join(seeds)}, mean ± sd over seeds; propensities {source}, clipped share "
         f"{min(clipped):.3f} to {max(clipped):.3f}; observed positive share {d['observed_positive_share']:.3f},"
         f" random test positive share {d['test_positive_share']:.3f} (seed {seeds[0]}); {d['set_aside_pairs']}"
         f" random pairs set aside (seed {seeds[0]}). Measured {datetime.date.today()} with"
         f" `bench/self-selection.sh \"{' '.join(seeds)}\" {source}`.", "",
         "| model | objective | AUC | NDCG@5 | Recall@5 |", "|---|---|---|---|---|"]
def cell(ms, k):
    v = [m[k] for m in ms]
    return f"{statistics.mean(v):.3f} ± {statistics.stdev(v) if len(v) > 1 else 0:.3f}"
for (model, objective), ms in rows.items():
    lines.append(f"| {model} | {objective} | {cell(ms, 'auc')} | {cell(ms, 'ndcg@5')} | {cell(ms, 'recall@5')} |")
table = "\n".join(lines) + "\n"
print(table, end="")
if results:
    key = f"self-selection world / {source}"
    section = (f"<!-- results:{key} -->\n### Simulated self-selection world, Coat's shape ({source} propensities)\n\n"
               + table + f"<!-- /results:{key} -->\n")
    text = open(results).read() if os.path.exists(results) else "# Results\n"
    pattern = re.compile(re.escape(f"<!-- results:{key} -->") + ".*?" + re.escape(f"<!-- /results:{key} -->") + "\n",
                         re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    open(results, "w").write(text)
PY
