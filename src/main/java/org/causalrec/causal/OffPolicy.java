package org.causalrec.causal;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Off-policy estimators of a candidate policy's value from logs of another (CAUSAL.md): IPS,
 * SNIPS, the direct method and doubly robust, each with a bootstrap 95 % interval, plus the
 * effective sample size, the largest weight and how many logged propensities were clipped.
 * Pure functions of the logged records.
 */
public final class OffPolicy {

  /**
   * One logged decision.
   *
   * @param behaviour pi_b(a_k | x_k): the logging policy's probability of the logged action
   * @param target pi_e(a_k | x_k): the candidate's probability of the same action
   * @param reward r_k
   * @param qLogged the reward model's q(x_k, a_k)
   * @param qTarget the reward model's sum over actions of pi_e(a | x_k) q(x_k, a)
   */
  public record Logged(double behaviour, double target, double reward, double qLogged, double qTarget) {
    public Logged {
      if (!(behaviour > 0 && behaviour <= 1) || !(target >= 0 && target <= 1)) {
        throw new IllegalArgumentException("propensities must be in (0, 1] (behaviour) and [0, 1] (target)");
      }
    }
  }

  /**
   * One estimate with its bootstrap 95 % interval.
   *
   * @param estimator ips, snips, dm or dr
   * @param value the estimate
   * @param low the interval's 2.5 % percentile
   * @param high the interval's 97.5 % percentile
   */
  public record Estimate(String estimator, double value, double low, double high) {}

  /**
   * All estimates and the diagnostics.
   *
   * @param n logged records
   * @param effectiveSampleSize (sum w)^2 / sum w^2
   * @param maxWeight the largest importance weight
   * @param clipped behaviour propensities raised to the clipping floor
   * @param estimates ips, snips, dm, dr
   * @param warnings human-readable warnings (small effective sample size, clipping)
   */
  public record Report(int n, double effectiveSampleSize, double maxWeight, int clipped, List<Estimate> estimates,
      List<String> warnings) {}

  /** An effective sample size below this share of n is warned about. */
  static final double LOW_ESS_SHARE = 0.1;

  private OffPolicy() {}

  /** IPS: the mean of w r. */
  public static double ips(double[] w, double[] r) {
    double s = 0;
    for (int k = 0; k < w.length; k++) {
      s += w[k] * r[k];
    }
    return s / w.length;
  }

  /** SNIPS: sum of w r over sum of w. */
  public static double snips(double[] w, double[] r) {
    double num = 0;
    double den = 0;
    for (int k = 0; k < w.length; k++) {
      num += w[k] * r[k];
      den += w[k];
    }
    return den == 0 ? 0 : num / den;
  }

  /** DR (Dudik et al. 2011): the mean of qTarget + w (r - qLogged). */
  public static double dr(double[] w, double[] r, double[] qLogged, double[] qTarget) {
    double s = 0;
    for (int k = 0; k < w.length; k++) {
      s += qTarget[k] + w[k] * (r[k] - qLogged[k]);
    }
    return s / w.length;
  }

  /** The mean of the values. */
  static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  /**
   * Every estimate of the candidate's value, behaviour propensities clipped to at least
   * {@code minPropensity}, intervals from {@code resamples} bootstrap resamples with {@code seed}.
   */
  public static Report evaluate(List<Logged> log, double minPropensity, int resamples, long seed) {
    int n = log.size();
    if (n == 0) {
      throw new IllegalArgumentException("no logged records");
    }
    double[] w = new double[n];
    double[] r = new double[n];
    double[] ql = new double[n];
    double[] qt = new double[n];
    int clipped = 0;
    double maxW = 0;
    for (int k = 0; k < n; k++) {
      Logged l = log.get(k);
      double b = l.behaviour();
      if (b < minPropensity) {
        b = minPropensity;
        clipped++;
      }
      w[k] = l.target() / b;
      r[k] = l.reward();
      ql[k] = l.qLogged();
      qt[k] = l.qTarget();
      maxW = Math.max(maxW, w[k]);
    }
    double sw = 0;
    double sw2 = 0;
    for (double x : w) {
      sw += x;
      sw2 += x * x;
    }
    double ess = sw2 == 0 ? 0 : sw * sw / sw2;
    double[][] boot = new double[4][resamples];
    SplittableRandom rng = new SplittableRandom(seed);
    double[] bw = new double[n];
    double[] br = new double[n];
    double[] bql = new double[n];
    double[] bqt = new double[n];
    for (int b = 0; b < resamples; b++) {
      for (int k = 0; k < n; k++) {
        int j = rng.nextInt(n);
        bw[k] = w[j];
        br[k] = r[j];
        bql[k] = ql[j];
        bqt[k] = qt[j];
      }
      boot[0][b] = ips(bw, br);
      boot[1][b] = snips(bw, br);
      boot[2][b] = mean(bqt);
      boot[3][b] = dr(bw, br, bql, bqt);
    }
    double[] point = {ips(w, r), snips(w, r), mean(qt), dr(w, r, ql, qt)};
    List<Estimate> estimates = withIntervals(point, boot);
    List<String> warnings = new ArrayList<>();
    if (ess < LOW_ESS_SHARE * n) {
      warnings.add(String.format(java.util.Locale.ROOT, "effective sample size %.1f is under %.0f%% of the %d records:"
          + " the candidate is far from the logging policy and IPS/SNIPS are unreliable", ess, LOW_ESS_SHARE * 100, n));
    }
    if (clipped > 0) {
      warnings.add(clipped + " logged propensities were below " + minPropensity + " and were clipped (biased toward 0)");
    }
    return new Report(n, ess, maxW, clipped, estimates, warnings);
  }

  /** The estimates ips, snips, dm and dr at {@code point}, each with the 95 % interval of its bootstrap replicates. */
  static List<Estimate> withIntervals(double[] point, double[][] boot) {
    String[] names = {"ips", "snips", "dm", "dr"};
    List<Estimate> out = new ArrayList<>();
    for (int e = 0; e < names.length; e++) {
      double[] sorted = boot[e].clone();
      java.util.Arrays.sort(sorted);
      out.add(new Estimate(names[e], point[e], percentile(sorted, 0.025), percentile(sorted, 0.975)));
    }
    return out;
  }

  /** The q-quantile of sorted values, interpolated linearly. */
  static double percentile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
