package org.causalrec.causal;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Pair features from a collaborative model for the uplift model: for user u and every item, the
 * item's score standardised over u's items (z-score), its percentile rank among them, and the
 * item's log popularity scaled to [0, 1]. Standardised per user, they do not depend on the
 * collaborative model's scale, so a retrained model can stand in for the one trained with.
 */
public final class CfFeatures {

  /** Features per pair. */
  public static final int DIM = 3;

  private final IntFunction<float[]> scores;
  private final float[] popularity;

  /**
   * @param scores user index -> scores of every item (NaN for items the model does not know), or
   *     null when the model does not know the user
   * @param itemCounts per item: how many users had it
   */
  public CfFeatures(IntFunction<float[]> scores, int[] itemCounts) {
    this.scores = scores;
    int max = Arrays.stream(itemCounts).max().orElse(0);
    popularity = new float[itemCounts.length];
    for (int i = 0; i < itemCounts.length; i++) {
      popularity[i] = max == 0 ? 0f : (float) (Math.log1p(itemCounts[i]) / Math.log1p(max));
    }
  }

  /**
   * The features of {@code cf}, trained on {@code feedback}, for the users and items of another
   * vocabulary ({@code users}, {@code items}: e.g. the logged impressions'), mapped by id.
   */
  public static CfFeatures of(org.causalrec.model.CfModel cf, org.causalrec.data.Feedback feedback,
      org.causalrec.data.IdIndex users, org.causalrec.data.IdIndex items) {
    int n = items.size();
    int[] toCf = items.indexesIn(feedback.items());
    int[] cfCounts = feedback.matrix().itemCounts();
    int[] counts = new int[n];
    for (int i = 0; i < n; i++) {
      counts[i] = toCf[i] < 0 ? 0 : cfCounts[toCf[i]];
    }
    return new CfFeatures(u -> {
      int fu = feedback.users().indexOf(users.id(u));
      if (fu < 0) {
        return null;
      }
      float[] s = cf.score(feedback.matrix(), fu, fu + 1)[0];
      float[] out = new float[n];
      for (int i = 0; i < n; i++) {
        out[i] = toCf[i] < 0 ? Float.NaN : s[toCf[i]];
      }
      return out;
    }, counts);
  }

  /** Features of user u with every item, row-major [items, DIM]. */
  public float[] forUser(int u) {
    return of(scores.apply(u), popularity);
  }

  /** The scaled popularity of every item (the third feature), as {@link #withPopularity} takes it. */
  public float[] popularity() {
    return popularity.clone();
  }

  /**
   * Features from one user's item scores (NaN or a null array: unknown) and the items' scaled
   * popularity (from {@link #popularity()} of the features the model was trained with).
   */
  public static float[] withPopularity(float[] scores, float[] popularity) {
    return of(scores, popularity);
  }

  /** Features from one user's item scores (NaN or a null array: unknown) and the items' scaled popularity. */
  static float[] of(float[] s, float[] popularity) {
    int n = popularity.length;
    float[] out = new float[n * DIM];
    if (s == null) {
      for (int i = 0; i < n; i++) {
        out[i * DIM + 1] = 0.5f;
        out[i * DIM + 2] = popularity[i];
      }
      return out;
    }
    double sum = 0;
    double sq = 0;
    int known = 0;
    for (float x : s) {
      if (!Float.isNaN(x)) {
        sum += x;
        sq += x * x;
        known++;
      }
    }
    double mean = known == 0 ? 0 : sum / known;
    double sd = known < 2 ? 1 : Math.sqrt(Math.max(1e-12, sq / known - mean * mean));
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(Float.isNaN(s[a]) ? Float.NEGATIVE_INFINITY : s[a],
        Float.isNaN(s[b]) ? Float.NEGATIVE_INFINITY : s[b]));
    for (int r = 0; r < n; r++) {
      int i = order[r];
      boolean unknown = Float.isNaN(s[i]);
      out[i * DIM] = unknown ? (float) -3 : (float) ((s[i] - mean) / sd);
      out[i * DIM + 1] = n == 1 ? 0.5f : r / (float) (n - 1);
      out[i * DIM + 2] = popularity[i];
    }
    return out;
  }
}
