package org.causalrec.causal;

import java.util.Arrays;
import java.util.LinkedHashSet;
import org.causalrec.data.Feedback;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.data.Interactions;
import org.causalrec.model.CfModel;

/**
 * Pair features from a collaborative model for the uplift model: for a user's history and every
 * item, the item's score standardised over the items (z-score), its percentile rank among them,
 * and the item's log popularity scaled to [0, 1]. Standardised per history, they do not depend on
 * the collaborative model's scale, so a retrained model can stand in for the one trained with.
 *
 * <p>An item's row is always computed from the history with that item left out, so a consumed
 * item never scores itself; the caller passes the history the example may see (for a training
 * example, the user's history strictly before its session; when serving, the current one).
 */
public final class CfFeatures implements org.causalrec.model.ImpressionFeatures {

  /** Features per pair. */
  public static final int DIM = 3;

  /**
   * Scores every item for each of a batch of histories.
   */
  @FunctionalInterface
  public interface Scorer {
    /**
     * Per history (item indexes, none empty): the scores of every item, NaN for items the model
     * does not know.
     */
    float[][] score(int[][] histories);
  }

  private final Scorer scorer;
  private final float[] popularity;

  /**
   * @param scorer the collaborative model's scores of histories
   * @param popularity per item: log popularity scaled to [0, 1] (see {@link #popularity(int[])})
   */
  public CfFeatures(Scorer scorer, float[] popularity) {
    this.scorer = scorer;
    this.popularity = popularity.clone();
  }

  /** Per item: log1p(count) / log1p(max count), the third feature. */
  public static float[] popularity(int[] itemCounts) {
    int max = Arrays.stream(itemCounts).max().orElse(0);
    float[] out = new float[itemCounts.length];
    for (int i = 0; i < itemCounts.length; i++) {
      out[i] = max == 0 ? 0f : (float) (Math.log1p(itemCounts[i]) / Math.log1p(max));
    }
    return out;
  }

  /**
   * The features of {@code cf}, trained on {@code feedback}, for the items of another vocabulary
   * ({@code items}: e.g. the logged impressions'), mapped by id; histories are over {@code items}.
   */
  public static CfFeatures of(CfModel cf, Feedback feedback, IdIndex items) {
    int[] toCf = items.indexesIn(feedback.items());
    int[] cfCounts = feedback.matrix().itemCounts();
    int[] counts = new int[toCf.length];
    for (int i = 0; i < toCf.length; i++) {
      counts[i] = toCf[i] < 0 ? 0 : cfCounts[toCf[i]];
    }
    return new CfFeatures(scorer(cf, toCf, feedback.items().size()), popularity(counts));
  }

  /**
   * A scorer of histories over a vocabulary whose item i is {@code toCf[i]} of {@code cf}'s
   * {@code cfItems} items (-1: unknown to it); each history becomes a binary row.
   */
  public static Scorer scorer(CfModel cf, int[] toCf, int cfItems) {
    return histories -> {
      Interactions.Builder b = new Interactions.Builder(histories.length, cfItems);
      for (int r = 0; r < histories.length; r++) {
        for (int i : new LinkedHashSet<>(Arrays.stream(histories[r]).boxed().toList())) {
          if (i >= 0 && i < toCf.length && toCf[i] >= 0) {
            b.add(r, toCf[i], 1f);
          }
        }
      }
      float[][] s = histories.length == 0 ? new float[0][] : cf.score(b.build(), 0, histories.length);
      float[][] out = new float[histories.length][toCf.length];
      for (int r = 0; r < histories.length; r++) {
        for (int i = 0; i < toCf.length; i++) {
          out[r][i] = toCf[i] < 0 ? Float.NaN : s[r][toCf[i]];
        }
      }
      return out;
    };
  }

  /** The scaled popularity of every item (the third feature). */
  public float[] popularity() {
    return popularity.clone();
  }

  /**
   * Features of every item, row-major [items, DIM], for a user whose visible history is
   * {@code history} (item indexes, oldest first; empty: an unknown user): item i's row comes from
   * the history without i.
   */
  public float[] forHistory(int[] history) {
    int n = popularity.length;
    int[] distinct = Arrays.stream(history).filter(i -> i >= 0 && i < n).distinct().toArray();
    // row 0: the whole history; row 1 + k: the history without distinct[k]
    int[][] rows = new int[1 + distinct.length][];
    rows[0] = history;
    for (int k = 0; k < distinct.length; k++) {
      int left = distinct[k];
      rows[1 + k] = Arrays.stream(history).filter(i -> i != left).toArray();
    }
    float[][] scores = scoreNonEmpty(rows);
    float[] out = of(scores[0], popularity);
    for (int k = 0; k < distinct.length; k++) {
      int i = distinct[k];
      float[] without = of(scores[1 + k], popularity);
      System.arraycopy(without, i * DIM, out, i * DIM, DIM);
    }
    return out;
  }

