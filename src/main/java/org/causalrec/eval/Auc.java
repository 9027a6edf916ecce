package org.causalrec.eval;

import java.util.Arrays;

/** Area under the ROC curve: the probability that a random positive outscores a random negative (ties count half). */
public final class Auc {

  private Auc() {}

  /** AUC of {@code scores} against binary {@code labels}; NaN when either class is missing. */
  public static double of(float[] scores, boolean[] labels) {
    int n = scores.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
    double rankSumPos = 0;
    long pos = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double midRank = (i + j) / 2.0 + 1; // ranks from 1, ties share the mean rank
      for (int k = i; k <= j; k++) {
        if (labels[order[k]]) {
          rankSumPos += midRank;
          pos++;
        }
      }
      i = j + 1;
    }
    long neg = n - pos;
    if (pos == 0 || neg == 0) {
      return Double.NaN;
    }
    return (rankSumPos - pos * (pos + 1) / 2.0) / (pos * (double) neg);
  }
}
