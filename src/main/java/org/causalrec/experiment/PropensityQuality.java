package org.causalrec.experiment;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.causalrec.causal.ExposureModel;
import org.causalrec.causal.Propensities;
import org.causalrec.eval.Calibration;
import org.causalrec.eval.Correlation;

/**
 * Learned exposure propensities against the world's true inclusion probabilities (Pearson and
 * Spearman, with the popularity-power fallback's Spearman for reference) and their calibration on
 * held-out sessions.
 */
final class PropensityQuality {

  private PropensityQuality() {}

  /** Puts the correlations and the calibration error into m, the calibration deciles into detail. */
  static void measure(CausalWorld w, ExposureModel exposure, Map<String, Double> m, JsonObject detail) {
    Calibration cal = exposure.calibration(w.log, w.sessions);
    int[] counts = new int[w.log.items().size()];
    for (int i : w.log.item()) {
      counts[i]++;
    }
    double[] pop = Propensities.popularityPower(counts, 1.0, 1e-6);
    List<double[]> learned = new ArrayList<>();
    List<double[]> popular = new ArrayList<>();
    int users = w.log.users().size();
    for (int u = 0; u < users; u += Math.max(1, users / 300)) {
      double[] trueP = w.world.propensities(w.impUser[u]);
      float[] e = exposure.sessionForUser(u);
      for (int i = 0; i < e.length; i++) {
        double t = trueP[w.impItem[i]];
        learned.add(new double[] {e[i], t});
        popular.add(new double[] {pop[i], t});
      }
    }
    m.put("propensity_pearson", Correlation.pearson(learned, false));
    m.put("propensity_spearman", Correlation.pearson(learned, true));
    m.put("popularity_spearman", Correlation.pearson(popular, true));
    m.put("propensity_ece", cal.expectedCalibrationError());
    JsonArray deciles = new JsonArray();
    for (Calibration.Decile d : cal.deciles()) {
      deciles.add(new JsonObject().put("decile", d.decile()).put("predicted", d.predicted()).put("observed", d.observed()));
    }
    detail.put("calibration", deciles).put("calibration_sessions", cal.examples() / exposure.items());
  }
}
