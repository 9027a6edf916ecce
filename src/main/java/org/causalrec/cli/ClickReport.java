package org.causalrec.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import org.causalrec.config.Config;
import org.causalrec.data.Impressions;
import org.causalrec.data.Feedback;
import org.causalrec.train.ClickMlpFit;
import org.causalrec.train.PairFeatures;
import org.causalrec.model.ClickMlp;
import org.causalrec.model.Devices;
import org.causalrec.model.Objective;
import org.causalrec.store.EventRepository;
import org.causalrec.store.StoreHandle;

/**
 * {@code evaluate --protocol clicks}: the click MLP as the trainer registers it (the objective of
 * {@code causal.click_objective}, the collaborative pair features of a Mult-VAE fitted to the
 * store's positive feedback), fitted to four in five of the store's impressions, Platt-scaled on
 * half of the fifth and measured on the other half: AUC against a position-only baseline, and the
 * calibration of its click probabilities (expected calibration error before and after the scaling,
 * predicted against observed click rate by decile).
 */
final class ClickReport {

  private ClickReport() {}

  /** Fits, measures and prints (a table, or JSON); with {@code results}, writes its section there. */
  static void run(Config config, int epochs, boolean json, Path results, String label) throws IOException {
    Devices.Choice device = Devices.choose(config.device());
    System.err.println("device: " + device.device() + " (" + device.reason() + ")");
    Impressions all;
    Feedback feedback;
    try (StoreHandle store = StoreHandle.open(config)) {
      all = Impressions.load(new EventRepository(store.pool()));
      feedback = Feedback.load(new EventRepository(store.pool()), config.eventTypes());
    }
    if (all.size() < 100) {
      throw new IllegalArgumentException("the store holds " + all.size()
          + " impressions: a click model needs at least 100");
    }
    Objective objective = Objective.parse(config.causal().clickObjective());
    JsonObject r;
    try (PairFeatures pf = PairFeatures.fit(feedback, all.items(), device.device());
        ClickMlpFit.Fitted f = ClickMlpFit.fit(all, objective, ClickReport::logged,
        (float) config.causal().minPropensity(), items -> null, pf.features(), ClickMlp.Params.defaults(epochs),
        device.device(),
        e -> System.err.printf(Locale.ROOT, "click %s epoch %d loss %.4f%n", objective.wireName(), e.epoch(),
            e.loss()))) {
      r = new JsonObject().put("protocol", "clicks").put("model", "click-mlp").put("objective", objective.wireName())
          .put("epochs", epochs).put("train_impressions", f.train().size()).put("metrics", f.metrics());
    }
    String table = table(r);
    System.out.print(json ? r.encode() + "\n" : table);
    if (results != null) {
      CausalResults.writeSection(results, label + " / clicks", "### " + label + " (clicks)\n\n" + String.format(
          Locale.ROOT, "Measured %s with `causalrec evaluate --protocol clicks --click-epochs %d`"
              + " (causal.click_objective: %s; no item text features; the pair features of a Mult-VAE fitted to"
              + " the store, " + PairFeatures.EPOCHS + " epochs).%n%n", LocalDate.now(ZoneOffset.UTC), epochs,
          objective.wireName()) + table);
    }
  }

  /** The training impressions' logged propensities; a debiased objective needs every one. */
  private static float[] logged(Impressions train) {
    float[] p = train.propensity();
    long missing = 0;
    for (float x : p) {
      missing += Float.isNaN(x) ? 1 : 0;
    }
    if (missing > 0) {
      throw new IllegalArgumentException(missing + " of the " + p.length + " training impressions carry no logged"
          + " propensity, which the objective in causal.click_objective needs (naive does not)");
    }
    return p;
  }

  /** The figures and the reliability table of a {@link #run} result. */
  static String table(JsonObject r) {
    JsonObject m = r.getJsonObject("metrics");
    JsonObject w = m.getJsonObject("propensity_weighted_calibration");
    JsonObject platt = m.getJsonObject("platt");
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "Click MLP (%s), fitted to %d impressions, Platt-scaled on %d held out (a = %.3f, b = %.3f%s),"
            + " measured on %d others (click rate %.4f): AUC %.4f (position only: %.4f), expected calibration"
            + " error %.4f (%.4f before the scaling), log loss %.4f.%n%n"
            + "%s| decile of predictions | impressions | mean predicted | observed click rate |%s%n"
            + "|---|---|---|---|%s%n",
        r.getString("objective"), r.getInteger("train_impressions"), platt.getInteger("impressions"),
        platt.getDouble("a"), platt.getDouble("b"), !platt.getBoolean("fitted") ? ": not fitted, they lack a click or a non-click"
            : platt.getBoolean("weighted") ? ", weighted by 1/p" : "",
        m.getInteger("test_impressions"), m.getDouble("click_rate"), m.getDouble("auc"),
        m.getDouble("position_baseline_auc"), m.getDouble("expected_calibration_error"),
        m.getDouble("uncalibrated_expected_calibration_error"), m.getDouble("log_loss"),
        w == null ? "" : String.format(Locale.ROOT, "Weighted by 1/p (the logged propensities, clipped at the"
            + " configured floor), against the click rate of every pair had it been shown: expected calibration"
            + " error %.4f, log loss %.4f.%n%n", w.getDouble("expected_calibration_error"), w.getDouble("log_loss")),
        w == null ? "" : " 1/p-weighted: mean predicted | observed |", w == null ? "" : "---|---|"));
    JsonArray deciles = m.getJsonArray("calibration");
    for (int k = 0; k < deciles.size(); k++) {
      JsonObject d = deciles.getJsonObject(k);
      b.append(String.format(Locale.ROOT, "| %d | %d | %.4f | %.4f |", d.getInteger("decile"),
          d.getLong("examples"), d.getDouble("predicted"), d.getDouble("observed")));
      if (w != null) {
        JsonObject e = w.getJsonArray("deciles").getJsonObject(k);
        b.append(String.format(Locale.ROOT, " %.4f | %.4f |", e.getDouble("predicted"), e.getDouble("observed")));
      }
      b.append('\n');
    }
    return b.toString();
  }
}
