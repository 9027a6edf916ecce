package org.causalrec.causal;

/** Quantities for the causal effect of recommending (CAUSAL.md, "Causal effect of recommending"). */
public final class Uplift {

  private Uplift() {}

  /**
   * The transformed outcome Y* = Z Y / e - (1 - Z) Y / (1 - e), whose expectation given (u, i) is
   * the uplift tau_ui; e is the logged propensity of recommending.
   */
  public static double transformedOutcome(boolean recommended, double outcome, double propensity) {
    if (!(propensity > 0 && propensity < 1)) {
      throw new IllegalArgumentException("the propensity of recommending must be in (0, 1): " + propensity);
    }
    return recommended ? outcome / propensity : -outcome / (1 - propensity);
  }

  /**
   * Causal precision at K (Sato et al.) of one user's top-K set: the mean over the K items of
   * their transformed outcomes. {@code recommended}, {@code outcome} and {@code propensity} hold
   * the logged treatment, outcome and propensity of each ranked item.
   */
  public static double causalPrecision(boolean[] recommended, double[] outcome, double[] propensity, int k) {
    int n = Math.min(k, recommended.length);
    double s = 0;
    for (int r = 0; r < n; r++) {
      s += transformedOutcome(recommended[r], outcome[r], propensity[r]);
    }
    return s / k;
  }
}
