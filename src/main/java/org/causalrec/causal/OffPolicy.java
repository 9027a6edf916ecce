package org.causalrec.causal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Off-policy estimators of a candidate policy's value from logs of another (CAUSAL.md): IPS,
 * SNIPS, the direct method, doubly robust (Dudik et al. 2011), switch-DR (Wang et al. 2017: the DR
 * correction only where w <= tau, the reward model alone elsewhere) and DR with optimistic
 * shrinkage (Su et al. 2020: w -> lambda w / (w^2 + lambda)). tau and lambda are each picked from a
 * fixed grid by the smallest estimated mean squared error: the squared distance to the DR estimate
 * (the unbiased reference) plus the estimate's variance. Every estimate comes with a bootstrap 95 %
 * interval that resamples clusters (sessions or users: the records of one cluster are not
 * independent) and, given a {@link Refit}, fits the reward model again on each resample (a reward
 * model fitted on the log varies with it: held fixed, DM's interval would be far too narrow), plus the effective sample size, the largest weight and how many logged
 * propensities were clipped. Pure functions of the logged records; the action may be anything the
 * caller's propensities are of (an item, or an item at a position).
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
   * @param cluster the bootstrap unit the record belongs to (records of one cluster are resampled together)
   */
  public record Logged(double behaviour, double target, double reward, double qLogged, double qTarget,
      int cluster) {
    public Logged {
      if (!(behaviour > 0 && behaviour <= 1) || !(target >= 0 && target <= 1)) {
        throw new IllegalArgumentException("propensities must be in (0, 1] (behaviour) and [0, 1] (target)");
      }
    }
  }

  /**
   * One estimate with its bootstrap 95 % interval.
   *
   * @param estimator ips, snips, dm, dr, switch-dr or dr-os
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
   * @param estimates in the order of {@link #ESTIMATORS} (those the estimator computes)
   * @param tuning the chosen switch-DR tau ("switch_tau") and DR-OS lambda ("dr_os_lambda"); empty if none
   * @param warnings human-readable warnings (small effective sample size, clipping)
   */
  public record Report(int n, double effectiveSampleSize, double maxWeight, int clipped, List<Estimate> estimates,
      Map<String, Double> tuning, List<String> warnings) {

    /** The estimate named {@code estimator}. */
    public Estimate estimate(String estimator) {
      return estimates.stream().filter(e -> e.estimator().equals(estimator)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no estimate " + estimator));
    }
  }

  /** Fits the reward model again on a bootstrap resample. */
  @FunctionalInterface
  public interface Refit {
    /**
     * The refitted model's {q logged, q target} per record when record k is drawn {@code counts[k]}
     * times (in the order of the log given to {@link #evaluate}).
     */
    double[][] apply(int[] counts);
  }

  /** The estimators {@link #evaluate} reports, in order. */
  public static final List<String> ESTIMATORS = List.of("ips", "snips", "dm", "dr", "switch-dr", "dr-os");
  /** An effective sample size below this share of n is warned about. */
  static final double LOW_ESS_SHARE = 0.1;
  /** Candidate thresholds tau of switch-DR (infinity: plain DR). */
  static final double[] TAUS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, Double.POSITIVE_INFINITY};
  /** Candidate shrinkage strengths lambda of DR-OS (infinity: plain DR). */
  static final double[] LAMBDAS = {0.1, 1, 10, 100, 1e3, 1e4, 1e5, 1e6, Double.POSITIVE_INFINITY};

  private OffPolicy() {}

  /**
   * Every estimate of the candidate's value, behaviour propensities clipped to at least
   * {@code minPropensity}, intervals from {@code resamples} bootstrap resamples of the clusters with
   * {@code seed}, the reward model held fixed.
   */
  public static Report evaluate(List<Logged> log, double minPropensity, int resamples, long seed) {
    return evaluate(log, null, minPropensity, resamples, seed);
  }

  /** As {@link #evaluate(List, double, int, long)}, refitting the reward model with {@code refit} (null: fixed) on each resample. */
  public static Report evaluate(List<Logged> log, Refit refit, double minPropensity, int resamples, long seed) {
    int n = log.size();
    if (n == 0) {
      throw new IllegalArgumentException("no logged records");
    }
    double[] w = new double[n];
    double[] r = new double[n];
    double[] ql = new double[n];
    double[] qt = new double[n];
    int[] cluster = new int[n];
    Map<Integer, Integer> clusters = new HashMap<>();
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
      cluster[k] = clusters.computeIfAbsent(l.cluster(), c -> clusters.size());
      maxW = Math.max(maxW, w[k]);
    }
    int c = clusters.size();
    double[] dr = new double[n];
    for (int k = 0; k < n; k++) {
      dr[k] = qt[k] + w[k] * (r[k] - ql[k]);
    }
    double drValue = mean(dr);
    double tau = tune(TAUS, t -> switchTerms(w, r, ql, qt, t), drValue, cluster, c);
    double lambda = tune(LAMBDAS, l -> shrunkTerms(w, r, ql, qt, l), drValue, cluster, c);
    int[] counts = new int[n];
    Arrays.fill(counts, 1);
    double[] point = estimates(w, r, ql, qt, counts, tau, lambda);
    double[][] boot = new double[ESTIMATORS.size()][resamples];
    SplittableRandom rng = new SplittableRandom(seed);
    int[] draws = new int[c];
    for (int b = 0; b < resamples; b++) {
      Arrays.fill(draws, 0);
      for (int k = 0; k < c; k++) {
        draws[rng.nextInt(c)]++;
      }
      for (int k = 0; k < n; k++) {
        counts[k] = draws[cluster[k]];
      }
      double[][] q = refit == null ? new double[][] {ql, qt} : refit.apply(counts);
      double[] e = estimates(w, r, q[0], q[1], counts, tau, lambda);
      for (int j = 0; j < e.length; j++) {
        boot[j][b] = e[j];
      }
    }
    double ess = effectiveSampleSize(w);
    List<String> warnings = new ArrayList<>();
    if (ess < LOW_ESS_SHARE * n) {
      warnings.add(String.format(Locale.ROOT, "effective sample size %.1f is under %.0f%% of the %d records:"
          + " the candidate is far from the logging policy and IPS/SNIPS are unreliable", ess, LOW_ESS_SHARE * 100, n));
    }
    if (clipped > 0) {
      warnings.add(clipped + " logged propensities were below " + minPropensity + " and were clipped (biased toward 0)");
    }
    Map<String, Double> tuning = new LinkedHashMap<>();
    tuning.put("switch_tau", tau);
    tuning.put("dr_os_lambda", lambda);
    return new Report(n, ess, maxW, clipped, withIntervals(ESTIMATORS, point, boot), tuning, warnings);
  }

  /** (sum w)^2 / sum w^2, 0 when every weight is 0. */
  static double effectiveSampleSize(double[] w) {
    double sw = 0;
    double sw2 = 0;
    for (double x : w) {
      sw += x;
      sw2 += x * x;
    }
    return sw2 == 0 ? 0 : sw * sw / sw2;
  }

  /** Per record: q target + w 1{w <= tau} (r - q logged). */
  static double[] switchTerms(double[] w, double[] r, double[] ql, double[] qt, double tau) {
    double[] t = new double[w.length];
    for (int k = 0; k < w.length; k++) {
      t[k] = qt[k] + (w[k] <= tau ? w[k] * (r[k] - ql[k]) : 0);
    }
    return t;
  }

  /** Per record: q target + lambda w / (w^2 + lambda) (r - q logged); lambda infinite is plain DR. */
  static double[] shrunkTerms(double[] w, double[] r, double[] ql, double[] qt, double lambda) {
    double[] t = new double[w.length];
    for (int k = 0; k < w.length; k++) {
      double s = Double.isInfinite(lambda) ? w[k] : lambda * w[k] / (w[k] * w[k] + lambda);
      t[k] = qt[k] + s * (r[k] - ql[k]);
    }
    return t;
  }

  /**
   * The grid value whose per-record terms have the smallest estimated mean squared error: the
   * squared distance of their mean to {@code reference} plus the mean's cluster-robust variance.
   */
  static double tune(double[] grid, java.util.function.DoubleFunction<double[]> terms, double reference,
      int[] cluster, int clusters) {
    double best = grid[grid.length - 1];
    double bestMse = Double.POSITIVE_INFINITY;
    for (double g : grid) {
      double[] t = terms.apply(g);
      double v = mean(t);
      double[] dev = new double[clusters];
      for (int k = 0; k < t.length; k++) {
        dev[cluster[k]] += t[k] - v;
      }
      double var = 0;
      for (double d : dev) {
        var += d * d;
      }
      double mse = (v - reference) * (v - reference) + var / ((double) t.length * t.length);
      if (mse < bestMse) {
        bestMse = mse;
        best = g;
      }
    }
    return best;
  }

  /** The six estimates with record k counted {@code counts[k]} times, switch-DR at {@code tau}, DR-OS at {@code lambda}. */
  private static double[] estimates(double[] w, double[] r, double[] ql, double[] qt, int[] counts, double tau,
      double lambda) {
    double rows = 0;
    double[] sum = new double[6]; // w r, w, q target, dr, switch-dr, dr-os
    for (int k = 0; k < w.length; k++) {
      int c = counts[k];
      if (c == 0) {
        continue;
      }
      double residual = r[k] - ql[k];
      double shrunk = Double.isInfinite(lambda) ? w[k] : lambda * w[k] / (w[k] * w[k] + lambda);
      rows += c;
      sum[0] += c * w[k] * r[k];
      sum[1] += c * w[k];
      sum[2] += c * qt[k];
      sum[3] += c * (qt[k] + w[k] * residual);
      sum[4] += c * (qt[k] + (w[k] <= tau ? w[k] * residual : 0));
      sum[5] += c * (qt[k] + shrunk * residual);
    }
    return new double[] {sum[0] / rows, sum[1] == 0 ? 0 : sum[0] / sum[1], sum[2] / rows, sum[3] / rows,
        sum[4] / rows, sum[5] / rows};
  }

  /** The mean of the values. */
  static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  /** The estimates {@code names} at {@code point}, each with the 95 % interval of its bootstrap replicates. */
  static List<Estimate> withIntervals(List<String> names, double[] point, double[][] boot) {
    List<Estimate> out = new ArrayList<>();
    for (int e = 0; e < names.size(); e++) {
      double[] sorted = boot[e].clone();
      Arrays.sort(sorted);
      out.add(new Estimate(names.get(e), point[e], percentile(sorted, 0.025), percentile(sorted, 0.975)));
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
