package org.causalrec.experiment;

import ai.djl.Device;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.causalrec.config.Config;
import org.causalrec.core.ApiException;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.model.Devices;
import org.causalrec.model.MultVae;
import org.causalrec.store.ArtifactRepository;
import org.causalrec.store.EventRepository;
import org.causalrec.store.ModelRepository;
import org.causalrec.train.TrainingJobs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offline and off-policy evaluations of the stored events, run on the training worker pool (so
 * they queue behind training and never take an event loop); what {@code POST /v1/evaluate} and
 * {@code causalrec evaluate} run.
 */
public final class Evaluations {

  private static final Logger LOG = LoggerFactory.getLogger(Evaluations.class);
  /** The models {@link #offline} compares. */
  public static final List<String> OFFLINE_MODELS = List.of("popularity", "ease", "mult-vae");
  /** The offline protocols {@link #offline} runs. */
  public static final List<String> PROTOCOLS = List.of("strong-generalization", "temporal", "random-exposure");

  private final WorkerExecutor worker;
  /** Runs start here, not on the context of the request that asked for them (see OwnContext). */
  private final org.causalrec.core.OwnContext own;
  private final EventRepository events;
  private final ModelRepository registry;
  private final ArtifactRepository artifacts;
  private final Config config;
  private final Device device;

  /**
   * @param events where evaluations read the log (a read replica's, when there is one)
   * @param artifacts where a version's artifact is fetched from when this node has no copy
   */
  public Evaluations(Vertx vertx, EventRepository events, ModelRepository registry, ArtifactRepository artifacts,
      Config config, Device device) {
    this.artifacts = artifacts;
    this.worker = vertx.createSharedWorkerExecutor(TrainingJobs.WORKER_POOL, 1, 24, TimeUnit.HOURS);
    this.own = new org.causalrec.core.OwnContext(vertx);
    this.events = events;
    this.registry = registry;
    this.config = config;
    this.device = device;
  }

  /**
   * An offline evaluation: {@code protocol} strong-generalization, temporal or random-exposure,
   * every model in {@code models}; completes with the document {@code evaluate --json} prints.
   */
  public Future<JsonObject> offline(String protocol, List<String> models, int epochs, Integer heldOut,
      double trainShare, long seed) {
    if (protocol.equals("random-exposure")) {
      return bounded(() -> {
        try {
          return RandomExposureRun.run(events, config.eventTypes(), RandomExposureRun.Options.defaults("random", epochs,
              config.causal().popularityEta(), config.causal().minPropensity(), seed), device, LOG::info);
        } catch (IllegalArgumentException e) {
          throw ApiException.badField("protocol", e.getMessage());
        }
      });
    }
    for (String m : models) {
      if (!OFFLINE_MODELS.contains(m)) {
        return Future.failedFuture(ApiException.badField("models", "unknown model " + m
            + " (popularity, ease, mult-vae)"));
      }
    }
    return bounded(() -> {
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
   * one) from the logged impressions; completes with {@link OpeRun}'s report. 404 for an unknown
   * version, 400 when the log carries no propensities the candidate can be weighed with.
   */
  public Future<JsonObject> offPolicy(String policy, OpeRun.Settings settings) {
    return policy(policy).compose(row -> offPolicy(row, settings));
  }

  /** The ready Mult-VAE version {@code policy} names (null: the newest); 404 when there is none. */
  public Future<ModelRepository.ModelRow> policy(String policy) {
    return registry.ready(MultVae.KIND.name()).compose(rows -> {
      ModelRepository.ModelRow row = rows.stream().filter(r -> policy == null || r.version().equals(policy))
          .findFirst().orElse(null);
      if (row == null) {
        return Future.failedFuture(ApiException.notFound("unknown_policy", "policy", policy == null
            ? "no ready mult-vae version to evaluate: train one first"
            : "no ready mult-vae version '" + policy + "'"));
      }
      return artifacts.local(row.version(), row.artifact()).map(dir -> dir == null ? row : row.withArtifact(dir.toString()));
    });
  }

  /** Off-policy evaluation of the registered version {@code row} (see {@link #offPolicy(String, OpeRun.Settings)}). */
  public Future<JsonObject> offPolicy(ModelRepository.ModelRow row, OpeRun.Settings settings) {
    return bounded(() -> {
      Path dir = Path.of(row.artifact());
      IdIndex items = IdIndex.read(dir.resolve("items.json"));
      Impressions log = Impressions.load(events);
      try (MultVae vae = MultVae.KIND.load(dir, device)) {
        return OpeRun.run(log, vae, items, row.version(), settings);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("no_propensities", "policy", e.getMessage());
      }
    });
  }

  /**
   * Off-policy evaluation of the policy file {@code policy} (read from {@code name}) from the logged
   * impressions; completes with {@link OpeRun}'s report, or fails with a 400 saying why the log
   * cannot weigh it (no per-position propensities, a position or user the file does not cover).
   */
  public Future<JsonObject> offPolicy(org.causalrec.causal.PolicyFile policy, String name, OpeRun.Settings settings) {
    return bounded(() -> {
      Impressions log = Impressions.load(events);
      try {
        return OpeRun.run(log, policy, name, settings);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("not_evaluable", "policy_file", e.getMessage());
      }
    });
  }

  /** Runs {@code task} on the training worker with the training share of the cores (as training jobs do). */
  private <T> Future<T> bounded(java.util.concurrent.Callable<T> task) {
    int threads = config.serving().trainingThreadsResolved();
    return own.run(() -> worker.executeBlocking(() -> {
      Devices.useThreads(threads);
      return task.call();
    }));
  }

  /** Releases this handle on the worker pool. */
  public Future<Void> close() {
    return worker.close();
  }
}
