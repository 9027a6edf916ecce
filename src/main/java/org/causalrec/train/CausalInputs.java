package org.causalrec.train;

import org.causalrec.causal.ExposureModel;
import org.causalrec.causal.Propensities;
import org.causalrec.causal.UpliftModel;
import java.util.Arrays;
import org.causalrec.data.Feedback;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import org.causalrec.model.PairModel;
import org.causalrec.model.PairWeights;

/**
 * What the causal recipes share (blocking; on the training worker): the logged impressions and
 * their sessions, an exposure model fitted inline, and the propensities that debias the Mult-VAE
 * and the click model.
 */
final class CausalInputs {

  /** Epochs of the exposure model trained inline for another model's propensities. */
  static final int EXPOSURE_EPOCHS = 20;

  private final TrainingRun run;

  CausalInputs(TrainingRun run) {
    this.run = run;
  }

  /** The feature Mult-VAE fitted to the stored positive feedback, for pair features over {@code items}. */
  PairFeatures pairFeatures(IdIndex items) {
    return PairFeatures.fit(Feedback.load(run.events(), run.config().eventTypes()), items, run.device());
  }

  /** The logged impressions and their sessions; refuses a log without enough of them. */
  record Log(long maxEventId, Impressions impressions, Sessions sessions) {}

  Log readLog() {
    long maxEventId = run.snapshot();
    Impressions imp = Impressions.load(run.events());
    if (imp.size() < 100) {
      throw new IllegalStateException("not enough impressions to learn exposure from: " + imp.size()
          + " (log impression events with their position and propensity)");
    }
    return new Log(maxEventId, imp, Sessions.of(imp));
  }

  ExposureModel fitExposure(Log l, int epochs) {
    return fitExposure(l.impressions(), l.sessions(), epochs);
  }

  private ExposureModel fitExposure(Impressions imp, Sessions sessions, int epochs) {
    return ExposureModel.KIND.train(new ExposureModel.Data(imp, sessions, run.itemText().apply(imp.items())),
        PairModel.Params.defaults(epochs, 1), run.device(), ExposureModel.logTo(run::detail));
  }

  /** The exposure model of {@code l} fitted again to a bootstrap of its users (an uplift member's). */
  UpliftModel.ExposureRefit refitExposure(Log l, int epochs) {
    return UpliftModel.ExposureRefit.of(l.impressions(), l.sessions(), run.itemText().apply(l.impressions().items()),
        epochs, run.device(), ExposureModel.logTo(run::detail));
  }

  /**
   * Inverse propensity weights for the Mult-VAE over {@code fb}'s indexes: popularity power of the
   * items' feedback counts, or the learned exposure over each user's sessions for items a slate
   * showed them (other feedback keeps weight 1: its channel's exposure is not logged).
   */
  PairWeights vaeWeights(Feedback fb, String source) {
    double floor = run.config().causal().minPropensity();
    if (source.equals("popularity")) {
      double[] p = Propensities.popularityPower(fb.matrix().itemCounts(), run.config().causal().popularityEta(), floor);
      return (u, i) -> (float) (1 / p[i]);
    }
    Log l = readLog();
    try (ExposureModel exposure = fitExposure(l, EXPOSURE_EPOCHS)) {
      return exposure.inverseWeights(l.impressions(), fb.users(), fb.items(), floor);
    }
  }

  /**
   * Per impression: its logged propensity, or the exposure model's where none was logged (the
   * model is fitted only when some are missing).
   */
  float[] impressionPropensities(Impressions imp) {
    float[] p = imp.propensity().clone();
    int[] missing = java.util.stream.IntStream.range(0, p.length).filter(r -> Float.isNaN(p[r])).toArray();
    if (missing.length == 0) {
      return p;
    }
    Sessions s = Sessions.of(imp);
    int[] users = java.util.Arrays.stream(missing).map(r -> imp.user()[r]).toArray();
    int[] items = java.util.Arrays.stream(missing).map(r -> imp.item()[r]).toArray();
    try (ExposureModel exposure = fitExposure(imp, s, EXPOSURE_EPOCHS)) {
      float[] e = exposure.session(users, items); // one batched prediction, not one per impression
      for (int k = 0; k < missing.length; k++) {
        p[missing[k]] = e[k];
      }
    }
    return p;
  }
}
