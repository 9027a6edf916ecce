package org.causalrec.causal;

/**
 * The reward model q(item, position) of the direct and doubly robust estimators when the reward
 * depends on the position (clicks): each (item, position)'s observed reward rate, shrunk toward a
 * position-based click model's prediction theta_p rho_i (Craswell et al. 2008: the reward is the
 * position's examination times the item's attractiveness), where theta_p is position p's mean
 * reward and rho_i how much more (or less) item i earns than an average item at the positions it
 * was shown at. Each rate is (hits + m prior) / (shown + m) with m = {@link #PRIOR} impressions,
 * so a pair the log rarely shows falls back on the click model, an item never shown on the
 * position's mean. Context-free: DR stays unbiased whatever q is; q only lowers its variance.
 */
public final class PositionRewardModel {

  /** Prior strength, in impressions, of each rate toward its fallback. */
  public static final double PRIOR = 10;

  private final double[][] q;

  private PositionRewardModel(double[][] q) {
    this.q = q;
  }

  /**
   * Fits q on logged impressions of {@code item} (indexes below {@code items}) at {@code position}
   * (from 0, below {@code positions}) with {@code reward}, impression k counted {@code counts[k]}
   * times (a bootstrap resample; null: once each).
   */
  public static PositionRewardModel fit(int[] item, int[] position, double[] reward, int[] counts, int items,
      int positions) {
    double[] shownAt = new double[positions];
    double[] hitsAt = new double[positions];
    double rows = 0;
    for (int k = 0; k < item.length; k++) {
      int c = counts == null ? 1 : counts[k];
      shownAt[position[k]] += c;
      hitsAt[position[k]] += c * reward[k];
      rows += c;
    }
    double all = 0;
    for (double h : hitsAt) {
      all += h;
    }
    double overall = rows == 0 ? 0 : all / rows;
    double[] theta = new double[positions];
    for (int p = 0; p < positions; p++) {
      theta[p] = (hitsAt[p] + PRIOR * overall) / (shownAt[p] + PRIOR);
    }
    double[][] shown = new double[items][positions];
    double[][] hits = new double[items][positions];
    double[] expected = new double[items];
    double[] earned = new double[items];
    for (int k = 0; k < item.length; k++) {
      int i = item[k];
      int p = position[k];
      int c = counts == null ? 1 : counts[k];
      shown[i][p] += c;
      hits[i][p] += c * reward[k];
      expected[i] += c * theta[p];
      earned[i] += c * reward[k];
    }
    double[][] q = new double[items][positions];
    for (int i = 0; i < items; i++) {
      // the item's attractiveness relative to the average, shrunk toward 1 by PRIOR expected hits' worth
      double meanTheta = overall == 0 ? 1 : overall;
      double rho = (earned[i] + PRIOR * meanTheta) / (expected[i] + PRIOR * meanTheta);
      for (int p = 0; p < positions; p++) {
        double fallback = Math.min(1, theta[p] * rho);
        q[i][p] = (hits[i][p] + PRIOR * fallback) / (shown[i][p] + PRIOR);
      }
    }
    return new PositionRewardModel(q);
  }

  /** q(item, position), position from 0. */
  public double q(int item, int position) {
    return q[item][position];
  }
}
