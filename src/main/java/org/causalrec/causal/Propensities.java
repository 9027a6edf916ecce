package org.causalrec.causal;

/** Exposure propensity estimates that need no model (CAUSAL.md, "Exposure propensity"). */
public final class Propensities {

  private Propensities() {}

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
