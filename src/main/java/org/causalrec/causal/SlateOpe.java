package org.causalrec.causal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Off-policy value of a slate policy from logged slates,
 * item-wise: each shown item is an action whose reward (its conversion) does not depend on the
 * rest of the slate nor on the item's position in it (so never for clicks, which do: those need
 * per-position propensities and {@link OffPolicy} with (item, position) as the action), so
 * with inclusion probabilities e_b (logging) and e_e (candidate) the value per session
 * V = E[sum_i e_e(i) y(i)] is estimated by IPS sum_{i shown} (e_e / e_b) r_i, SNIPS (the weighted
 * mean reward times the candidate's expected slate size), DM sum_i e_e(i) q(i) over every item,
 * and DR = DM + sum_{i shown} (e_e / e_b)(r_i - q_i). Intervals bootstrap sessions.
 */
public final class SlateOpe {

  /**
   * One logged session.
   *
   * @param behaviour the logging policy's inclusion probability of each shown item
   * @param target the candidate's inclusion probability of each shown item
   * @param reward each shown item's reward
   * @param q the reward model's prediction for each shown item
   * @param direct sum over every item of the candidate's inclusion probability times q
   * @param targetSize sum over every item of the candidate's inclusion probability
   */
  public record Session(double[] behaviour, double[] target, double[] reward, double[] q, double direct,
      double targetSize) {
    public Session {
      int n = behaviour.length;
      if (target.length != n || reward.length != n || q.length != n) {
        throw new IllegalArgumentException("per-item arrays of one session must have one length");
      }
      for (double b : behaviour) {
        if (!(b > 0 && b <= 1)) {
          throw new IllegalArgumentException("behaviour propensities must be in (0, 1]: " + b);
        }
      }
    }
  }

  private SlateOpe() {}

  /** IPS, SNIPS, DM and DR with bootstrap intervals, ESS over the shown items' weights, warnings. */
  public static OffPolicy.Report evaluate(List<Session> log, double minPropensity, int resamples, long seed) {
    int n = log.size();
    if (n == 0) {
      throw new IllegalArgumentException("no logged sessions");
    }
    double[] ips = new double[n];
    double[] weight = new double[n];
    double[] dm = new double[n];
    double[] dr = new double[n];
    double[] size = new double[n];
    double sw = 0;
    double sw2 = 0;
    double maxW = 0;
    int clipped = 0;
    int actions = 0;
    for (int s = 0; s < n; s++) {
      Session x = log.get(s);
      double corr = 0;
      for (int k = 0; k < x.behaviour().length; k++) {
        double b = x.behaviour()[k];
        if (b < minPropensity) {
          b = minPropensity;
          clipped++;
        }
        double w = x.target()[k] / b;
        ips[s] += w * x.reward()[k];
        weight[s] += w;
        corr += w * (x.reward()[k] - x.q()[k]);
        sw += w;
        sw2 += w * w;
        maxW = Math.max(maxW, w);
        actions++;
      }
      dm[s] = x.direct();
      dr[s] = x.direct() + corr;
      size[s] = x.targetSize();
    }
    double[] point = estimates(ips, weight, dm, dr, size, null);
    double[][] boot = new double[4][resamples];
    SplittableRandom rng = new SplittableRandom(seed);
    int[] pick = new int[n];
    for (int b = 0; b < resamples; b++) {
      for (int k = 0; k < n; k++) {
        pick[k] = rng.nextInt(n);
      }
      double[] e = estimates(ips, weight, dm, dr, size, pick);
      for (int k = 0; k < 4; k++) {
        boot[k][b] = e[k];
      }
    }
    List<OffPolicy.Estimate> out = OffPolicy.withIntervals(List.of("ips", "snips", "dm", "dr"), point, boot);
    double ess = sw2 == 0 ? 0 : sw * sw / sw2;
    List<String> warnings = new ArrayList<>();
    if (ess < OffPolicy.LOW_ESS_SHARE * actions) {
      warnings.add(String.format(Locale.ROOT, "effective sample size %.1f is under %.0f%% of the %d logged actions:"
          + " the candidate is far from the logging policy and IPS/SNIPS are unreliable", ess,
          OffPolicy.LOW_ESS_SHARE * 100, actions));
    }
    if (clipped > 0) {
      warnings.add(clipped + " logged propensities were below " + minPropensity + " and were clipped");
    }
    return new OffPolicy.Report(n, ess, maxW, clipped, out, java.util.Map.of(), warnings);
  }

  private static double[] estimates(double[] ips, double[] weight, double[] dm, double[] dr, double[] size,
      int[] pick) {
    int n = ips.length;
    double sIps = 0;
    double sW = 0;
    double sDm = 0;
    double sDr = 0;
    double sSize = 0;
    for (int k = 0; k < n; k++) {
      int s = pick == null ? k : pick[k];
      sIps += ips[s];
      sW += weight[s];
      sDm += dm[s];
      sDr += dr[s];
      sSize += size[s];
    }
    double snips = sW == 0 ? 0 : sIps / sW * (sSize / n);
    return new double[] {sIps / n, snips, sDm / n, sDr / n};
  }

}
