package org.causalrec.train;

import ai.djl.Device;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.function.Consumer;
import org.causalrec.causal.CfFeatures;
import org.causalrec.causal.ExposureModel;
import org.causalrec.causal.Propensities;
import org.causalrec.causal.UpliftModel;
import org.causalrec.config.Config;
import org.causalrec.data.Feedback;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.model.PairModel;
import org.causalrec.model.PairWeights;
import org.causalrec.store.EventRepository;

/**
 * The causal models' training jobs (blocking; run on the training worker): the exposure
 * propensity model, the uplift model, and the propensities that debias the Mult-VAE and the
 * click model.
 */
final class CausalTraining {

  /** Epochs of the exposure model trained inline for another model's propensities. */
  static final int EXPOSURE_EPOCHS = 20;
  /** Epochs of the Mult-VAE whose scores are the uplift model's collaborative features. */
  static final int FEATURE_VAE_EPOCHS = 30;

  private final EventRepository events;
  private final Config config;
  private final Device device;
  private final Consumer<String> log;
  /** Item text embeddings, one row per item of an index (null: no text features). */
  private final java.util.function.Function<org.causalrec.data.IdIndex, float[][]> itemText;

  CausalTraining(EventRepository events, Config config, Device device, Consumer<String> log,
      java.util.function.Function<org.causalrec.data.IdIndex, float[][]> itemText) {
    this.itemText = itemText;
    this.events = events;
    this.config = config;
    this.device = device;
    this.log = log;
  }

  /** The logged impressions and their sessions; refuses a log without enough of them. */
  record Log(long maxEventId, Impressions impressions, Sessions sessions) {}

  Log readLog() {
    long maxEventId = events.maxId().toCompletionStage().toCompletableFuture().join(); // the snapshot: read first
    Impressions imp = Impressions.load(events);
    if (imp.size() < 100) {
      throw new IllegalStateException("not enough impressions to learn exposure from: " + imp.size()
          + " (log impression events with their position and propensity)");
    }
    return new Log(maxEventId, imp, Sessions.of(imp));
  }

  ExposureModel fitExposure(Log l, int epochs) {
    return ExposureModel.fit(l.impressions(), l.sessions(), itemText.apply(l.impressions().items()),
        PairModel.Params.defaults(epochs, 1), device, log);
  }

  /** Trains and saves an exposure model; returns its metrics (calibration on held-out sessions). */
  TrainingService.Trained exposure(Path dir, int epochs) throws IOException {
    Log l = readLog();
    try (ExposureModel m = fitExposure(l, epochs)) {
      ExposureModel.Calibration cal = m.calibration(l.impressions(), l.sessions());
      m.save(dir);
      writeIds(dir.resolve("users.json"), l.impressions().users());
      writeIds(dir.resolve("items.json"), l.impressions().items());
      JsonArray deciles = new JsonArray();
      cal.deciles().forEach(d -> deciles.add(new JsonObject().put("decile", d.decile()).put("pairs", d.pairs())
          .put("predicted", d.predicted()).put("observed", d.observed())));
      JsonObject metrics = new JsonObject().put("expected_calibration_error", cal.expectedCalibrationError())
          .put("log_loss", cal.logLoss()).put("calibration_sessions", cal.sessions()).put("calibration", deciles)
          .put("sessions", l.sessions().size()).put("impressions", l.impressions().size());
      JsonObject params = new JsonObject().put("epochs", epochs).put("dim", PairModel.Params.defaults(epochs, 1).dim())
          .put("negatives_per_session", 20).put("text_dim", m.textDim());
      return new TrainingService.Trained(params, metrics, l.maxEventId(), dir);
    }
  }