  /**
   * Features of {@code items} only, row-major [items.length, DIM], from one history's scores of
   * every item ({@code s}: NaN for unknown items, null for no signal): the same values as
   * {@link #of} gives those items (up to the order of exact ties), in O(n + m log m) for m items
   * scoring at or above the lowest asked for, so a ranker can afford them for a few candidates out
   * of many items.
   */
  public float[] forItems(float[] s, int[] items) {
    int n = popularity.length;
    float[] out = new float[items.length * DIM];
    if (s == null) {
      for (int k = 0; k < items.length; k++) {
        out[k * DIM + 1] = 0.5f;
        out[k * DIM + 2] = items[k] >= 0 && items[k] < n ? popularity[items[k]] : 0f;
      }
      return out;
    }
    double sum = 0;
    double sq = 0;
    int known = 0;
    for (int i = 0; i < n; i++) {
      float x = s[i];
      if (!Float.isNaN(x)) {
        sum += x;
        sq += x * x;
        known++;
      }
    }
    // an item's rank is the count of items scoring strictly below it (NaN lowest): n minus those at or
    // above it, which only the items at or above the lowest asked-for score can be; sorting those
    // few, not all n, keeps a few candidates out of many items cheap
    float lowest = Float.POSITIVE_INFINITY;
    for (int i : items) {
      if (i >= 0 && i < n && !Float.isNaN(s[i])) {
        lowest = Math.min(lowest, s[i]);
      }
    }
    int above = 0;
    for (int i = 0; i < n; i++) {
      if (s[i] >= lowest) {
        above++;
      }
    }
    float[] top = new float[above];
    int t = 0;
    for (int i = 0; i < n; i++) {
      if (s[i] >= lowest) {
        top[t++] = s[i];
      }
    }
    Arrays.sort(top);
    double mean = known == 0 ? 0 : sum / known;
    double sd = known < 2 ? 1 : Math.sqrt(Math.max(1e-12, sq / known - mean * mean));
    for (int k = 0; k < items.length; k++) {
      int i = items[k];
      if (i < 0 || i >= n) {
        out[k * DIM] = -3f;
        continue;
      }
      boolean unknown = Float.isNaN(s[i]);
      int r = unknown ? 0 : n - (top.length - lowerBound(top, s[i]));
      out[k * DIM] = unknown ? -3f : (float) ((s[i] - mean) / sd);
      out[k * DIM + 1] = n == 1 ? 0.5f : r / (float) (n - 1);
      out[k * DIM + 2] = popularity[i];
    }
    return out;
  }

  private static int lowerBound(float[] sorted, float key) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * The features of every impression of {@code d} (row-major [d.size(), DIM]; item indexes of
   * {@code d} are this object's): each from its user's history strictly before it, whole (a
   * re-shown history item sees itself, as it does when serving scores the whole history). One
   * fold-in per distinct (user, visible history), batched.
   */
  public float[] forImpressions(Impressions d) {
    java.util.Map<Long, java.util.List<Integer>> byHistory = new java.util.LinkedHashMap<>();
    int[] visible = new int[d.size()];
    for (int r = 0; r < d.size(); r++) {
      int u = d.user()[r];
      visible[r] = Impressions.firstAtOrAfter(d.historyTime()[u], d.time()[r]);
      byHistory.computeIfAbsent(((long) u << 32) | visible[r], k -> new java.util.ArrayList<>()).add(r);
    }
    float[] out = new float[d.size() * DIM];
    java.util.List<java.util.List<Integer>> groups = new java.util.ArrayList<>(byHistory.values());
    for (int from = 0; from < groups.size(); from += FOLD_IN_BATCH) {
      java.util.List<java.util.List<Integer>> batch =
          groups.subList(from, Math.min(groups.size(), from + FOLD_IN_BATCH));
      int[][] histories = new int[batch.size()][];
      for (int g = 0; g < histories.length; g++) {
        int r = batch.get(g).get(0);
        histories[g] = Arrays.copyOf(d.history()[d.user()[r]], visible[r]);
      }
      float[][] scores = scoreNonEmpty(histories);
      for (int g = 0; g < histories.length; g++) {
        java.util.List<Integer> rows = batch.get(g);
        int[] items = rows.stream().mapToInt(r -> d.item()[r]).toArray();
        float[] f = forItems(scores[g], items);
        for (int k = 0; k < items.length; k++) {
          System.arraycopy(f, k * DIM, out, rows.get(k) * DIM, DIM);
        }
      }
    }
    return out;
  }

  @Override
  public int dim() {
    return DIM;
  }

  /** As {@link #forImpressions}. */
  @Override
  public float[] of(Impressions d) {
    return forImpressions(d);
  }

  /** Histories folded into the collaborative model per pass. */
  private static final int FOLD_IN_BATCH = 256;

  /** Scores of the histories; null for an empty one (no signal: neutral features). */
  private float[][] scoreNonEmpty(int[][] rows) {
    int[] nonEmpty = java.util.stream.IntStream.range(0, rows.length).filter(r -> knownItems(rows[r])).toArray();
    float[][] out = new float[rows.length][];
    if (nonEmpty.length > 0) {
      int[][] batch = new int[nonEmpty.length][];
      for (int k = 0; k < nonEmpty.length; k++) {
        batch[k] = rows[nonEmpty[k]];
      }
      float[][] s = scorer.score(batch);
      for (int k = 0; k < nonEmpty.length; k++) {
        out[nonEmpty[k]] = s[k];
      }
    }
    return out;
  }

  private boolean knownItems(int[] history) {
    for (int i : history) {
      if (i >= 0 && i < popularity.length) {
        return true;
      }
    }
    return false;
  }

  /** Features from one history's item scores (NaN or a null array: unknown) and the items' scaled popularity. */
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
