package org.causalrec.eval;

import org.causalrec.model.TopK;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.causalrec.data.Interactions;
import org.causalrec.model.CfModel;

/** Ranks each held-out user's items after folding in the rest, and averages Recall@20/50 and NDCG@100. */
public final class HoldoutEvaluator {

  private static final int BATCH = 500;

  private HoldoutEvaluator() {}

  /**
   * Metrics of {@code model} over users with a non-empty target: fold-in items are excluded from
   * the ranking, as in the Mult-VAE protocol.
   */
  public static Map<String, Double> evaluate(CfModel model, Interactions foldIn, Interactions target) {
    double r20 = 0;
    double r50 = 0;
    double n100 = 0;
    int users = 0;
    for (int from = 0; from < foldIn.users(); from += BATCH) {
      int to = Math.min(foldIn.users(), from + BATCH);
      float[][] scores = model.score(foldIn, from, to);
      for (int u = from; u < to; u++) {
        int[] truthItems = target.row(u);
        if (truthItems.length == 0) {
          continue;
        }
        Set<Integer> truth = new HashSet<>();
        for (int i : truthItems) {
          truth.add(i);
        }
        boolean[] seen = new boolean[foldIn.items()];
        for (int i : foldIn.row(u)) {
          seen[i] = true;
        }
        int[] ranked = TopK.of(scores[u - from], 100, seen);
        r20 += RankingMetrics.recall(ranked, truth, 20);
        r50 += RankingMetrics.recall(ranked, truth, 50);
        n100 += RankingMetrics.ndcg(ranked, truth, 100);
        users++;
      }
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("recall@20", users == 0 ? Double.NaN : r20 / users);
    m.put("recall@50", users == 0 ? Double.NaN : r50 / users);
    m.put("ndcg@100", users == 0 ? Double.NaN : n100 / users);
    m.put("users", (double) users);
    return m;
  }
}
