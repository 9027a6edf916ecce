package org.causalrec.causal;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import org.causalrec.model.PairModel;

/**
 * One uplift member's training examples: per session, each recommended item (clicked head: clicked;
 * treated head: converted, weighted 1/e), each organic purchase of an item the session did not
 * recommend and a sample of the other unrecommended items (control head: purchased, weighted 1/(1 - e)
 * and, for the sample, back to the number of items it stands for); every weight times the user's
 * bootstrap count.
 */
final class UpliftExamples {

  /** Unrecommended, unpurchased items sampled per session and epoch for the control head. */
  static final int CONTROL_SAMPLES = 20;

  private UpliftExamples() {}

  /**
   * The examples of the held-out sessions ({@code heldOut}) or of the others, each weighted by its
   * user's bootstrap count {@code userWeight} (users drawn 0 times are left out).
   */
  static PairModel.Examples of(Impressions log, Sessions sessions, boolean heldOut,
      ExposureModel exposure, SessionFeatures userFeatures, double minPropensity, float[] userWeight,
      SplittableRandom rng) {
    int heads = UpliftModel.HEADS;
    int items = log.items().size();
    int cap = log.size() + sessions.size() * CONTROL_SAMPLES;
    for (int u = 0; u < log.purchases().length; u++) {
      cap += log.purchases()[u].length;
    }
    int[] us = new int[cap];
    int[] is = new int[cap];
    float[] y = new float[cap * heads];
    float[] w = new float[cap * heads];
    int dim = CfFeatures.DIM;
    float[] f = null;
    float[] uf = null;
    int n = 0;
    BitSet shown = new BitSet(items);
    BitSet bought = new BitSet(items);
    float[] e = null;
    int cachedUser = -1;
    for (int s = 0; s < sessions.size(); s++) {
      int u = sessions.user()[s];
      float uw = userWeight[u];
      if (ExposureModel.isHeldOut(s) != heldOut || uw == 0) {
        continue;
      }
      if (u != cachedUser) { // sessions come grouped by user
        e = exposure.sessionForUser(u);
        cachedUser = u;
      }
      uf = userFeatures == null ? null : userFeatures.at(u, sessions.start()[s]);
      if (uf != null && f == null) {
        f = new float[cap * dim];
      }
      int first = n;
      shown.clear();
      bought.clear();
      for (int r : sessions.rows()[s]) {
        int i = log.item()[r];
        if (shown.get(i)) {
          continue;
        }
        shown.set(i);
        double logged = log.propensity()[r];
        double prop = clip(Double.isNaN(logged) ? e[i] : logged, minPropensity);
        set(us, is, y, w, n, u, i, log.converted()[r] ? 1f : 0f, uw * (float) (1 / prop), true, heads);
        y[n * heads] = log.clicked()[r] ? 1f : 0f;
        w[n * heads] = uw;
        n++;
      }
      int[] buys = log.purchases()[u];
      long[] at = log.purchaseTime()[u];
      int from = Impressions.firstAtOrAfter(at, sessions.start()[s]);
      for (int k = from; k < at.length && at[k] <= sessions.end()[s]; k++) {
        int i = buys[k];
        if (!shown.get(i) && !bought.get(i)) {
          bought.set(i);
          set(us, is, y, w, n, u, i, 1f, uw * (float) (1 / (1 - clip(e[i], minPropensity))), false, heads);
          n++;
        }
      }
      int rest = items - shown.cardinality() - bought.cardinality();
      if (rest > 0) {
        float stand = rest / (float) CONTROL_SAMPLES;
        for (int k = 0; k < CONTROL_SAMPLES; k++) {
          int i;
          do {
            i = rng.nextInt(items);
          } while (shown.get(i) || bought.get(i));
          set(us, is, y, w, n, u, i, 0f, uw * (float) (stand / (1 - clip(e[i], minPropensity))), false, heads);
          n++;
        }
      }
      if (uf != null) {
        for (int k = first; k < n; k++) {
          System.arraycopy(uf, is[k] * dim, f, k * dim, dim);
        }
      }
    }
    return new PairModel.Examples(Arrays.copyOf(us, n), Arrays.copyOf(is, n), Arrays.copyOf(y, n * heads),
        Arrays.copyOf(w, n * heads), f == null ? null : Arrays.copyOf(f, n * dim));
  }

  /** Writes one example: its label in both conversion heads, its weight in its group's. */
  private static void set(int[] us, int[] is, float[] y, float[] w, int n, int u, int i, float label, float weight,
      boolean treated, int heads) {
    us[n] = u;
    is[n] = i;
    y[n * heads + 1] = label;
    y[n * heads + 2] = label;
    w[n * heads + (treated ? 1 : 2)] = weight;
  }

  private static double clip(double p, double min) {
    return Math.max(min, Math.min(1 - min, p));
  }
}
