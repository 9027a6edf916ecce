package org.causalrec.experiment;

import ai.djl.Device;
import java.util.Map;
import java.util.function.Consumer;
import org.causalrec.causal.CfFeatures;
import org.causalrec.data.Impressions;
import org.causalrec.model.ClickMlp;
import org.causalrec.model.MultVae;
import org.causalrec.model.TopK;

/**
 * Does re-ranking the Mult-VAE's candidates by the click MLP bring more clicks? For each sampled
 * user, the true expected clicks (the simulator's click model at positions 0..k-1) of the top k by
 * the Mult-VAE's score; of its top {@link #CANDIDATES} re-ranked by a naive click MLP's P(click at
 * the top position), with the Mult-VAE's view of each pair as an input (as serving ranks) and
 * without it; of the plain click MLP over every item; at random; and of the oracle order (true
 * P(click at the top position)); each per 1,000 recommendations.
 */
final class TwoStageRanking {

  /** Candidates the first stage hands to the second, as serving would. */
  static final int CANDIDATES = 200;

  private TwoStageRanking() {}

  /** Puts clicks_per_1000_{cf, two_stage, two_stage_plain, click_mlp, random, oracle} into m. */
  static void measure(CausalWorld w, MultVae cf, CausalExperiment.Settings s, Device device,
      Consumer<String> progress, Map<String, Double> m) {
    int k = s.k();
    int home = Math.max(0, w.log.surfaces().indexOf("home"));
    int[] fbToLog = w.feedback.items().indexesIn(w.log.items());
    double cfClicks = 0;
    double twoStage = 0;
    double plainStage = 0;
    double mlpAlone = 0;
    double random = 0;
    double oracle = 0;
    int users = 0;
    long t0 = System.nanoTime();
    CfFeatures features = CfFeatures.of(cf, w.feedback, w.log.items());
    try (ClickMlp mlp = ClickMlp.KIND.train(ClickMlp.Data.naive(w.log), ClickDebiasing.params(w, s), device,
        r -> { });
        ClickMlp stacked = ClickMlp.KIND.train(new ClickMlp.Data(w.log, null, ClickMlp.Debiasing.NONE, features),
            ClickDebiasing.params(w, s), device, r -> { })) {
      for (int u : w.evalUsers) {
        int fu = w.logToFbUser[u];
        if (fu < 0) {
          continue;
        }
        int wu = w.impUser[u];
        float[] vae = cf.score(w.feedback.matrix(), fu, fu + 1)[0];
        Impressions slate = ClickDebiasing.allItems(w.log, u, home);
        float[] click = mlp.predict(slate);
        float[] served = stacked.predict(slate);
        int[] candidates = TopK.of(vae, CANDIDATES, null);
        int[] reranked = TopK.of(second(candidates, fbToLog, served), k, null);
        int[] plain = TopK.of(second(candidates, fbToLog, click), k, null);
        for (int r = 0; r < k; r++) {
          cfClicks += w.world.clickProbability(wu, w.fbItem[candidates[r]], r);
          twoStage += w.world.clickProbability(wu, w.fbItem[candidates[reranked[r]]], r);
          plainStage += w.world.clickProbability(wu, w.fbItem[candidates[plain[r]]], r);
        }
        int[] mlpTop = TopK.of(click, k, null);
        for (int r = 0; r < k; r++) {
          mlpAlone += w.world.clickProbability(wu, w.impItem[mlpTop[r]], r);
        }
        float[] truth = new float[w.world.items()];
        for (int i = 0; i < truth.length; i++) {
          truth[i] = (float) w.world.clickProbability(wu, i, 0);
        }
        int[] best = TopK.of(truth, k, null);
        for (int r = 0; r < k; r++) {
          oracle += w.world.clickProbability(wu, best[r], r);
          for (int i = 0; i < truth.length; i++) { // a random item at position r
            random += w.world.clickProbability(wu, i, r) / truth.length;
          }
        }
        users++;
      }
    }
    double per = 1000.0 / (users * (double) k);
    m.put("clicks_per_1000_cf", cfClicks * per);
    m.put("clicks_per_1000_two_stage", twoStage * per);
    m.put("clicks_per_1000_two_stage_plain", plainStage * per);
    m.put("clicks_per_1000_click_mlp", mlpAlone * per);
    m.put("clicks_per_1000_random", random * per);
    m.put("clicks_per_1000_oracle", oracle * per);
    progress.accept(String.format(java.util.Locale.ROOT, "two-stage: %.1f clicks per 1,000 (Mult-VAE alone %.1f;"
        + " %.0f s)", twoStage * per, cfClicks * per, (System.nanoTime() - t0) / 1e9));
  }

  /** The second stage's scores of the candidates (feedback indexes) from its scores over the log's items. */
  private static float[] second(int[] candidates, int[] fbToLog, float[] overLog) {
    float[] out = new float[candidates.length];
    for (int c = 0; c < candidates.length; c++) {
      int li = fbToLog[candidates[c]];
      out[c] = li < 0 ? Float.NEGATIVE_INFINITY : overLog[li];
    }
    return out;
  }
}
