package org.causalrec.experiment;

import ai.djl.Device;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.causalrec.causal.ExposureModel;
import org.causalrec.causal.Propensities;
import org.causalrec.data.Feedback;
import org.causalrec.data.Interactions;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.model.Objective;
import org.causalrec.model.PairWeights;

/**
 * Mult-VAE trained naive and debiased (ips and snips, with the learned exposure propensities and
 * with popularity-power ones), each ranking every item for the sampled users: NDCG@k and
 * Spearman ρ against true relevance; and the share of training pairs whose propensity was clipped.
 */
final class VaeDebiasing {

  private VaeDebiasing() {}

  /** The share of training pairs whose weight is the clipping floor's 1/floor. */
  static double clippedShare(Interactions x, PairWeights inverse, double floor) {
    long clipped = 0;
    long n = 0;
    float top = (float) (1 / floor);
    for (int u = 0; u < x.users(); u++) {
      for (int c : x.row(u)) {
        clipped += inverse.weight(u, c) >= top * (1 - 1e-6f) ? 1 : 0;
        n++;
      }
    }
    return n == 0 ? 0 : clipped / (double) n;
  }

  private record Variant(String name, Objective objective, PairWeights weights) {}

  /** Trains one Mult-VAE per variant and puts vae_&lt;variant&gt;_ndcg@k and _spearman into m. */
  static void measure(CausalWorld w, ExposureModel exposure, CausalExperiment.Settings s, Device device,
      Consumer<String> progress, Map<String, Double> m) {
    Feedback feedback = w.feedback;
    double[] pop = Propensities.popularityPower(feedback.matrix().itemCounts(), 0.5, 1e-6);
    double floor = s.minPropensity();
    // the learned propensity is that of the recommendation channel: it weighs feedback on items a
    // slate showed the user; feedback that came through other channels keeps weight 1
    PairWeights learned = exposure.inverseWeights(w.log, feedback.users(), feedback.items(), floor);
    PairWeights popular = (u, i) -> 1f / (float) Math.max(floor, pop[i]);
    List<Variant> variants = List.of(new Variant("naive", Objective.NAIVE, null),
        new Variant("ips", Objective.IPS, learned), new Variant("snips", Objective.SNIPS, learned),
        new Variant("ips_popularity", Objective.IPS, popular), new Variant("snips_popularity", Objective.SNIPS, popular));
    m.put("vae_learned_clipped_share", clippedShare(feedback.matrix(), learned, floor));
    m.put("vae_popularity_clipped_share", clippedShare(feedback.matrix(), popular, floor));
    int[] rows = Arrays.stream(w.evalUsers).map(u -> w.logToFbUser[u]).filter(u -> u >= 0).toArray();
    Interactions history = feedback.matrix().selectRows(rows);
    for (Variant v : variants) {
      MultVaeParams p = MultVaeParams.forData(s.vaeEpochs(), feedback.users().size(), (int) w.seed);
      long t0 = System.nanoTime();
      try (MultVae vae = MultVae.KIND.train(new MultVae.Data(feedback.matrix(), v.objective(), v.weights(), null), p,
          device, r -> { })) {
        float[][] scores = vae.score(history, 0, rows.length);
        CausalWorld.Agreement agreement = w.agreement(s.k());
        for (int r = 0; r < rows.length; r++) {
          agreement.add(w.fbUser[rows[r]], scores[r], w.fbItem);
        }
        agreement.report("vae_" + v.name(), "mult-vae " + v.name(), t0, m, progress);
      }
    }
  }
}
