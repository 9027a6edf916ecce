package org.causalrec.experiment;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.causalrec.causal.OffPolicy;
import org.causalrec.causal.SlateOpe;
import org.causalrec.causal.UpliftModel;
import org.causalrec.data.Sessions;
import org.causalrec.model.MultVae;

/**
 * Off-policy estimates of candidate slate policies against their true value: the candidates are
 * softmaxes over a naive Mult-VAE's scores at several temperatures, drawn as many times per
 * session as the logging policy, evaluated on the logged sessions with the uplift model's
 * P(convert | recommended) as the reward model; the true value (expected conversions from
 * recommended items per session) comes from the world.
 */
final class OffPolicyAccuracy {

  /** Temperatures of the candidate policies evaluated off-policy (softmax over Mult-VAE scores). */
  static final double[] TEMPERATURES = {4.0, 2.0};
  /** Logging propensities below this are "rarely shown": the log holds few or none of those actions. */
  static final double RARE_PROPENSITY = 1e-3;
  /** Clipping floor of the logged propensities in off-policy evaluation. */
  static final double MIN_PROPENSITY = 1e-4;

  private OffPolicyAccuracy() {}

  /**
   * Puts each candidate's true value, the share of it from rarely shown items and each estimator's
   * relative error into m, the estimates into detail's "ope".
   */
  static void measure(CausalWorld w, MultVae vae, UpliftModel uplift, int slate, Consumer<String> progress,
      Map<String, Double> m, JsonObject detail) {
    Sessions sessions = w.sessions;
    int items = w.log.items().size();
    JsonArray reports = new JsonArray();
    for (double temperature : TEMPERATURES) {
      List<SlateOpe.Session> logged = new ArrayList<>();
      double trueValue = 0;
      double rareValue = 0;
      int cachedUser = -1;
      OpeRun.Candidate candidate = null;
      for (int s = 0; s < sessions.size(); s++) {
        int u = sessions.user()[s];
        if (u != cachedUser) {
          cachedUser = u;
          int fu = w.logToFbUser[u];
          float[] scores = fu < 0 ? new float[w.feedback.items().size()]
              : vae.score(w.feedback.matrix().selectRows(new int[] {fu}), 0, 1)[0];
          double[] incl = OpeRun.inclusion(scores, w.logToFbItem, temperature, slate);
          UpliftModel.Estimate[] est = uplift.forUser(u);
          double[] q = new double[items];
          double value = 0;
          double rare = 0;
          int wu = w.impUser[u];
          double[] logging = w.world.propensities(wu);
          for (int i = 0; i < items; i++) {
            q[i] = est[i].treated();
            double y0 = w.world.organicConversion(wu, w.impItem[i]);
            double v = incl[i] * (y0 + w.world.uplift(wu, w.impItem[i]));
            value += v;
            rare += logging[w.impItem[i]] < RARE_PROPENSITY ? v : 0;
          }
          candidate = OpeRun.Candidate.of(incl, q);
          trueValue += value * sessions.perUser()[u];
          rareValue += rare * sessions.perUser()[u];
        }
        logged.add(candidate.session(w.log, sessions.rows()[s], w.log.converted()));
      }
      trueValue /= sessions.size();
      // logged propensities are the logging policy's own: clip only against numerical accidents
      OffPolicy.Report rep = SlateOpe.evaluate(logged, MIN_PROPENSITY, 200, w.seed);
      String key = "ope_t" + (int) temperature;
      m.put(key + "_true", trueValue);
      m.put(key + "_rare_share", rareValue / sessions.size() / trueValue);
      JsonObject jr = new JsonObject().put("temperature", temperature).put("true_value", trueValue)
          .put("ess", rep.effectiveSampleSize()).put("max_weight", rep.maxWeight()).put("warnings", rep.warnings());
      for (OffPolicy.Estimate e : rep.estimates()) {
        m.put(key + "_" + e.estimator() + "_relerr", Math.abs(e.value() - trueValue) / trueValue);
        jr.put(e.estimator(), new JsonObject().put("value", e.value()).put("low", e.low()).put("high", e.high()));
      }
      reports.add(jr);
      progress.accept("OPE at temperature " + temperature + ": " + jr.encode());
    }
    detail.put("ope", reports);
  }
}
