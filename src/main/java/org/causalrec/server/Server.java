package org.causalrec.server;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.causalrec.api.HttpVerticle;
import org.causalrec.api.Services;
import org.causalrec.model.Devices;
import org.causalrec.serve.MultVaeServing;
import org.causalrec.serve.UpliftServing;
import org.causalrec.serve.Recommender;
import org.causalrec.serve.ServedModels;
import org.causalrec.store.JobRepository;
import org.causalrec.train.Jobs;
import org.causalrec.store.ModelRepository;
import org.causalrec.feed.LiveFeed;
import org.causalrec.feed.ModelFeed;
import org.causalrec.text.ItemEmbeddings;
import org.causalrec.text.TextEmbedder;
import org.causalrec.train.RetrainTrigger;
import org.causalrec.train.TrainingDesk;
import org.causalrec.train.TrainingJobs;
import org.causalrec.experiment.Evaluations;
import org.causalrec.config.ClusterConfig;
import org.causalrec.config.Config;
import io.vertx.core.eventbus.MessageConsumer;
import org.causalrec.data.FeatureStore;
import org.causalrec.ingest.EventBatch;
import org.causalrec.ingest.EventTailer;
import org.causalrec.ingest.IngestService;
import org.causalrec.serve.Catalogue;
import org.causalrec.serve.ClickServing;
import org.causalrec.store.ArtifactRepository;
import org.causalrec.store.CatalogRepository;
import org.causalrec.store.CursorRepository;
import org.causalrec.store.Database;
import org.causalrec.store.StoreHandle;
import org.causalrec.store.EmbeddingRepository;
import org.causalrec.store.EventRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running CausalRec node: the database (embedded or external, migrated), a Vert.x instance,
 * the event tailer and the HTTP verticle, started in that order and closed in reverse.
 */
