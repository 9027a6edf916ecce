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
    if (truth.isEmpty()) {
      return Double.NaN;
    }
    int hits = 0;
    for (int r = 0; r < Math.min(k, ranked.length); r++) {
      if (truth.contains(ranked[r])) {
        hits++;
      }
    }
    return hits / (double) Math.min(k, truth.size());
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

  /** Indices of the k largest scores, best first, skipping those marked in {@code exclude}. */
  public static int[] topK(float[] scores, int k, boolean[] exclude) {
    int n = scores.length;
    k = Math.min(k, n);
    int[] heap = new int[k];
    int size = 0;
    for (int i = 0; i < n; i++) {
      if (exclude != null && exclude[i]) {
        continue;
      }
      if (size < k) {
        heap[size++] = i;
        siftUp(heap, size - 1, scores);
      } else if (better(i, heap[0], scores)) {
        heap[0] = i;
        siftDown(heap, size, 0, scores);
      }
    }
    int[] out = new int[size];
    for (int r = size - 1; r >= 0; r--) {
      out[r] = heap[0];
      heap[0] = heap[r];
      siftDown(heap, r, 0, scores);
    }
    return out;
  }

  // a min-heap on (score, -index): the root is the weakest of the kept items
  private static boolean better(int a, int b, float[] s) {
    return s[a] > s[b] || (s[a] == s[b] && a < b);
  }

  private static void siftUp(int[] h, int k, float[] s) {
    while (k > 0) {
      int p = (k - 1) / 2;
      if (!better(h[p], h[k], s)) {
        break;
      }
      int t = h[p];
      h[p] = h[k];
      h[k] = t;
      k = p;
    }
  }

  private static void siftDown(int[] h, int size, int k, float[] s) {
    while (true) {
      int l = 2 * k + 1;
      int r = l + 1;
      int m = k;
      if (l < size && better(h[m], h[l], s)) {
        m = l;
      }
      if (r < size && better(h[m], h[r], s)) {
        m = r;
      }
      if (m == k) {
        return;
      }
      int t = h[m];
      h[m] = h[k];
      h[k] = t;
      k = m;
    }
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
