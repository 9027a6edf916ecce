package org.causalrec.causal;

/** Exposure propensity estimates that need no model. */
public final class Propensities {

  private Propensities() {}

  /**
   * The share of the known propensities (NaN is unknown) below {@code min}, which clipping raises
   * to it; 0 when none is known.
   */
  public static double clippedShare(float[] propensity, double min) {
    int clipped = 0;
    int known = 0;
    for (float p : propensity) {
      if (!Float.isNaN(p)) {
        known++;
        clipped += p < min ? 1 : 0;
      }
    }
    return known == 0 ? 0 : clipped / (double) known;
  }

  /**
   * Popularity power (Saito et al., WSDM 2020): p_i = (n_i / max_j n_j)^eta, clipped to at least
   * {@code minPropensity}. Items never seen get the floor.
   */
  public static double[] popularityPower(int[] counts, double eta, double minPropensity) {
    int max = 0;
    for (int c : counts) {
      max = Math.max(max, c);
    }
    double[] p = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      double raw = max == 0 ? 0 : Math.pow(counts[i] / (double) max, eta);
      p[i] = Math.max(minPropensity, raw);
    }
    return p;
  }
}
