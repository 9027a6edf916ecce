package org.causalrec.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.causalrec.causal.UpliftModel;
import org.causalrec.eval.Correlation;
import org.causalrec.model.MultVae;
import org.causalrec.model.TopK;

/**
 * True incremental conversions per 1,000 recommendations of each sampled user's top k, ranked by
 * the collaborative model's relevance, by estimated uplift, by P(convert | recommended), at random
 * and by true uplift; how the uplift model's estimates rank against the true ones; and how often its
 * interval covers the true uplift (called 95 % only at a measured
 * coverage of at least 0.9).
 */
final class UpliftRanking {

  private UpliftRanking() {}

  /** Puts incremental_per_1000_cf: the collaborative model's top k. */
  static void collaborative(CausalWorld w, MultVae cf, int k, Map<String, Double> m) {
    double sum = 0;
    for (int u : w.evalUsers) {
      int fu = w.logToFbUser[u];
      if (fu < 0) {
        continue;
      }
      float[] s = cf.score(w.feedback.matrix(), fu, fu + 1)[0];
      int wu = w.impUser[u];
      for (int i : TopK.of(s, k, null)) {
        sum += w.world.uplift(wu, w.fbItem[i]);
      }
    }
    m.put("incremental_per_1000_cf", sum / thousands(w, k));
  }

  /**
   * Puts the incremental conversions of the top k by uplift, probability, at random and by truth, the
   * Spearman ρs, and over every (sampled user, item) pair the share whose true uplift lies in the
   * interval, the interval's mean width and the estimate's mean absolute error.
   */
  static void byUplift(CausalWorld w, UpliftModel uplift, int k, Map<String, Double> m) {
    double byUplift = 0;
    double byProbability = 0;
    double byTruth = 0;
    double atRandom = 0;
    List<double[]> pairs = new ArrayList<>();
    List<double[]> treatedPairs = new ArrayList<>();
    List<double[]> controlPairs = new ArrayList<>();
    long covered = 0;
    double width = 0;
    double absError = 0;
    for (int u : w.evalUsers) {
      int wu = w.impUser[u];
      UpliftModel.Estimate[] est = uplift.forUser(u);
      float[] tau = new float[est.length];
      float[] treated = new float[est.length];
      double[] trueTau = new double[est.length];
      for (int i = 0; i < est.length; i++) {
        tau[i] = (float) est[i].uplift();
        treated[i] = (float) est[i].treated();
        trueTau[i] = w.world.uplift(wu, w.impItem[i]);
        pairs.add(new double[] {tau[i], trueTau[i]});
        double y0 = w.world.organicConversion(wu, w.impItem[i]);
        treatedPairs.add(new double[] {treated[i], y0 + trueTau[i]});
        controlPairs.add(new double[] {est[i].control(), y0});
        atRandom += trueTau[i] / est.length * k;
        covered += est[i].low() <= trueTau[i] && trueTau[i] <= est[i].high() ? 1 : 0;
        width += est[i].high() - est[i].low();
        absError += Math.abs(est[i].uplift() - trueTau[i]);
      }
      byUplift += sumAt(TopK.of(tau, k, null), trueTau);
      byProbability += sumAt(TopK.of(treated, k, null), trueTau);
      float[] t = new float[trueTau.length];
      for (int i = 0; i < t.length; i++) {
        t[i] = (float) trueTau[i];
      }
      byTruth += sumAt(TopK.of(t, k, null), trueTau);
    }
    double recs = thousands(w, k);
    m.put("incremental_per_1000_uplift", byUplift / recs);
    m.put("incremental_per_1000_probability", byProbability / recs);
    m.put("incremental_per_1000_random", atRandom / recs);
    m.put("incremental_per_1000_oracle", byTruth / recs);
    m.put("uplift_spearman", Correlation.pearson(pairs, true));
    m.put("treated_spearman", Correlation.pearson(treatedPairs, true));
    m.put("control_spearman", Correlation.pearson(controlPairs, true));
    double n = pairs.size();
    m.put("uplift_interval_coverage", covered / n);
    m.put("uplift_interval_width", width / n);
    m.put("uplift_abs_error", absError / n);
  }

  /** Thousands of recommendations: k per sampled user. */
  private static double thousands(CausalWorld w, int k) {
    return w.evalUsers.length * (double) k / 1000.0;
  }

  private static double sumAt(int[] top, double[] values) {
    double s = 0;
    for (int i : top) {
      s += values[i];
    }
    return s;
  }
}
