package org.causalrec.eval;

import java.util.Set;

/** Ranking metrics as pure functions of (truth, ranked list, k), binary relevance. */
public final class RankingMetrics {

  private RankingMetrics() {}

  /**
   * Recall@k as the Mult-VAE paper defines it: hits in the top k divided by min(k, |truth|), so a
   * perfect ranking scores 1 whatever the number of held-out items.
   */
  public static double recall(int[] ranked, Set<Integer> truth, int k) {
    return truth.isEmpty() ? Double.NaN : hits(ranked, truth, k) / (double) Math.min(k, truth.size());
  }

  /**
   * Recall@k as the debiasing papers define it (Coat, Yahoo!R3): hits in the top k divided by
   * |truth|, so a user with more positives than k cannot reach 1.
   */
  public static double recallOfAll(int[] ranked, Set<Integer> truth, int k) {
    return truth.isEmpty() ? Double.NaN : hits(ranked, truth, k) / (double) truth.size();
  }

  private static int hits(int[] ranked, Set<Integer> truth, int k) {
    int hits = 0;
    for (int r = 0; r < Math.min(k, ranked.length); r++) {
      if (truth.contains(ranked[r])) {
        hits++;
      }
    }
    return hits;
  }

  /** NDCG@k with binary gains: DCG / ideal DCG, discount 1/log2(rank + 2) for rank from 0. */
  public static double ndcg(int[] ranked, Set<Integer> truth, int k) {
    if (truth.isEmpty()) {
      return Double.NaN;
    }
    double dcg = 0;
    for (int r = 0; r < Math.min(k, ranked.length); r++) {
      if (truth.contains(ranked[r])) {
        dcg += 1.0 / log2(r + 2);
      }
    }
    double idcg = 0;
    for (int r = 0; r < Math.min(k, truth.size()); r++) {
      idcg += 1.0 / log2(r + 2);
    }
    return dcg / idcg;
  }

  /**
   * NDCG@k with graded gains (e.g. true relevance probabilities): the DCG of the ranking's gains
   * over the DCG of the k largest gains; NaN when every gain is 0.
   */
  public static double ndcgGraded(int[] ranked, double[] gains, int k) {
    double dcg = 0;
    for (int r = 0; r < Math.min(k, ranked.length); r++) {
      dcg += gains[ranked[r]] / log2(r + 2);
    }
    double[] sorted = gains.clone();
    java.util.Arrays.sort(sorted);
    double idcg = 0;
    for (int r = 0; r < Math.min(k, sorted.length); r++) {
      idcg += sorted[sorted.length - 1 - r] / log2(r + 2);
    }
    return idcg == 0 ? Double.NaN : dcg / idcg;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
