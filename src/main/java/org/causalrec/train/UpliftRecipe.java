package org.causalrec.train;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import org.causalrec.causal.ExposureModel;
import org.causalrec.causal.Interval;
import org.causalrec.causal.UpliftModel;
import org.causalrec.config.Config;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import org.causalrec.model.ModelKind;

/**
 * The uplift model (an ensemble of {@code causal.uplift_members} networks) on the logged sessions,
 * each member with an exposure model fitted to its own bootstrap of the users for its propensities,
 * and a Mult-VAE of its own for the collaborative features (saved with it, so serving needs nothing
 * else).
 */
final class UpliftRecipe implements Recipe {

  /** Default epochs (the best held-out epoch is kept). */
  static final int EPOCHS = 8;

  @Override
  public ModelKind<?, ?, ?> kind() {
    return UpliftModel.KIND;
  }

  @Override
  public int defaultEpochs(Config config) {
    return EPOCHS;
  }

  @Override
  public Trained train(TrainingRun run) throws IOException {
    CausalInputs inputs = new CausalInputs(run);
    CausalInputs.Log l = inputs.readLog();
    Impressions imp = l.impressions();
    double floor = run.config().causal().upliftMinPropensity();
    // each member of the ensemble fits its own exposure model to its bootstrap of the users
    try (PairFeatures pf = inputs.pairFeatures(imp.items())) {
      try (UpliftModel m = UpliftModel.KIND.train(new UpliftModel.Data(imp, l.sessions(), null, pf.features(), floor,
              inputs.refitExposure(l, CausalInputs.EXPOSURE_EPOCHS)),
          UpliftModel.Params.defaults(run.epochs(), 1, run.config().causal().upliftMembers()), run.device(),
          UpliftModel.logTo(run::detail))) {
        JsonObject metrics = metrics(m, l);
        m.save(run.dir());
        pf.cf().save(run.dir().resolve("cf"));
        pf.feedback().items().write(run.dir().resolve("cf").resolve("items.json"));
        imp.users().write(run.dir().resolve("users.json"));
        imp.items().write(run.dir().resolve("items.json"));
        pf.saveCounts(run.dir());
        JsonObject params = new JsonObject().put("epochs", run.epochs()).put("members", m.members())
            .put("interval", Interval.METHOD)
            .put("min_propensity", floor).put("exposure_epochs", CausalInputs.EXPOSURE_EPOCHS)
            .put("feature_vae_epochs", PairFeatures.EPOCHS);
        return new Trained(params, metrics, l.maxEventId(), run.dir());
      }
    }
  }

  /**
   * On the held-out sessions' recommendations: the mean predicted P(conversion | recommended)
   * against the observed conversion rate, and the mean and spread of the estimated uplift.
   */
  private static JsonObject metrics(UpliftModel m, CausalInputs.Log l) {
    Impressions imp = l.impressions();
    Sessions s = l.sessions();
    double predicted = 0;
    double observed = 0;
    double tau = 0;
    int positive = 0;
    int n = 0;
    for (int k = 0; k < s.size(); k++) {
      if (!ExposureModel.isHeldOut(k)) {
        continue;
      }
      // as the session saw the user: nothing from it or later reaches the estimate
      UpliftModel.Estimate[] est = m.forUserAt(s.user()[k], s.start()[k]);
      for (int r : s.rows()[k]) {
        UpliftModel.Estimate e = est[imp.item()[r]];
        predicted += e.treated();
        observed += imp.converted()[r] ? 1 : 0;
        tau += e.uplift();
        positive += e.uplift() > 0 ? 1 : 0;
        n++;
      }
    }
    return new JsonObject().put("held_out_recommendations", n)
        .put("predicted_conversion_rate", n == 0 ? null : predicted / n)
        .put("observed_conversion_rate", n == 0 ? null : observed / n)
        .put("mean_uplift", n == 0 ? null : tau / n)
        .put("share_positive_uplift", n == 0 ? null : positive / (double) n)
        .put("sessions", s.size()).put("impressions", imp.size());
  }
}