public final class Server implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Server.class);
  /** How often a node looks for a newer ready model version in the registry. */
  static final long REGISTRY_POLL_MS = 30_000;

  private final Config config;
  private final StoreHandle store;
  private final IngestService ingest;
  private final EventTailer tailer;
  private final HttpVerticle http;
  private final String httpDeployment;
  private final String tailerDeployment;
  private final MultVaeServing serving;
  private final ClickServing clicks;
  private final Catalogue catalogue;
  private final Recommender recommender;
  private final UpliftServing uplift;
  /** This node's training runs; null on an API node of a cluster. */
  private final TrainingJobs training;
  private final TrainingDesk desk;
  private final ServedModels served;
  private final Evaluations evaluations;
  private final RetrainTrigger retrain;
  private final MessageConsumer<EventBatch> featureFeed;
  private final ItemEmbeddings text;
  private volatile LiveFeed feed;
  private final ModelFeed modelFeed;

  private final Devices.Choice device;
  /** The device, the libtorch flavour DJL loaded and the CUDA version, for {@code /health/ready}. */
  private final JsonObject deviceStatus;
  private final FeatureStore features;
  private final NodeMetrics metrics;
  private final Jobs jobs;

  /** Starts a node on an opened store and returns once it answers HTTP. */
  public static Server start(Config config, StoreHandle store) {
    return new Server(config, store);
  }

  private Server(Config config, StoreHandle store) {
    this.config = config;
    this.store = store;
    this.ingest = IngestService.on(store, config);
    Pool pool = store.pool();
    Vertx vertx = store.vertx();
    EventRepository events = new EventRepository(pool);
    // reads that tolerate lag: training sets and offline evaluations (a read replica, when set)
    EventRepository laggingEvents = new EventRepository(store.readPool());
    ArtifactRepository artifacts = ArtifactRepository.of(vertx, pool, config);
    CatalogRepository catalog = new CatalogRepository(pool);
    ModelRepository registry = new ModelRepository(pool);
    this.device = Devices.choose(config.device());
    this.deviceStatus = device.toJson();
    LOG.info("Models train and score on {}: {} (libtorch flavour {})", device.device(), device.reason(),
        deviceStatus.getString("flavor"));
    List<String> interrupted = registry.failInterrupted(config.nodeKey()).await();
    if (!interrupted.isEmpty()) {
      LOG.warn("Training of {} was interrupted by the last stop: marked failed, half-written artifacts removed",
          interrupted);
      interrupted.forEach(v -> TrainingJobs.removeArtifact(config, v));
    }
    int scoringThreads = config.serving().scoringThreadsResolved();
    this.serving = new MultVaeServing(vertx, pool, artifacts, device.device(), scoringThreads);
    serving.loadLatest().await();
    this.clicks = new ClickServing(vertx, pool, artifacts, device.device(), scoringThreads);
    clicks.loadLatest().await();
    this.catalogue = new Catalogue(vertx, catalog);
    catalogue.start(store.database().connectOptions()).await();
    // The feature store loads the log up to the stream's cursor, then follows the stream.
    this.features = new FeatureStore(config);
    Config.StreamConfig stream = streamOf(config);
    long streamStart = new CursorRepository(pool).load(stream.cursorName()).await();
    // the live feed takes each batch after the feature store applied it, so its lists see the batch
    this.featureFeed = vertx.eventBus().localConsumer(EventTailer.ADDRESS, m -> {
      features.accept(m.body());
      LiveFeed f = this.feed;
      if (f != null) {
        f.accept(m.body());
      }
    });
    featureFeed.completion().await();
    vertx.executeBlocking(() -> {
      features.load(events, streamStart);
      return null;
    }, false).onFailure(err -> LOG.error("The feature store could not load; recommendations read PostgreSQL", err));
    // this node's own writes reach its features at commit, ahead of the stream
    ingest.onCommitted(features::applyCommitted);
    TextEmbedder embedder = TextEmbedder.of(config.text());
    // the index loads now; items without a current embedding are embedded in the background
    // in a cluster the nodes that train embed items; API nodes follow what they write
    this.text = embedder == null ? null
        : new ItemEmbeddings(vertx, pool, embedder, config.text(), config.cluster().trains());
    if (text != null) {
      text.start().await();
    }
    this.recommender = new Recommender(vertx, pool, serving, clicks, catalogue, features, config, text);
    this.uplift = new UpliftServing(vertx, pool, artifacts, device.device(), recommender, catalogue);
    uplift.loadLatest().await();
    // versions trained on any node (this one included) are announced on the event bus
    this.served = new ServedModels(vertx, serving, clicks, uplift);
    served.start().await();
    boolean trains = config.cluster().trains();
    this.training = trains ? new TrainingJobs(vertx, pool, laggingEvents, registry, config, device.device()) : null;
    this.evaluations = new Evaluations(vertx, laggingEvents, registry, artifacts, config, device.device());
    this.jobs = new Jobs(vertx, new JobRepository(pool, config.nodeKey()));
    jobs.interruptLeftovers().await();
    jobs.followLiveness();
    if (text != null && training != null) {
      training.useItemText(new EmbeddingRepository(pool), text.model());
    }
    this.desk = new TrainingDesk(vertx, training, jobs, registry);
    desk.start().await();
    // an API node leaves retraining to the trainer, which follows the same stream
    this.retrain = training == null ? null
        : new RetrainTrigger(vertx, training, config.models().retrainAfterEvents());
    // Versions trained elsewhere (the train command, another node) are picked up from the registry.
    serving.followRegistry(REGISTRY_POLL_MS);
    clicks.followRegistry(REGISTRY_POLL_MS);

    this.tailer = new EventTailer(events, new CursorRepository(pool), store.database().connectOptions(), stream);
    this.tailerDeployment = vertx.deployVerticle(tailer).await();
    this.feed = new LiveFeed(vertx, recommender, uplift);
    catalogue.onChange(() -> feed.catalogueChanged(catalogue::recommendable));
    if (text != null) {
      catalogue.onChange(text::wake); // items written through another node are embedded (or read) soon
    }
    this.modelFeed = new ModelFeed(vertx, registry, feed::status);
    Services services = new Services(ingest, catalog, events, recommender, catalogue, uplift, desk, evaluations,
        registry, text, feed, modelFeed, this::readiness, store.meters(), jobs, served);
    this.metrics = NodeMetrics.bind(store.meters(), vertx, new NodeMetrics.Parts(ingest, tailer, features, recommender, serving,
        clicks, uplift, feed, training));
    // One HTTP verticle per core in one deployment: they share the bound port and Vert.x spreads
    // connections over their event loops.
    List<HttpVerticle> instances = new CopyOnWriteArrayList<>();
    this.httpDeployment = vertx.deployVerticle(() -> {
      HttpVerticle v = new HttpVerticle(config, services);
      instances.add(v);
      return v;
    }, new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors())).await();
    this.http = instances.get(0);
    LOG.info("HTTP server bound to {}:{}", config.httpHost(), http.port());
  }

  /**
   * The event stream's settings: alone, as configured; in a cluster each node follows the stream
   * from a position of its own, named after the node.
   */
  private static Config.StreamConfig streamOf(Config config) {
    Config.StreamConfig st = config.stream();
    return config.nodeKey() == null ? st
        : new Config.StreamConfig(st.cursorName() + "@" + config.nodeKey(), st.batchSize(), st.pollIntervalMs());
  }

  private Future<JsonObject> readiness() {
    String schema = store.database().schemaVersion();
    return store.pool().query("SELECT 1").execute()
        .map(rs -> new JsonObject()
            .put("status", schema != null ? "UP" : "DOWN")
            .put("database", new JsonObject().put("status", "UP")
                .put("embedded", store.database().isEmbedded())
                .put("schema_version", schema))
            .put("cluster", clusterStatus())
            .put("stream", tailer.status())
            .put("ingest", ingest.counters())
            .put("device", deviceStatus.copy().put("live_ndarrays", Devices.liveArrays()))
            .put("model", serving.status())
            .put("click_model", clicks.status())
            .put("recommendations", recommender.cacheStatus().put("catalogue_items", catalogue.size()))
            .put("uplift_model", uplift.version())
            .put("features", new JsonObject(features.stats()))
            .put("text", text == null ? new JsonObject().put("provider", "off") : text.status())
            .put("feed", feed.status()))
        .recover(err -> Future.succeededFuture(new JsonObject()
            .put("status", "DOWN")
            .put("database", new JsonObject().put("status", "DOWN").put("detail", String.valueOf(err.getMessage())))));
  }

  /** {@code {"enabled", "role"}} and, in a cluster, this node's name and how many nodes are members now. */
  private JsonObject clusterStatus() {
    ClusterConfig c = config.cluster();
    JsonObject o = new JsonObject().put("enabled", c.enabled()).put("role", c.role());
    // the member list is only on Vert.x's internal interface
    ClusterManager members = ((VertxInternal) store.vertx()).clusterManager();
    if (c.enabled() && members != null) {
      o.put("node", c.nodeName()).put("members", members.getNodes().size());
    }
    return o;
  }

  /** The live feed's counters (sockets, pushed, coalesced, computed). */
  public JsonObject feedStatus() {
    return feed.status();
  }

  /** The port the HTTP server is bound to. */
  public int port() {
    return http.port();
  }

  /** The routes the HTTP server answers, {@code METHOD PATH} each (what the access tests walk). */
  public List<String> routeTable() {
    return http.routeTable();
  }

  /** The base URL, for printing and for clients on this machine. */
  public String baseUrl() {
    String host = config.httpHost().equals("0.0.0.0") ? "localhost" : config.httpHost();
    return "http://" + host + ":" + port();
  }

  /** This node's Vert.x instance. */
  public Vertx vertx() {
    return store.vertx();
  }

  /** This node's connection pool. */
  public Pool pool() {
    return store.pool();
  }

  /** The write path. */
  public IngestService ingest() {
    return ingest;
  }

  /** The database this node stores into. */
  public Database database() {
    return store.database();
  }

  /** The model version serving recommendations, or null before the first training. */
  public String servingVersion() {
    return serving.version();
  }

  /** Loads a registered version and serves it; fails (and the current version stays) when it does not load. */
  public Future<String> switchModel(String version) {
    return serving.versions().switchTo(version);
  }

  /** The click model version ranking recommendations, or null. */
  public String clickModelVersion() {
    return clicks.version();
  }

  /** The uplift version serving what-if answers, or null. */
  public String upliftVersion() {
    return uplift.version();
  }

  /** The training jobs. */
  public TrainingJobs training() {
    return training;
  }

  /** Status of the event tailer. */
  public JsonObject streamStatus() {
    return tailer.status();
  }

  /**
   * Stops gracefully, in the order that loses nothing: feeds are closed with 1001; HTTP stops
   * accepting and lets the requests in flight finish (up to {@code http.shutdown_timeout_ms}), so
   * every event acknowledged is committed; then the tailer finishes its batch in flight, training
   * runs are abandoned at their next epoch end (their jobs marked interrupted) and the models
   * close. The store stays open: its owner closes the pool and the embedded PostgreSQL after this.
   */
  @Override
  public void close() {
    Vertx vertx = store.vertx();
    long start = System.nanoTime();
    LOG.info("Stopping: feeds close, requests in flight finish (at most {} ms)", config.http().shutdownTimeoutMs());
    feed.close();
    modelFeed.close();
    vertx.undeploy(httpDeployment).await();
    LOG.info("HTTP drained in {} ms", (System.nanoTime() - start) / 1_000_000);
    if (retrain != null) {
      retrain.close();
    }
    vertx.undeploy(tailerDeployment).await();
    featureFeed.unregister().await();
    desk.close().await();
    served.close().await();
    if (training != null) {
      training.close().await();
    }
    evaluations.close().await();
    jobs.drain().await();
    serving.close();
    clicks.close();
    catalogue.close();
    uplift.close();
    if (text != null) {
      text.close();
    }
    LOG.info("Stopped in {} ms", (System.nanoTime() - start) / 1_000_000);
  }
}
