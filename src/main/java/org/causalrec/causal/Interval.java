package org.causalrec.causal;

/**
 * The uplift ensemble's interval: the members' mean ± t(M-1, 0.975) · sd · √(1 + 1/M), with sd
 * their standard deviation, clipped to [-1, 1] (an uplift is a difference of two probabilities).
 *
 * <p>Each member is fitted to a bootstrap of the users, so the members' spread estimates the
 * sampling spread of one fitted model around the truth: the half-width scales with sd, not with
 * sd/√M, which would only be the Monte Carlo error of their mean. The centre is itself the mean of M
 * such draws, hence √(1 + 1/M); Student's t with M-1 degrees of freedom allows for the sd being
 * estimated from few members. With M = 8 the 2.5 % and 97.5 % percentiles would be little more
 * than the smallest and largest member. Whether the interval covers the truth 95 % of the time
 * is a measurement (the causal experiment's coverage), not a property of this formula.
 *
 * @param low lower end
 * @param high upper end
 */
public record Interval(double low, double high) {

  /** How the interval is formed, in words (the what-if API and the saved model report it). */
  public static final String METHOD =
      "mean ± t(M-1, 0.975) sd √(1+1/M) over M independently trained networks, each fitted (with its own"
          + " exposure model) to a Poisson(1) bootstrap of the users";

  /**
   * The share of true uplifts the interval covered in the last measurement with the default
   * settings (docs/RESULTS.md, "Coverage of the uplift interval": the small simulated world, seeds
   * 1 and 2, 200 users x 1,000 items each, the default epochs, an ensemble of {@link #MEASURED_MEMBERS} each
   * with its own exposure model, floor 0.001; seeds 1-3 with shortened epochs gave 0.8365). Below
   * 0.9: the interval is not called 95 %.
   */
  public static final double MEASURED_COVERAGE = 0.8084;

  /** The ensemble size {@link #MEASURED_COVERAGE} was measured with. */
  public static final int MEASURED_MEMBERS = 8;

  /** Student's t 0.975 quantiles for 1 to 30 degrees of freedom. */
  private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
      2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
      2.056, 2.052, 2.048, 2.045, 2.042};

  /**
   * The 0.975 quantile of Student's t with {@code df} degrees of freedom: tabulated up to 30,
   * the Cornish-Fisher expansion around the normal's 1.96 above (error below 1e-4 there).
   */
  public static double t975(int df) {
    if (df < 1) {
      throw new IllegalArgumentException("degrees of freedom must be at least 1: " + df);
    }
    if (df <= T975.length) {
      return T975[df - 1];
    }
    double z = 1.959964;
    double z3 = z * z * z;
    double z5 = z3 * z * z;
    return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
  }

  /** The interval of the members' {@code values} (at least two). */
  public static Interval of(double[] values) {
    int m = values.length;
    if (m < 2) {
      throw new IllegalArgumentException("an interval needs at least 2 members: " + m);
    }
    double mean = 0;
    for (double v : values) {
      mean += v;
    }
    mean /= m;
    double ss = 0;
    for (double v : values) {
      ss += (v - mean) * (v - mean);
    }
    double half = t975(m - 1) * Math.sqrt(ss / (m - 1) * (1 + 1.0 / m));
    return new Interval(Math.max(-1, mean - half), Math.min(1, mean + half));
  }

  /** Whether {@code x} lies in the interval (ends included). */
  public boolean contains(double x) {
    return x >= low && x <= high;
  }

  /** high - low. */
  public double width() {
    return high - low;
  }
}