  /** Trains and saves an uplift model with its own collaborative feature model. */
  TrainingService.Trained uplift(Path dir, int epochs) throws IOException {
    Log l = readLog();
    Feedback fb = Feedback.load(events, config.eventTypes());
    Impressions imp = l.impressions();
    double floor = config.causal().minPropensity();
    try (ExposureModel exposure = fitExposure(l, EXPOSURE_EPOCHS);
        MultVae cf = MultVae.train(fb.matrix(), MultVaeParams.forData(FEATURE_VAE_EPOCHS, fb.users().size(),
            MultVaeParams.DEFAULT_SEED), device, null, r -> { })) {
      int[] counts = countsIn(toIndex(imp.items(), fb.items()), fb.matrix().itemCounts());
      CfFeatures features = CfFeatures.of(cf, fb, imp.users(), imp.items());
      try (UpliftModel m = UpliftModel.fit(imp, l.sessions(), exposure, features, floor,
          PairModel.Params.defaults(epochs, 1), device, log)) {
        JsonObject metrics = upliftMetrics(m, l, features);
        m.save(dir);
        cf.save(dir.resolve("cf"));
        writeIds(dir.resolve("cf").resolve("items.json"), fb.items());
        writeIds(dir.resolve("users.json"), imp.users());
        writeIds(dir.resolve("items.json"), imp.items());
        Files.writeString(dir.resolve("item-counts.json"), new JsonArray(java.util.Arrays.stream(counts).boxed()
            .toList()).encode());
        JsonObject params = new JsonObject().put("epochs", epochs).put("replicas", UpliftModel.REPLICAS)
            .put("min_propensity", floor).put("exposure_epochs", EXPOSURE_EPOCHS)
            .put("feature_vae_epochs", FEATURE_VAE_EPOCHS);
        return new TrainingService.Trained(params, metrics, l.maxEventId(), dir);
      }
    }
  }

  /**
   * On the held-out sessions' recommendations: the mean predicted P(conversion | recommended)
   * against the observed conversion rate, and the mean and spread of the estimated uplift.
   */
  private static JsonObject upliftMetrics(UpliftModel m, Log l, CfFeatures features) {
    Impressions imp = l.impressions();
    Sessions s = l.sessions();
    double predicted = 0;
    double observed = 0;
    double tau = 0;
    int positive = 0;
    int n = 0;
    int cached = -1;
    UpliftModel.Estimate[] est = null;
    for (int k = 0; k < s.size(); k++) {
      if (!ExposureModel.isHeldOut(k)) {
        continue;
      }
      if (s.user()[k] != cached) {
        cached = s.user()[k];
        est = m.forUser(cached);
      }
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

  /**
   * Inverse propensity weights for the Mult-VAE over {@code fb}'s indexes: popularity power of the
   * items' feedback counts, or the learned exposure over each user's sessions for items a slate
   * showed them (other feedback keeps weight 1: its channel's exposure is not logged).
   */
  PairWeights vaeWeights(Feedback fb, String source) {
    double floor = config.causal().minPropensity();
    if (source.equals("popularity")) {
      double[] p = Propensities.popularityPower(fb.matrix().itemCounts(), config.causal().popularityEta(), floor);
      return (u, i) -> (float) (1 / p[i]);
    }
    Log l = readLog();
    Impressions imp = l.impressions();
    int[] userToImp = toIndex(fb.users(), imp.users());
    int[] itemToImp = toIndex(fb.items(), imp.items());
    java.util.Map<Integer, java.util.BitSet> shown = new java.util.HashMap<>();
    for (int r = 0; r < imp.size(); r++) {
      shown.computeIfAbsent(imp.user()[r], k -> new java.util.BitSet()).set(imp.item()[r]);
    }
    float[][] period = new float[fb.users().size()][];
    try (ExposureModel exposure = fitExposure(l, EXPOSURE_EPOCHS)) {
      for (int u = 0; u < period.length; u++) {
        period[u] = userToImp[u] < 0 ? null : exposure.periodForUser(userToImp[u]);
      }
    }
    return (u, i) -> {
      int iu = userToImp[u];
      int ii = itemToImp[i];
      java.util.BitSet b = iu < 0 ? null : shown.get(iu);
      return b == null || ii < 0 || !b.get(ii) ? 1f : 1f / (float) Math.max(floor, period[u][ii]);
    };
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
    try (ExposureModel exposure = ExposureModel.fit(imp, s, itemText.apply(imp.items()),
        PairModel.Params.defaults(EXPOSURE_EPOCHS, 1), device, log)) {
      float[] e = exposure.session(users, items); // one batched prediction, not one per impression
      for (int k = 0; k < missing.length; k++) {
        p[missing[k]] = e[k];
      }
    }
    return p;
  }

  static int[] toIndex(IdIndex from, IdIndex to) {
    int[] out = new int[from.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = to.indexOf(from.id(k));
    }
    return out;
  }

  static int[] countsIn(int[] toOther, int[] otherCounts) {
    int[] out = new int[toOther.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = toOther[i] < 0 ? 0 : otherCounts[toOther[i]];
    }
    return out;
  }

  static void writeIds(Path file, IdIndex ids) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, new JsonArray(new ArrayList<Object>(ids.ids())).encode());
  }
}
