package org.causalrec.experiment;

import org.causalrec.model.Objective;
import org.causalrec.eval.HoldoutEvaluator;
import org.causalrec.eval.HoldoutSplit;
import ai.djl.Device;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.causalrec.config.EventTypes;
import org.causalrec.data.Feedback;
import org.causalrec.data.Interactions;
import org.causalrec.model.CfModel;
import org.causalrec.model.Ease;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.model.Popularity;
import org.causalrec.store.EventRepository;

/**
 * Runs a holdout protocol for every model side by side: popularity, EASE with its L2 weight tuned
 * on the validation users, and Mult-VAE with its best validation epoch.
 */
public final class HoldoutRun {

  /** L2 weights EASE is tried with; the best on validation NDCG@100 is kept. */
  static final double[] EASE_LAMBDAS = {10, 50, 100, 250, 500, 1000, 2500, 5000};

  /**
   * One model's result.
   *
   * @param model model kind
   * @param params the settings it was fitted with
   * @param metrics test metrics
   * @param fitSeconds time to fit, tuning included
   */
  public record Result(String model, JsonObject params, Map<String, Double> metrics, double fitSeconds) {}

  private HoldoutRun() {}

  /**
   * A protocol's data, ready to run.
   *
   * @param feedback the training feedback (for temporal: before the cut-off)
   * @param split the training rows and the held-out users
   * @param detail one sentence on how it was split
   */
  public record Prepared(Feedback feedback, HoldoutSplit split, String detail) {}

  /**
   * Reads the stored feedback (blocking) and splits it by {@code protocol}: strong-generalization
   * ({@code heldOut} validation and test users each; null = 10 % of users, at most 10,000) or
   * temporal (the first {@code trainShare} of the feedback in time trains).
   */
  public static Prepared prepare(EventRepository events, EventTypes types, String protocol, Integer heldOut,
      double trainShare, long seed) {
    switch (protocol) {
      case "strong-generalization" -> {
        Feedback fb = Feedback.load(events, types);
        int n = heldOut != null ? heldOut : Math.min(10_000, Math.max(1, fb.users().size() / 10));
        return new Prepared(fb, HoldoutSplit.strongGeneralization(fb.matrix(), n, 0.8, seed),
            n + " validation and " + n + " test users disjoint from the training users, 80/20 fold-in");
      }
      case "temporal" -> {
        if (!(trainShare > 0 && trainShare < 1)) {
          throw new IllegalArgumentException("the temporal train share must be in (0, 1)");
        }
        Feedback.Temporal t = Feedback.loadTemporal(events, types, trainShare);
        HoldoutSplit split = HoldoutSplit.temporal(t.before().matrix(), t.after(), seed);
        return new Prepared(t.before(), split, "training on the feedback before " + t.cutoff() + " (the first "
            + trainShare + " of it); " + split.valFoldIn().users() + " validation and " + split.testFoldIn().users()
            + " test users rank the new items they had after it");
      }
      default -> throw new IllegalArgumentException("unknown protocol " + protocol + " (strong-generalization, temporal)");
    }
  }

  /** Fits each model on {@code split} and returns the test results. */
  public static List<Result> run(HoldoutSplit split, int epochs, Device device, long seed,
      List<String> models, Consumer<String> progress) {
    progress.accept(String.format("split: %d training users, %d validation and %d test users, %d items",
        split.train().users(), split.valFoldIn().users(), split.testFoldIn().users(), split.train().items()));
    List<Result> results = new ArrayList<>();
    for (String kind : models) {
      long t0 = System.nanoTime();
      JsonObject params = new JsonObject();
      CfModel model = switch (kind) {
        case "popularity" -> Popularity.fit(split.train());
        case "ease" -> tunedEase(split, params, progress);
        case "mult-vae" -> vae(split, epochs, device, seed, params, progress);
        default -> throw new IllegalArgumentException("unknown model " + kind + " (popularity, ease, mult-vae)");
      };
      if (model == null) {
        progress.accept("ease: skipped, " + split.train().items() + " items exceed its limit of " + Ease.MAX_ITEMS);
        continue;
      }
      double fit = (System.nanoTime() - t0) / 1e9;
      try (model) {
        Map<String, Double> m = HoldoutEvaluator.evaluate(model, split.testFoldIn(), split.testTarget());
        results.add(new Result(kind, params, m, fit));
        progress.accept(String.format("%s: %s (fit %.1f s)", kind, m, fit));
      }
    }
    return results;
  }

  private static CfModel tunedEase(HoldoutSplit split, JsonObject params, Consumer<String> progress) {
    if (split.train().items() > Ease.MAX_ITEMS) {
      return null;
    }
    Ease best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (double lambda : EASE_LAMBDAS) {
      Ease e = Ease.fit(split.train(), lambda);
      double v = HoldoutEvaluator.evaluate(e, split.valFoldIn(), split.valTarget()).get("ndcg@100");
      progress.accept(String.format("ease: lambda %.0f -> validation ndcg@100 %.4f", lambda, v));
      if (best == null || v > bestScore) {
        bestScore = v;
        best = e;
      }
    }
    params.put("lambda", best.lambda()).put("validation_ndcg@100", bestScore);
    return best;
  }

  private static CfModel vae(HoldoutSplit split, int epochs, Device device, long seed, JsonObject params,
      Consumer<String> progress) {
    Interactions train = split.train();
    MultVaeParams p = MultVaeParams.forData(epochs, train.users(), (int) seed);
    double[] best = {Double.NEGATIVE_INFINITY};
    int[] bestEpoch = {0};
    MultVae.Data data = new MultVae.Data(train, Objective.NAIVE, null,
        m -> HoldoutEvaluator.evaluate(m, split.valFoldIn(), split.valTarget()).get("ndcg@100"));
    MultVae vae = MultVae.KIND.train(data, p, device, r -> {
          if (r.validation() > best[0]) {
            best[0] = r.validation();
            bestEpoch[0] = r.epoch();
          }
          if (r.epoch() == 1 || r.epoch() % 10 == 0 || r.epoch() == epochs) {
            progress.accept(String.format("mult-vae: epoch %d/%d loss %.3f beta %.3f validation ndcg@100 %.4f"
                + " (%.0f users/s)", r.epoch(), epochs, r.loss(), p.beta(r.steps()), r.validation(),
                r.examplesPerSecond()));
          }
        });
    params.put("epochs", epochs).put("best_epoch", bestEpoch[0]).put("anneal_steps", p.annealSteps())
        .put("hidden", p.hidden()).put("latent", p.latent()).put("batch_size", p.batchSize())
        .put("device", device.toString()).put("validation_ndcg@100", best[0]);
    return vae;
  }

  /** The JSON document {@code evaluate --json} prints. */
  public static JsonObject toJson(String protocol, Feedback feedback, HoldoutSplit split, List<Result> results) {
    JsonArray rs = new JsonArray();
    for (Result r : results) {
      JsonObject metrics = new JsonObject();
      r.metrics().forEach(metrics::put);
      rs.add(new JsonObject().put("model", r.model()).put("objective", "naive").put("params", r.params())
          .put("metrics", metrics).put("fit_seconds", r.fitSeconds()));
    }
    return new JsonObject()
        .put("protocol", protocol)
        .put("dataset", new JsonObject().put("users", feedback.users().size()).put("items", feedback.items().size())
            .put("interactions", feedback.matrix().nnz()).put("max_event_id", feedback.maxEventId())
            .put("validation_users", split.valFoldIn().users()).put("test_users", split.testFoldIn().users()))
        .put("results", rs);
  }
}
