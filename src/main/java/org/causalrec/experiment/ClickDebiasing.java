package org.causalrec.experiment;

import org.causalrec.causal.Propensities;

import ai.djl.Device;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import org.causalrec.model.ClickMlp;
import org.causalrec.model.Objective;

/**
 * The click MLP trained naive and debiased (ips, snips, dr) on the logged propensities, each
 * ranking every item for the sampled users: NDCG@k and Spearman ρ against true relevance; the same
 * for the world's relevance among the sessions that showed each item (the target of naive training,
 * which a perfect fit of the log converges to); and the share of logged propensities under the
 * clipping floor.
 */
final class ClickDebiasing {

  private ClickDebiasing() {}

  /** Trains one click MLP per objective and puts click_&lt;objective&gt;_ndcg@k and _spearman into m. */
  static void measure(CausalWorld w, CausalExperiment.Settings s, Device device, Consumer<String> progress,
      Map<String, Double> m) {
    Impressions log = w.log;
    float[] logged = log.propensity();
    Sessions.Unshown unshown = w.sessions.unshown(log, 10, w.seed);
    int home = Math.max(0, log.surfaces().indexOf("home"));
    m.put("click_clipped_share", Propensities.clippedShare(logged, s.minPropensity()));
    // the ceiling of naive training: ranking by the world's own click rate when shown, the target a
    // perfectly fitted naive model converges to (true relevance itself would score 1)
    CausalWorld.Agreement whenShown = w.agreement(s.k());
    for (int u : w.evalUsers) {
      whenShown.add(w.impUser[u], w.world.relevanceWhenShown(w.impUser[u]));
    }
    whenShown.report("click_when_shown", "relevance when shown (the naive target)", System.nanoTime(), m, progress);
    for (Objective o : Objective.values()) {
      ClickMlp.Params p = params(w, s);
      ClickMlp.Debiasing d = new ClickMlp.Debiasing(o, logged, (float) s.minPropensity(),
          o.doublyRobust() ? unshown.pairs() : null, o.doublyRobust() ? unshown.weight() : null);
      long t0 = System.nanoTime();
      try (ClickMlp mlp = ClickMlp.KIND.train(new ClickMlp.Data(log, null, d), p, device,
          r -> progress.accept("click " + o.wireName() + " epoch " + r.epoch() + " loss " + r.loss()))) {
        CausalWorld.Agreement agreement = w.agreement(s.k());
        for (int u : w.evalUsers) {
          agreement.add(w.impUser[u], mlp.predict(allItems(log, u, home)), w.impItem);
        }
        agreement.report("click_" + o.wireName(), "click " + o.wireName(), t0, m, progress);
      }
    }
  }

  /** The click MLP's default network with the settings' epochs and the world's seed. */
  static ClickMlp.Params params(CausalWorld w, CausalExperiment.Settings s) {
    ClickMlp.Params d = ClickMlp.Params.defaults(s.clickEpochs());
    return new ClickMlp.Params(d.embedding(), d.hidden(), d.learningRate(), d.batchSize(), d.epochs(),
        (int) w.seed);
  }

  /** Rows for user u and every item at the top position of the surface, after all of u's history. */
  static Impressions allItems(Impressions log, int u, int surface) {
    int n = log.items().size();
    int[] us = new int[n];
    int[] is = new int[n];
    int[] zeros = new int[n];
    int[] surfaces = new int[n];
    long[] time = new long[n];
    float[] nan = new float[n];
    Arrays.fill(us, u);
    Arrays.fill(surfaces, surface);
    Arrays.fill(time, Long.MAX_VALUE / 2);
    Arrays.fill(nan, Float.NaN);
    for (int i = 0; i < n; i++) {
      is[i] = i;
    }
    return new Impressions(log.users(), log.items(), log.surfaces(), us, is, zeros, surfaces, new int[n], time,
        new boolean[n], new boolean[n], nan, new boolean[n], log.history(), log.historyTime(), log.purchases(), log.purchaseTime());
  }
}
