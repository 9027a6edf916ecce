#!/usr/bin/env python3
"""An Open Bandit Dataset-shaped click log from a world whose truth is known, and a candidate policy file.

Usage: bench/obd_world.py OUT_DIR [SLATES]   (writes OUT_DIR/obd.csv and OUT_DIR/candidate.csv)

20 items, slates of 3 positions drawn by Plackett-Luce sampling without replacement. A click on
item i at position p happens with probability attractiveness_i x examination_p (the position-based
click model). The logging policy favours the least attractive items, the candidate the most
attractive ones; each row's propensity_score is the logging policy's exact P(item at that
position), the candidate file holds the candidate's exact per-position probabilities. Prints the
candidate's and the logging policy's true clicks per impression, the numbers
`causalrec evaluate --ope --policy-file OUT_DIR/candidate.csv --reward click` should recover.
"""
import datetime
import itertools
import math
import random
import sys

ITEMS, POSITIONS = 20, 3
ATTRACTIVENESS = [0.8 * math.exp(-i / 6) for i in range(ITEMS)]
EXAMINATION = [1.0, 0.5, 0.25]
LOGGING = [1.0 + 0.15 * i for i in range(ITEMS)]
CANDIDATE = [math.exp(-i / 4) for i in range(ITEMS)]


def marginals(weights):
    """P(item i at position p) of Plackett-Luce slates with these weights, by enumerating every slate."""
    m = [[0.0] * POSITIONS for _ in range(ITEMS)]
    for slate in itertools.permutations(range(ITEMS), POSITIONS):
        prob, left = 1.0, sum(weights)
        for i in slate:
            prob *= weights[i] / left
            left -= weights[i]
        for p, i in enumerate(slate):
            m[i][p] += prob
    return m


def value(m):
    """True clicks per impression of a policy with per-position probabilities m."""
    return sum(m[i][p] * ATTRACTIVENESS[i] * EXAMINATION[p]
               for i in range(ITEMS) for p in range(POSITIONS)) / POSITIONS


def main():
    out = sys.argv[1]
    slates = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    rng = random.Random(1)
    b, e = marginals(LOGGING), marginals(CANDIDATE)
    start = datetime.datetime(2019, 11, 24, tzinfo=datetime.timezone.utc)
    with open(out + "/obd.csv", "w") as f:
        f.write(",timestamp,item_id,position,click,propensity_score,user_feature_0,user_feature_1,"
                "user-item_affinity_0\n")
        row = 0
        for s in range(slates):
            used, slate = set(), []
            for _ in range(POSITIONS):
                left = [i for i in range(ITEMS) if i not in used]
                i = rng.choices(left, [LOGGING[j] for j in left])[0]
                used.add(i)
                slate.append(i)
            ts = (start + datetime.timedelta(hours=s)).strftime("%Y-%m-%d %H:%M:%S.000000+00:00")
            for p, i in enumerate(slate):
                click = 1 if rng.random() < ATTRACTIVENESS[i] * EXAMINATION[p] else 0
                f.write("%d,%s,%d,%d,%d,%.12f,u%d,v%d,0.0\n" % (row, ts, i, p + 1, click, b[i][p], s % 101, s % 7))
                row += 1
    with open(out + "/candidate.csv", "w") as f:
        f.write("item_id,position,probability\n")
        for i in range(ITEMS):
            for p in range(POSITIONS):
                f.write("obd-i%d,%d,%.17g\n" % (i, p + 1, e[i][p]))
    print("candidate: %.5f clicks per impression; logging policy: %.5f" % (value(e), value(b)))


if __name__ == "__main__":
    main()
