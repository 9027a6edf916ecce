package org.causalrec.causal;

import java.util.SplittableRandom;

/**
 * A small ranking world whose truth is known exactly: slates of {@code positions} distinct items
 * drawn by Plackett-Luce sampling without replacement from item weights; a click on item i at
 * position p happens with probability relevance_i x examination_p (the position-based click
 * model), a conversion with conversion_i whatever the position. The per-position probabilities
 * P(i at p) and slate-inclusion probabilities of a policy come from enumerating every slate.
 */
public record RankingWorld(double[] relevance, double[] examination, double[] conversion) {

  /** Six items, three positions with a steep position bias. */
  public static RankingWorld standard() {
    return new RankingWorld(new double[] {0.9, 0.7, 0.5, 0.35, 0.2, 0.1}, new double[] {1.0, 0.45, 0.2},
        new double[] {0.02, 0.05, 0.08, 0.11, 0.14, 0.17});
  }

  public int items() {
    return relevance.length;
  }

  public int positions() {
    return examination.length;
  }

  /** P(item i at position p) of Plackett-Luce slates with these weights: [i][p]. */
  public double[][] marginals(double[] weights) {
    double[][] m = new double[items()][positions()];
    enumerate(weights, new boolean[items()], 0, 1.0, m);
    return m;
  }

  private void enumerate(double[] weights, boolean[] used, int p, double prob, double[][] m) {
    if (p == positions()) {
      return;
    }
    double left = 0;
    for (int i = 0; i < items(); i++) {
      left += used[i] ? 0 : weights[i];
    }
    for (int i = 0; i < items(); i++) {
      if (!used[i]) {
        double q = prob * weights[i] / left;
        m[i][p] += q;
        used[i] = true;
        enumerate(weights, used, p + 1, q, m);
        used[i] = false;
      }
    }
  }

  /** P(item i anywhere in the slate): the sum of its per-position probabilities (the items are distinct). */
  public static double[] inclusion(double[][] marginals) {
    double[] out = new double[marginals.length];
    for (int i = 0; i < marginals.length; i++) {
      for (double x : marginals[i]) {
        out[i] += x;
      }
    }
    return out;
  }

  /** A policy's true expected clicks per impression (positions equally often, as every slate fills them all). */
  public double clicksPerImpression(double[][] marginals) {
    double v = 0;
    for (int i = 0; i < items(); i++) {
      for (int p = 0; p < positions(); p++) {
        v += marginals[i][p] * relevance[i] * examination[p];
      }
    }
    return v / positions();
  }

  /** A policy's true expected conversions per slate. */
  public double conversionsPerSlate(double[][] marginals) {
    double[] inc = inclusion(marginals);
    double v = 0;
    for (int i = 0; i < items(); i++) {
      v += inc[i] * conversion[i];
    }
    return v;
  }

  /** One Plackett-Luce slate: the item at each position. */
  public int[] slate(double[] weights, SplittableRandom rng) {
    boolean[] used = new boolean[items()];
    int[] out = new int[positions()];
    for (int p = 0; p < positions(); p++) {
      double left = 0;
      for (int i = 0; i < items(); i++) {
        left += used[i] ? 0 : weights[i];
      }
      double u = rng.nextDouble() * left;
      int pick = -1;
      for (int i = 0; i < items() && pick < 0; i++) {
        if (!used[i]) {
          u -= weights[i];
          if (u <= 0) {
            pick = i;
          }
        }
      }
      if (pick < 0) { // rounding: the last unused item
        for (int i = items() - 1; i >= 0 && pick < 0; i--) {
          pick = used[i] ? -1 : i;
        }
      }
      used[pick] = true;
      out[p] = pick;
    }
    return out;
  }
}
