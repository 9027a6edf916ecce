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
 * Off-policy estimators of a candidate policy's value from logs of another: IPS,
 * SNIPS, the direct method, doubly robust (Dudik et al. 2011), switch-DR (Wang et al. 2017: the DR
 * correction only where w <= tau, the reward model alone elsewhere) and DR with optimistic
 * shrinkage (Su et al. 2020: w -> lambda w / (w^2 + lambda)). tau and lambda are each picked from a
 * fixed grid by the smallest estimated mean squared error: the squared distance to the DR estimate
 * (the unbiased reference) plus the estimate's bootstrap variance. Every estimate comes with a
 * bootstrap 95 % interval that resamples clusters (sessions or users: the records of one cluster
 * are not independent) and, given a {@link Refit}, fits the reward model again on each resample
 * (a reward model fitted on the log varies with it: held fixed, DM's interval would be far too
 * narrow), plus the effective sample size, the largest weight and how many logged propensities
 * were clipped. Pure functions of the logged records; the action may be anything the
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
    int[] counts = new int[n];
    Arrays.fill(counts, 1);
    double[] point = estimates(w, r, ql, qt, counts);
    double[][] boot = new double[point.length][resamples];
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
      double[] e = estimates(w, r, q[0], q[1], counts);
      for (int j = 0; j < e.length; j++) {
        boot[j][b] = e[j];
      }
    }
    int tau = tune(point, boot, 4, TAUS.length);
    int lambda = tune(point, boot, 4 + TAUS.length, LAMBDAS.length);
    int[] chosen = {0, 1, 2, 3, tau, lambda};
    double[] reported = new double[chosen.length];
    double[][] reportedBoot = new double[chosen.length][];
    for (int j = 0; j < chosen.length; j++) {
      reported[j] = point[chosen[j]];
      reportedBoot[j] = boot[chosen[j]];
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
    tuning.put("switch_tau", TAUS[tau - 4]);
    tuning.put("dr_os_lambda", LAMBDAS[lambda - 4 - TAUS.length]);
    return new Report(n, ess, maxW, clipped, withIntervals(ESTIMATORS, reported, reportedBoot), tuning, warnings);
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

  /** The weight switch-DR gives a record's correction: w where w <= tau, else 0. */
  static double switched(double w, double tau) {
    return w <= tau ? w : 0;
  }

  /** The weight DR-OS gives a record's correction: lambda w / (w^2 + lambda); lambda infinite is plain DR. */
  static double shrunk(double w, double lambda) {
    return Double.isInfinite(lambda) ? w : lambda * w / (w * w + lambda);
  }

  /**
   * Of the {@code size} estimates from index {@code from} on (one per grid value), the index of the
   * one with the smallest estimated mean squared error: its squared distance to DR (index 3, the
   * unbiased reference) plus its bootstrap variance, which includes the reward model's refitting.
   */
  static int tune(double[] point, double[][] boot, int from, int size) {
    int best = from + size - 1;
    double bestMse = Double.POSITIVE_INFINITY;
    for (int j = from; j < from + size; j++) {
      double bias = point[j] - point[3];
      double mse = bias * bias + variance(boot[j]);
      if (mse < bestMse) {
        bestMse = mse;
        best = j;
      }
    }
    return best;
  }

  private static double variance(double[] v) {
    double m = mean(v);
    double s = 0;
    for (double x : v) {
      s += (x - m) * (x - m);
    }
    return v.length < 2 ? 0 : s / (v.length - 1);
  }

  /**
   * ips, snips, dm, dr, then switch-DR at each of {@link #TAUS} and DR-OS at each of
   * {@link #LAMBDAS}, with record k counted {@code counts[k]} times.
   */
  private static double[] estimates(double[] w, double[] r, double[] ql, double[] qt, int[] counts) {
    double rows = 0;
    double[] sum = new double[4 + TAUS.length + LAMBDAS.length]; // w r, w, q target, dr, switch-dr..., dr-os...
    for (int k = 0; k < w.length; k++) {
      int c = counts[k];
      if (c == 0) {
        continue;
      }
      double residual = r[k] - ql[k];
      rows += c;
      sum[0] += c * w[k] * r[k];
      sum[1] += c * w[k];
      sum[2] += c * qt[k];
      sum[3] += c * (qt[k] + w[k] * residual);
      for (int j = 0; j < TAUS.length; j++) {
        sum[4 + j] += c * (qt[k] + switched(w[k], TAUS[j]) * residual);
      }
      for (int j = 0; j < LAMBDAS.length; j++) {
        sum[4 + TAUS.length + j] += c * (qt[k] + shrunk(w[k], LAMBDAS[j]) * residual);
      }
    }
    double[] out = new double[sum.length];
    out[0] = sum[0] / rows;
    out[1] = sum[1] == 0 ? 0 : sum[0] / sum[1];
    for (int j = 2; j < sum.length; j++) {
      out[j] = sum[j] / rows;
    }
    return out;
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
