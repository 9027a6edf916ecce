package org.causalrec.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Pearson and Spearman correlations, pure functions of the pairs. */
public final class Correlation {

  private Correlation() {}

  /**
   * Spearman correlation of a model's scores over its items with true values indexed differently
   * ({@code toWorld} maps the model's item to the truth's).
   */
  public static double spearman(float[] scores, int[] toWorld, double[] truth) {
    List<double[]> pairs = new ArrayList<>(scores.length);
    for (int i = 0; i < scores.length; i++) {
      pairs.add(new double[] {scores[i], truth[toWorld[i]]});
    }
    return pearson(pairs, true);
  }

  /** Pearson correlation of (x, y) pairs, or Spearman's (on ranks) when {@code ranks}. */
  public static double pearson(List<double[]> pairs, boolean ranks) {
    int n = pairs.size();
    double[] x = new double[n];
    double[] y = new double[n];
    for (int k = 0; k < n; k++) {
      x[k] = pairs.get(k)[0];
      y[k] = pairs.get(k)[1];
    }
    if (ranks) {
      x = ranks(x);
      y = ranks(y);
    }
    double mx = Arrays.stream(x).average().orElse(0);
    double my = Arrays.stream(y).average().orElse(0);
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int k = 0; k < n; k++) {
      sxy += (x[k] - mx) * (y[k] - my);
      sxx += (x[k] - mx) * (x[k] - mx);
      syy += (y[k] - my) * (y[k] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  private static double[] ranks(double[] v) {
    Integer[] order = new Integer[v.length];
    for (int k = 0; k < v.length; k++) {
      order[k] = k;
    }
    Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
    double[] r = new double[v.length];
    int k = 0;
    while (k < v.length) {
      int j = k;
      while (j + 1 < v.length && v[order[j + 1]] == v[order[k]]) {
        j++;
      }
      double mid = (k + j) / 2.0;
      for (int t = k; t <= j; t++) {
        r[order[t]] = mid;
      }
      k = j + 1;
    }
    return r;
  }
}
