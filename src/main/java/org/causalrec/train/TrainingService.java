package org.causalrec.train;

import ai.djl.Device;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.causalrec.config.Config;
import org.causalrec.data.Feedback;
import org.causalrec.data.Impressions;
import org.causalrec.eval.Auc;
import org.causalrec.eval.ClickEvaluation;
import org.causalrec.eval.HoldoutEvaluator;
import org.causalrec.experiment.HoldoutRun;
import org.causalrec.model.ClickMlp;
import org.causalrec.eval.HoldoutSplit;
import org.causalrec.experiment.OpeRun;
import org.causalrec.core.ApiException;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.model.Objective;
import org.causalrec.model.PairWeights;
import org.causalrec.model.Popularity;
import org.causalrec.data.Sessions;
import org.causalrec.store.EmbeddingRepository;
import org.causalrec.store.EventRepository;
import org.causalrec.store.ModelRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains models off the event loops (a one-thread worker pool), registers every version in
 * PostgreSQL with its metrics and data snapshot, saves its artifact under the data dir, publishes
 * progress on {@link #PROGRESS_ADDRESS}, and hands ready versions to the serving side.
 */
public final class TrainingService {

  /** Event-bus address of training progress and finished versions (JSON objects). */
  public static final String PROGRESS_ADDRESS = "causalrec.training";
  /** The kinds that can be trained. */
  public static final Set<String> KINDS = Set.of("mult-vae", "click-mlp", "exposure", "uplift");

  private static final Logger LOG = LoggerFactory.getLogger(TrainingService.class);
  /** Default epochs of the click model (it sees every impression each epoch). */
  static final int CLICK_EPOCHS = 12;
  /** Default epochs of the exposure model. */
  static final int EXPOSURE_EPOCHS = CausalTraining.EXPOSURE_EPOCHS;
  /** Default epochs of the uplift model (the best held-out epoch is kept). */
  static final int UPLIFT_EPOCHS = 8;

  private final Vertx vertx;
  private final WorkerExecutor worker;
  private final EventRepository events;
  private final ModelRepository registry;
  private final Config config;
  private final Device device;
  private final Path modelsDir;
  private final java.util.function.BiConsumer<String, String> onReady;
  private final Set<String> running = ConcurrentHashMap.newKeySet();

  /**
   * @param onReady called with (kind, version) of each Mult-VAE and uplift version that finished
   *     training and was registered as ready
   */
  public TrainingService(Vertx vertx, EventRepository events, ModelRepository registry, Config config, Device device,
      java.util.function.BiConsumer<String, String> onReady) {
    this.vertx = vertx;
    this.worker = vertx.createSharedWorkerExecutor("causalrec-training", 1, 24, java.util.concurrent.TimeUnit.HOURS);
    this.events = events;
    this.registry = registry;
    this.config = config;
    this.device = device;
    this.modelsDir = config.dataDir().resolve("models");
    this.onReady = onReady;
  }

  /**
   * Starts training a {@code kind} model; completes with the new version's name as soon as it is
   * registered (the training goes on). Fails with 409 when one of that kind is running.
   */
  public Future<String> start(String kind, Integer epochs) {
    return start(kind, epochs, null, null);
  }

  /**
   * As {@link #start(String, Integer)} with a debiasing {@code objective} (mult-vae: naive, ips,
   * snips; click-mlp: also dr) and, for mult-vae, the {@code propensity} source (popularity or
   * learned); null takes the configured default. Bad options fail with 400 naming the field.
   */
  public Future<String> start(String kind, Integer epochs, String objective, String propensity) {
    return launch(kind, epochs, objective, propensity).map(Launch::version);
  }

  /** Trains a {@code kind} model and completes when it is ready (or failed). */
  public Future<String> trainAndWait(String kind, Integer epochs) {
    return trainAndWait(kind, epochs, null, null);
  }

  /** Trains a {@code kind} model with the given options and completes when it is ready (or failed). */
  public Future<String> trainAndWait(String kind, Integer epochs, String objective, String propensity) {
    return launch(kind, epochs, objective, propensity).compose(l -> l.done().map(l.version()));
  }

  /** The objective and propensity source a run of {@code kind} uses; fails with 400 on bad options. */
  private record Options(Objective objective, String propensity) {
    JsonObject toJson() {
      JsonObject o = new JsonObject();
      if (objective != null) {
        o.put("objective", objective.wireName());
      }
      if (propensity != null) {
        o.put("propensity", propensity);
      }
      return o;
    }
  }

  private Options options(String kind, String objective, String propensity) {
    boolean debiasable = kind.equals("mult-vae") || kind.equals("click-mlp");
    if (!debiasable && objective != null) {
      throw ApiException.badField("objective", "objective applies to mult-vae and click-mlp");
    }
    if (!kind.equals("mult-vae") && propensity != null) {
      throw ApiException.badField("propensity", "propensity (popularity or learned) applies to mult-vae;"
          + " the click model uses the impressions' logged propensities");
    }
    if (!debiasable) {
      return new Options(null, null);
    }
    String name = objective != null ? objective
        : kind.equals("mult-vae") ? config.causal().vaeObjective() : config.causal().clickObjective();
    Objective o;
    try {
      o = Objective.parse(name);
    } catch (IllegalArgumentException e) {
      throw ApiException.badField("objective", e.getMessage());
    }
    if (kind.equals("mult-vae") && o == Objective.DR) {
      throw ApiException.badField("objective", "the Mult-VAE takes naive, ips or snips;"
          + " dr (DR-JL) is defined for pointwise losses and applies to click-mlp");
    }
    String source = null;
    if (kind.equals("mult-vae") && o.debiased()) {
      source = propensity != null ? propensity : config.causal().propensity();
      if (!source.equals("popularity") && !source.equals("learned")) {
        throw ApiException.badField("propensity", "propensity must be popularity or learned");
      }
    }
    return new Options(o, source);
  }

  /** Whether a model of that kind is training now. */
  public boolean isRunning(String kind) {
    return running.contains(kind);
  }

  private record Launch(String version, Future<Void> done) {}

  private Future<Launch> launch(String kind, Integer epochs, String objective, String propensity) {
    if (!KINDS.contains(kind)) {
      return Future.failedFuture(ApiException.notFound("unknown_model_kind", "kind", "no model kind '" + kind + "'; trainable kinds: " + String.join(", ", new java.util.TreeSet<>(KINDS))));
    }
    Options opts;
    try {
      opts = options(kind, objective, propensity);
    } catch (ApiException ex) {
      return Future.failedFuture(ex);
    }
    int e = epochs != null ? epochs : switch (kind) {
      case "click-mlp" -> CLICK_EPOCHS;
      case "exposure" -> EXPOSURE_EPOCHS;
      case "uplift" -> UPLIFT_EPOCHS;
      default -> config.models().epochs();
    };
    if (e < 1 || e > 10_000) {
      return Future.failedFuture(ApiException.badField("epochs", "epochs must be in 1..10000"));
    }
    if (!running.add(kind)) {
      return Future.failedFuture(ApiException.conflict("training_running", "kind", "a " + kind + " model is already training"));
    }
    return registry.startTraining(kind, opts.toJson().put("epochs", e), device.toString())
        .onFailure(err -> running.remove(kind))
        .map(version -> {
          LOG.info("Training {} on {} ({} epochs)", version, device, e);
          Future<Void> done = worker.<Trained>executeBlocking(() -> switch (kind) {
                case "click-mlp" -> trainClickBlocking(version, e, opts.objective());
                case "exposure" -> causal(version).exposure(modelsDir.resolve(version), e);
                case "uplift" -> causal(version).uplift(modelsDir.resolve(version), e);
                default -> trainBlocking(version, e, opts);
              })
              .compose(t -> registry.markReady(version, t.params(), t.metrics(), t.maxEventId(), t.dir().toString())
                  .onSuccess(v -> {
                    publish(new JsonObject().put("version", version).put("kind", kind).put("status", "ready")
                        .put("metrics", t.metrics()));
                    LOG.info("{} ready: {}", version, t.metrics().encode());
                    if (kind.equals("mult-vae") || kind.equals("uplift")) {
                      onReady.accept(kind, version);
                    }
                  }))
              .recover(err -> {
                LOG.warn("{} failed: {}", version, err.toString());
                publish(new JsonObject().put("version", version).put("kind", kind).put("status", "failed")
                    .put("error", String.valueOf(err.getMessage())));
                return registry.markFailed(version, String.valueOf(err.getMessage()))
                    .transform(ar -> Future.failedFuture(err));
              })
              .andThen(ar -> running.remove(kind));
          return new Launch(version, done);
        });
  }

  /** A finished training run: what the registry records and where the artifact lies. */
  record Trained(JsonObject params, JsonObject metrics, long maxEventId, Path dir) {}

  private CausalTraining causal(String version) {
    return new CausalTraining(events, config, device, line -> {
      LOG.info("{}: {}", version, line);
      publish(new JsonObject().put("version", version).put("status", "training").put("detail", line));
    }, this::itemTextFeatures);
  }

  private Trained trainBlocking(String version, int epochs, Options opts) throws IOException {
    Feedback fb = Feedback.load(events, config.eventTypes());
    if (fb.users().size() < 10 || fb.items().size() < 2) {
      throw new IllegalStateException("not enough feedback to train: " + fb.users().size() + " users, "
          + fb.items().size() + " items with positive events");
    }
    int heldOut = Math.min(1_000, Math.max(1, fb.users().size() / 10));
    HoldoutSplit split = HoldoutSplit.strongGeneralization(fb.matrix(), heldOut, 0.8, 1);
    MultVaeParams p = MultVaeParams.forData(epochs, split.train().users(), MultVaeParams.DEFAULT_SEED);
    PairWeights weights = null;
    if (opts.objective().debiased()) {
      PairWeights all = causal(version).vaeWeights(fb, opts.propensity());
      int[] rows = split.trainRows();
      weights = (u, i) -> all.weight(rows[u], i);
    }
    JsonArray curve = new JsonArray();
    MultVae vae = MultVae.train(split.train(), p, opts.objective(), weights, device,
        m -> HoldoutEvaluator.evaluate(m, split.valFoldIn(), split.valTarget()).get("ndcg@100"),
        r -> {
          curve.add(new JsonObject().put("epoch", r.epoch()).put("loss", r.loss())
              .put("validation_ndcg@100", r.validation()));
          publish(new JsonObject().put("version", version).put("kind", "mult-vae").put("status", "training")
              .put("epoch", r.epoch()).put("epochs", epochs).put("loss", r.loss()).put("beta", r.beta())
              .put("validation_ndcg@100", r.validation()).put("users_per_second", r.usersPerSecond()));
          if (r.epoch() == 1 || r.epoch() % 10 == 0 || r.epoch() == epochs) {
            LOG.info("{} epoch {}/{}: loss {} validation ndcg@100 {} ({} users/s)", version, r.epoch(), epochs,
                String.format("%.4f", r.loss()), String.format("%.4f", r.validation()),
                String.format("%.0f", r.usersPerSecond()));
          }
        });
    try (vae) {
      Map<String, Double> test = HoldoutEvaluator.evaluate(vae, split.testFoldIn(), split.testTarget());
      Map<String, Double> pop = HoldoutEvaluator.evaluate(Popularity.fit(split.train()), split.testFoldIn(),
          split.testTarget());
      JsonObject metrics = new JsonObject();
      test.forEach(metrics::put);
      JsonObject baseline = new JsonObject();
      pop.forEach(baseline::put);
      metrics.put("popularity", baseline);
      // the learning curve, for the dashboard's plot of a finished version
      metrics.put("curve", curve);
      Path dir = modelsDir.resolve(version);
      vae.save(dir);
      Files.writeString(dir.resolve("items.json"), new JsonArray(new java.util.ArrayList<Object>(fb.items().ids())).encode());
      JsonObject params = opts.toJson().put("epochs", epochs).put("hidden", p.hidden()).put("latent", p.latent())
          .put("dropout", p.dropout()).put("beta_cap", p.betaCap()).put("anneal_steps", p.annealSteps())
          .put("learning_rate", p.learningRate()).put("batch_size", p.batchSize())
          .put("train_users", split.train().users()).put("items", fb.items().size());
      return new Trained(params, metrics, fb.maxEventId(), dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save " + version, e);
    }
  }

  private volatile EmbeddingRepository itemText;
  private volatile String itemTextModel;

  /**
   * From now on the click MLP takes each item's text embedding by {@code model} as an input
   * (issue 5: item content is a confounder of exposure and preference).
   */
  public void useItemText(EmbeddingRepository repo, String model) {
    this.itemText = repo;
    this.itemTextModel = model;
  }

  /** One row per item of {@code items}: its text embedding, zeros where it has none; null without text. */
  private float[][] itemTextFeatures(org.causalrec.data.IdIndex items) {
    if (itemText == null) {
      return null;
    }
    java.util.Map<String, float[]> vectors = itemText.allBlocking(itemTextModel);
    if (vectors.isEmpty()) {
      return null;
    }
    int dim = vectors.values().iterator().next().length;
    float[][] out = new float[items.size()][];
    for (int i = 0; i < out.length; i++) {
      float[] v = vectors.get(items.id(i));
      out[i] = v != null && v.length == dim ? v : new float[dim];
    }
    return out;
  }

  private Trained trainClickBlocking(String version, int epochs, Objective objective) throws IOException {
    long maxEventId = events.maxId().toCompletionStage().toCompletableFuture().join(); // the snapshot: read first
    Impressions all = Impressions.load(events);
    if (all.size() < 100) {
      throw new IllegalStateException("not enough impressions to train a click model: " + all.size());
    }
    int[][] split = ClickEvaluation.split(all.size(), 0.2, 1);
    Impressions train = all.select(split[0]);
    Impressions test = all.select(split[1]);
    ClickMlp.Params p = ClickMlp.Params.defaults(epochs);
    ClickMlp.Debiasing debiasing = ClickMlp.Debiasing.NONE;
    if (objective.debiased()) {
      float[] prop = causal(version).impressionPropensities(train);
      Sessions.Unshown unshown = objective == Objective.DR ? Sessions.of(train).unshown(train, 10, 1) : null;
      debiasing = new ClickMlp.Debiasing(objective, prop, (float) config.causal().minPropensity(),
          unshown == null ? null : unshown.pairs(), unshown == null ? null : unshown.weight());
    }
    float[][] text = itemTextFeatures(train.items());
    try (ClickMlp mlp = ClickMlp.train(train, text, p, debiasing, device,
        r -> publish(new JsonObject().put("version", version).put("kind", "click-mlp").put("status", "training")
            .put("epoch", r.epoch()).put("epochs", epochs).put("loss", r.loss())
            .put("examples_per_second", r.examplesPerSecond())))) {
      JsonObject metrics = new JsonObject()
          .put("auc", Auc.of(mlp.predict(test), test.clicked()))
          .put("position_baseline_auc", Auc.of(ClickEvaluation.positionBaseline(train, test), test.clicked()))
          .put("test_impressions", test.size())
          .put("click_rate", all.clickRate());
      Path dir = modelsDir.resolve(version);
      mlp.save(dir);
      JsonObject params = new JsonObject().put("objective", objective.wireName()).put("epochs", epochs)
          .put("embedding", p.embedding())
          .put("hidden", p.hidden()).put("learning_rate", p.learningRate()).put("batch_size", p.batchSize())
          .put("train_impressions", train.size())
          .put("text_features", text == null ? null : itemTextModel);
      return new Trained(params, metrics, maxEventId, dir);
    }
  }

  /**
   * Runs an offline evaluation on the training worker: {@code protocol} strong-generalization or
   * temporal, every model in {@code models}; completes with the document {@code evaluate --json}
   * prints.
   */
  public Future<JsonObject> evaluate(String protocol, java.util.List<String> models, int epochs, Integer heldOut,
      double trainShare, long seed) {
    if (protocol.equals("random-exposure")) {
      return worker.executeBlocking(() -> {
        try {
          return org.causalrec.experiment.RandomExposureRun.run(events, config.eventTypes(), "random", epochs,
              config.causal().popularityEta(), config.causal().minPropensity(), device, seed, LOG::info);
        } catch (IllegalArgumentException e) {
          throw ApiException.badField("protocol", e.getMessage());
        }
      });
    }
    for (String m : models) {
      if (!java.util.List.of("popularity", "ease", "mult-vae").contains(m)) {
        return Future.failedFuture(ApiException.badField("models", "unknown model " + m
            + " (popularity, ease, mult-vae)"));
      }
    }
    return worker.executeBlocking(() -> {
      HoldoutRun.Prepared p;
      try {
        p = HoldoutRun.prepare(events, config.eventTypes(), protocol, heldOut, trainShare, seed);
      } catch (IllegalArgumentException e) {
        throw ApiException.badField("protocol", e.getMessage());
      }
      return HoldoutRun.toJson(protocol, p.feedback(), p.split(),
          HoldoutRun.run(p.split(), epochs, device, seed, models, LOG::info));
    });
  }

  /**
   * Off-policy evaluation of a registered Mult-VAE version ({@code policy}; null: the newest ready
   * one) from the logged impressions, on the training worker; completes with {@link OpeRun}'s
   * report. 404 for an unknown version, 400 when no session carries propensities.
   */
  public Future<JsonObject> evaluateOffPolicy(String policy, OpeRun.Settings settings) {
    return registry.ready("mult-vae").compose(rows -> {
      ModelRepository.ModelRow row = rows.stream().filter(r -> policy == null || r.version().equals(policy))
          .findFirst().orElse(null);
      if (row == null) {
        return Future.failedFuture(ApiException.notFound("unknown_policy", "policy", policy == null
            ? "no ready mult-vae version to evaluate: train one first"
            : "no ready mult-vae version '" + policy + "'"));
      }
      return worker.executeBlocking(() -> {
        Path dir = Path.of(row.artifact());
        java.util.List<String> ids = new java.util.ArrayList<>();
        new JsonArray(Files.readString(dir.resolve("items.json"))).forEach(o -> ids.add((String) o));
        Impressions log = Impressions.load(events);
        try (MultVae vae = MultVae.load(dir, device)) {
          return OpeRun.run(log, vae, org.causalrec.data.IdIndex.of(ids), row.version(), settings);
        } catch (IllegalArgumentException e) {
          throw ApiException.badRequest("no_propensities", "policy", e.getMessage());
        }
      });
    });
  }

  private void publish(JsonObject progress) {
    vertx.eventBus().publish(PROGRESS_ADDRESS, progress);
  }

  /** Releases the worker pool. */
  public Future<Void> close() {
    return worker.close();
  }
}
