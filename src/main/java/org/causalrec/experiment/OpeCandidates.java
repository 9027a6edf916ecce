package org.causalrec.experiment;

import java.util.Arrays;
import java.util.Map;
import org.causalrec.causal.PolicyFile;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.model.CfModel;

/**
 * The candidate policies of position-aware off-policy evaluation: a policy file's table, or a
 * collaborative model's ranking of each user's items (its fold-in scores of the user's history
 * before the impression), either deterministic (the item ranked p-th at position p) or a softmax
 * over the scores at a temperature (the same item distribution at every position).
 */
final class OpeCandidates {

  private OpeCandidates() {}

  /**
   * The file's distribution at each logged impression's position (positions in the file count from
   * 1, in the log from 0). Refuses a log position or a user the file gives no probabilities for.
   */
  static PositionOpe.Candidate file(PolicyFile policy, Impressions log, int[] rows, PositionOpe.Items items) {
    int n = log.size();
    PositionOpe.Slot[] slots = new PositionOpe.Slot[n];
    Map<String, PositionOpe.Slot> cache = new java.util.HashMap<>();
    for (int row : rows) {
      String user = log.users().ids().get(log.user()[row]);
      int position = log.position()[row] + 1;
      String key = (policy.perUser() ? user : "") + "\u0000" + position;
      slots[row] = cache.computeIfAbsent(key, k -> {
        Map<String, Double> dist = policy.at(user, position);
        if (dist == null) {
          throw new IllegalArgumentException(policy.perUser()
              ? "the policy file has no probabilities for user " + user + " at position " + position
                  + ", which the log shows them"
              : "the policy file has no probabilities for position " + position + ", which the log shows");
        }
        int[] is = new int[dist.size()];
        double[] ps = new double[dist.size()];
        int j = 0;
        for (Map.Entry<String, Double> e : dist.entrySet()) {
          is[j] = items.of(e.getKey());
          ps[j++] = e.getValue();
        }
        return new PositionOpe.Slot(is, ps);
      });
    }
    return row -> slots[row];
  }

  /**
   * {@code model} (over {@code modelItems}) as a ranking policy: at temperature 0 the item it ranks
   * p-th goes to position p, otherwise each position draws from the softmax of scores / temperature.
   */
  static PositionOpe.Candidate model(CfModel model, IdIndex modelItems, Impressions log, int[] rows,
      PositionOpe.Items items, double temperature) {
    int m = modelItems.size();
    int[] toSpace = new int[m];
    for (int j = 0; j < m; j++) {
      toSpace[j] = items.of(modelItems.ids().get(j));
    }
    int[] toModel = log.items().indexesIn(modelItems);
    int positions = 0;
    for (int row : rows) {
      positions = Math.max(positions, log.position()[row] + 1);
    }
    int depth = positions;
    Integer[] order = Arrays.stream(rows).boxed().toArray(Integer[]::new);
    Arrays.sort(order, (a, b) -> log.user()[a] != log.user()[b] ? Integer.compare(log.user()[a], log.user()[b])
        : Long.compare(log.time()[a], log.time()[b]));
    PositionOpe.Slot[][] perRow = new PositionOpe.Slot[log.size()][];
    long lastKey = -1;
    PositionOpe.Slot[] last = null;
    for (int row : order) {
      int user = log.user()[row];
      int end = Impressions.firstAtOrAfter(log.historyTime()[user], log.time()[row]);
      long key = ((long) user << 32) | end;
      if (key != lastKey) {
        float[] scores = OpeRun.scoresBefore(model, m, toModel, log, user, log.time()[row]);
        last = temperature == 0 ? ranked(scores, toSpace, depth) : softmax(scores, toSpace, temperature, depth);
        lastKey = key;
      }
      perRow[row] = last;
    }
    return row -> perRow[row][log.position()[row]];
  }

  /** Position p (from 0) holds the item with the p-th highest score (ties: the lower model index first). */
  private static PositionOpe.Slot[] ranked(float[] scores, int[] toSpace, int depth) {
    Integer[] idx = new Integer[scores.length];
    Arrays.setAll(idx, i -> i);
    Arrays.sort(idx, (a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b));
    PositionOpe.Slot[] out = new PositionOpe.Slot[depth];
    for (int p = 0; p < depth; p++) {
      out[p] = p < idx.length ? new PositionOpe.Slot(new int[] {toSpace[idx[p]]}, new double[] {1})
          : new PositionOpe.Slot(new int[0], new double[0]);
    }
    return out;
  }

  /** The softmax of scores / temperature at every position. */
  private static PositionOpe.Slot[] softmax(float[] scores, int[] toSpace, double temperature, int depth) {
    double max = Double.NEGATIVE_INFINITY;
    for (float s : scores) {
      max = Math.max(max, s / temperature);
    }
    double[] p = new double[scores.length];
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp(scores[i] / temperature - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    PositionOpe.Slot slot = new PositionOpe.Slot(toSpace.clone(), p);
    PositionOpe.Slot[] out = new PositionOpe.Slot[depth];
    Arrays.fill(out, slot);
    return out;
  }
}
