package org.causalrec.train;

import ai.djl.Device;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.causalrec.config.Config;
import org.causalrec.core.ApiException;
import org.causalrec.core.FileTrees;
import org.causalrec.data.IdIndex;
import org.causalrec.model.Devices;
import org.causalrec.store.ArtifactRepository;
import org.causalrec.store.EmbeddingRepository;
import org.causalrec.store.EventRepository;
import org.causalrec.store.ModelRepository;
import org.causalrec.store.TrainingLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs training jobs off the event loops (on {@link #WORKER_POOL}, one thread): one run per kind at
 * a time across every node on the database (the kind's {@link TrainingLock}), each registered in
 * PostgreSQL as training, then ready (with its metrics and data snapshot) or failed; its artifact
 * saved under the data dir and stored in PostgreSQL before it is ready; its progress, and at the
 * end its {@code ready} or {@code failed}, published on {@link #PROGRESS_ADDRESS} (on a clustered
 * bus every node hears it, and serving switches on {@code ready}).
 */
public final class TrainingJobs {

  /** Event-bus address of training progress and finished versions (JSON objects). */
  public static final String PROGRESS_ADDRESS = "causalrec.training";
  /** The named worker pool training runs on; offline evaluations share it, so they queue behind training. */
  public static final String WORKER_POOL = "causalrec-training";

  private static final Logger LOG = LoggerFactory.getLogger(TrainingJobs.class);

  private final Vertx vertx;
  private final WorkerExecutor worker;
  private final EventRepository events;
  private final ModelRepository registry;
  private final Config config;
  private final Device device;
  private final Path modelsDir;
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final TrainingLock lock;
  private final ArtifactRepository artifacts;
  /** This node's name in a cluster (null alone): the runs it registers carry it. */
  private final String node;
  /** Set by {@link #close}: runs in progress stop at their next progress report. */
  private volatile boolean stopping;
  /** Runs are started here, not on the context of the request that asked for them. */
  private final org.causalrec.core.OwnContext own;
  private volatile EmbeddingRepository itemText;
  private volatile String itemTextModel;

  /**
   * @param pool the primary database: the training lock and the stored artifacts
   * @param events where training sets are read (a read replica's, when there is one)
   */
  public TrainingJobs(Vertx vertx, Pool pool, EventRepository events, ModelRepository registry, Config config,
      Device device) {
    this.vertx = vertx;
    this.lock = new TrainingLock(pool);
    this.node = config.nodeKey();
    this.worker = vertx.createSharedWorkerExecutor(WORKER_POOL, 1, 24, TimeUnit.HOURS);
    this.own = new org.causalrec.core.OwnContext(vertx);
    this.events = events;
    this.registry = registry;
    this.config = config;
    this.device = device;
    this.modelsDir = modelsDir(config);
    this.artifacts = ArtifactRepository.of(vertx, pool, config);
  }

  /** The kinds that can be trained, sorted. */
  public static List<String> kinds() {
    return Recipes.names();
  }

  /** From now on models that take item text (click MLP, exposure) read each item's embedding by {@code model}. */
  public void useItemText(EmbeddingRepository repo, String model) {
    this.itemText = repo;
    this.itemTextModel = model;
  }

  /**
   * Starts training a {@code kind} model; completes with the new version's name as soon as it is
   * registered (the training goes on). Fails with 404 for an unknown kind, 400 naming a bad option,
   * 409 when one of that kind is running.
   */
  public Future<String> start(String kind, TrainingRequest request) {
    return launch(kind, request).map(Launch::version);
  }

  /** Trains a {@code kind} model and completes when it is ready (or failed). */
  public Future<String> trainAndWait(String kind, TrainingRequest request) {
    return launch(kind, request).compose(l -> l.done().map(l.version()));
  }

  /** Trains a {@code kind} model for {@code epochs} (null: the default) with the configured options, until it is ready. */
  public Future<String> trainAndWait(String kind, Integer epochs) {
    return trainAndWait(kind, TrainingRequest.epochs(epochs));
  }

  /** Whether a model of that kind is training now. */
  public boolean isRunning(String kind) {
    return running.contains(kind);
  }

  /**
   * A started run.
   *
   * @param version the version it registered
   * @param done completes when it is ready, fails when the run fails
   */
  public record Launch(String version, Future<Void> done) {}

  /**
   * Starts training a {@code kind} model; completes once the version is registered, with the run
   * going on. Fails with 404 for an unknown kind, 400 naming a bad option, 409 when one of that kind
   * is running.
   */
  public Future<Launch> launch(String kind, TrainingRequest request) {
    Recipe recipe = Recipes.of(kind);
    if (recipe == null) {
      return Future.failedFuture(ApiException.notFound("unknown_model_kind", "kind",
          "no model kind '" + kind + "'; trainable kinds: " + String.join(", ", kinds())));
    }
    JsonObject options;
    try {
      options = recipe.options(request, config);
    } catch (ApiException ex) {
      return Future.failedFuture(ex);
    }
    int epochs = request.epochs() != null ? request.epochs() : recipe.defaultEpochs(config);
    if (epochs < 1 || epochs > 10_000) {
      return Future.failedFuture(ApiException.badField("epochs", "epochs must be in 1..10000"));
    }
    if (!running.add(kind)) {
      return Future.failedFuture(busy(kind));
    }
    return lock.tryLock(kind).compose(held -> {
      if (held == null) {
        return Future.failedFuture(busy(kind));
      }
      // holding the kind's lock, no node trains it: a run still marked training was left by a node that died
      return registry.failOrphans(kind)
          .compose(orphans -> registry.startTraining(kind, options.copy().put("epochs", epochs), device.toString(),
              node))
          .map(version -> run(recipe, kind, version, epochs, options, held))
          .onFailure(err -> held.release());
    }).onFailure(err -> running.remove(kind));
  }

  private static ApiException busy(String kind) {
    return ApiException.conflict("training_running", "kind", "a " + kind + " model is already training");
  }

  /** Runs a registered version on the training worker; the kind's lock is released when it ends. */
  private Launch run(Recipe recipe, String kind, String version, int epochs, JsonObject options,
      TrainingLock.Held held) {
    LOG.info("Training {} on {} ({} epochs)", version, device, epochs);
    publish(new JsonObject().put("version", version).put("kind", kind).put("status", "training")
        .put("epoch", 0).put("epochs", epochs));
    TrainingRun run = new TrainingRun(version, kind, epochs, options, modelsDir.resolve(version), events,
        config, device, this::itemTextRows, itemTextModel, message -> progress(version, kind, message));
    int threads = config.serving().trainingThreadsResolved();
    Future<Void> done = own.run(() -> worker.executeBlocking(() -> {
      Devices.useThreads(threads); // a bounded share of the cores: serving keeps its own
      try {
        return recipe.train(run);
      } catch (Exception | Error e) {
        removeArtifact(config, version);
        throw e;
      }
    }))
        // stored in PostgreSQL before it is ready: any node that hears of it can load it
        .compose(t -> artifacts.store(version, t.dir()).map(t))
        .compose(t -> registry.markReady(version, t.params(), t.metrics(), t.maxEventId(), t.dir().toString())
            .onSuccess(v -> {
              publish(new JsonObject().put("version", version).put("kind", kind).put("status", "ready")
                  .put("metrics", t.metrics()));
              LOG.info("{} ready: {}", version, t.metrics().encode());
            }))
        .recover(err -> {
          LOG.warn("{} failed: {}", version, err.toString());
          publish(new JsonObject().put("version", version).put("kind", kind).put("status", "failed")
              .put("error", String.valueOf(err.getMessage())));
          return registry.markFailed(version, String.valueOf(err.getMessage()))
              .transform(ar -> Future.failedFuture(err));
        })
        // the run is over for callers once the kind is free again, here and in the cluster
        .eventually(() -> held.release().andThen(r -> running.remove(kind)));
    return new Launch(version, done);
  }

  /**
   * Removes what a run of {@code version} wrote under the data directory's {@code models/} (a run
   * that failed or was interrupted leaves files no version will read). Blocking, small.
   */
  public static void removeArtifact(Config config, String version) {
    if (!version.matches("[a-z0-9-]+")) {
      return; // registry names are KIND-N; anything else is not a folder this node wrote
    }
    Path dir = modelsDir(config).resolve(version);
    try {
      FileTrees.delete(dir);
    } catch (IOException e) {
      LOG.warn("Could not remove the artifact of {} in {}: {}", version, dir, e.toString());
    }
  }

  /** Where the runs' artifacts live: {@code models/} in the data directory, one folder a version. */
  private static Path modelsDir(Config config) {
    return config.dataDir().resolve("models"); // where ArtifactRepository.of keeps this node's copies
  }

  /**
   * A run's progress message: epochs carry the kind, detail lines are logged too. Once the node is
   * stopping, the run is abandoned here, at its next report (an epoch's end): the exception unwinds
   * the run, which closes its model and removes its files, and the version is marked failed.
   */
  private void progress(String version, String kind, JsonObject message) {
    if (stopping) {
      throw new Abandoned(version);
    }
    JsonObject m = new JsonObject().put("version", version);
    if (message.containsKey("detail")) {
      LOG.info("{}: {}", version, message.getString("detail"));
    } else {
      m.put("kind", kind);
    }
    publish(m.put("status", "training").mergeIn(message));
  }

  /** One row per item of {@code items}: its text embedding, zeros where it has none; null without text. */
  private float[][] itemTextRows(IdIndex items) {
    EmbeddingRepository repo = itemText;
    if (repo == null) {
      return null;
    }
    Map<String, float[]> vectors = repo.allBlocking(itemTextModel);
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

  private void publish(JsonObject progress) {
    if (node != null) {
      progress.put("node", node); // in a cluster every node hears it: which node runs it
    }
    vertx.eventBus().publish(PROGRESS_ADDRESS, progress);
  }

  /** This node's name in a cluster, as its progress messages carry it; null alone. */
  public String node() {
    return node;
  }

  /** Abandons the runs in progress (each at its next epoch's end) and releases the worker pool once they have. */
  public Future<Void> close() {
    stopping = true;
    return worker.close();
  }

  /** A run abandoned because its node is stopping; a job that ran it ends interrupted, not failed. */
  public static final class Abandoned extends java.util.concurrent.CancellationException {
    private static final long serialVersionUID = 1L;

    Abandoned(String version) {
      super("training of " + version + " abandoned: the node is stopping");
    }
  }
}
