package org.causalrec.server;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.causalrec.data.FeatureStore;
import org.causalrec.feed.LiveFeed;
import org.causalrec.ingest.EventTailer;
import org.causalrec.ingest.IngestService;
import org.causalrec.model.Devices;
import org.causalrec.serve.ClickServing;
import org.causalrec.serve.MultVaeServing;
import org.causalrec.serve.PassObserver;
import org.causalrec.serve.Recommender;
import org.causalrec.serve.UpliftServing;
import org.causalrec.train.TrainingJobs;

/**
 * The node's own meters, named {@code causalrec_*} in the Prometheus output, beside the ones Vert.x
 * keeps (HTTP requests per route, the database pool, the event bus, JVM and GC).
 *
 * <p>Counters the components already keep are read when scraped (function counters and gauges);
 * scoring passes, stream lag and training runs are recorded as they happen, into histograms.
 */
final class NodeMetrics {

  private final MeterRegistry registry;
  /**
   * The objects the meters read: Micrometer holds them weakly, so the node holds them here (and
   * holds this) for as long as it runs.
   */
  private final List<Object> sources = new ArrayList<>();
  /** Per kind: the running version's epoch over its epochs (0 when idle). */
  private final Map<String, Double> trainingProgress = new ConcurrentHashMap<>();
  /** Per version: when its run started, in nanoseconds. */
  private final Map<String, Long> trainingStarted = new ConcurrentHashMap<>();

  private NodeMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The node's components as the meters see them. */
  record Parts(IngestService ingest, EventTailer tailer, FeatureStore features, Recommender recommender,
      MultVaeServing vae, ClickServing clicks, UpliftServing uplift, LiveFeed feed, TrainingJobs training) {}

  /** Binds every meter of {@code parts} to {@code registry}; the node keeps what this returns. */
  static NodeMetrics bind(MeterRegistry registry, Vertx vertx, Parts parts) {
    NodeMetrics m = new NodeMetrics(registry);
    m.bindAll(vertx, parts);
    return m;
  }

  private void bindAll(Vertx vertx, Parts p) {
    Supplier<JsonObject> ingest = p.ingest()::counters;
    counter("causalrec.ingest.events.accepted", "events stored", ingest, "events_accepted");
    counter("causalrec.ingest.events.duplicate", "events refused as duplicates of a stored event_id", ingest,
        "duplicates");
    counter("causalrec.ingest.events.unknown.item", "events stored for items not in the catalogue", ingest,
        "unknown_item_events");
    counter("causalrec.ingest.requests.rejected", "event requests refused as invalid (4xx)", ingest,
        "rejected_requests");
    counter("causalrec.ingest.requests.overloaded", "event requests refused with 503 overloaded", ingest,
        "overloaded_requests");
    gauge("causalrec.ingest.events.pending", "events accepted and waiting for their commit", ingest,
        "pending_events");

    EventTailer tailer = p.tailer();
    Gauge.builder("causalrec.stream.lag.events", tailer, EventTailer::lagEvents)
        .description("committed events the stream has not delivered yet").register(registry);
    Gauge.builder("causalrec.stream.lag.seconds", tailer, t -> t.lastLagMs() / 1_000)
        .description("write-to-delivery time of the newest delivered event").register(registry);
    FunctionCounter.builder("causalrec.stream.events.delivered", tailer,
        t -> t.status().getLong("delivered")).description("events the stream delivered").register(registry);
    Timer lag = Timer.builder("causalrec.stream.delivery").description("write-to-delivery time per batch")
        .register(registry);
    tailer.observeLag(ms -> lag.record(Duration.ofNanos((long) (ms * 1e6))));

    FeatureStore features = p.features();
    gauge("causalrec.features.users", "users in the feature store", () -> new JsonObject(features.stats()), "users");
    gauge("causalrec.features.items", "items in the feature store", () -> new JsonObject(features.stats()), "items");
    counter("causalrec.features.events", "events the feature store applied", () -> new JsonObject(features.stats()),
        "events_through_last_id");

    passes("mult-vae", p.vae()::observePasses);
    passes("click-mlp", p.clicks()::observePasses);

    Supplier<JsonObject> cache = p.recommender()::cacheStatus;
    sources.add(cache);
    FunctionCounter.builder("causalrec.cache.requests", cache, c -> c.get().getLong("hits"))
        .tags("result", "hit").description("recommendation requests answered from the list cache").register(registry);
    FunctionCounter.builder("causalrec.cache.requests", cache, c -> c.get().getLong("misses"))
        .tags("result", "miss").description("recommendation requests answered from the list cache").register(registry);
    gauge("causalrec.cache.lists", "ranked lists held in the cache", cache, "lists");

    MultiGauge versions = MultiGauge.builder("causalrec.model.serving")
        .description("the model version each kind serves (value 1; the version is a label)").register(registry);
    Runnable refreshVersions = () -> {
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      addVersion(rows, "mult-vae", p.vae().version());
      addVersion(rows, "click-mlp", p.clicks().version());
      addVersion(rows, "uplift", p.uplift().version());
      versions.register(rows, true);
    };
    refreshVersions.run();
    vertx.setPeriodic(1_000, id -> refreshVersions.run());

    Supplier<JsonObject> feed = p.feed()::status;
    gauge("causalrec.feed.sockets", "live feed sockets open", feed, "sockets");
    counter("causalrec.feed.pushed", "lists pushed to live feed sockets", feed, "pushed");
    counter("causalrec.feed.coalesced", "feed updates merged into a later one", feed, "coalesced");
    counter("causalrec.feed.computed", "lists computed for the live feed", feed, "computed");

    Gauge.builder("causalrec.device.ndarrays", Devices::liveArrays)
        .description("NDArrays open in every DJL manager").register(registry);
    bindTraining(vertx, p.training());
  }

  private void bindTraining(Vertx vertx, TrainingJobs training) {
    for (String kind : TrainingJobs.kinds()) {
      trainingProgress.put(kind, 0.0);
      Gauge.builder("causalrec.training.progress", trainingProgress, m -> m.getOrDefault(kind, 0.0))
          .tags("kind", kind).description("epochs done over epochs of the run in progress (0 when idle)")
          .register(registry);
    }
    if (training == null) {
      return; // an API node of a cluster: it runs no training
    }
    vertx.eventBus().<JsonObject>consumer(TrainingJobs.PROGRESS_ADDRESS, m -> {
      JsonObject p = m.body();
      if (!java.util.Objects.equals(p.getString("node"), training.node())) {
        return; // in a cluster every node hears every run: only this node's own are counted
      }
      String version = p.getString("version");
      String kind = p.getString("kind");
      String status = p.getString("status");
      if (version == null || kind == null || status == null) {
        return; // a detail line
      }
      if ("training".equals(status)) {
        trainingStarted.putIfAbsent(version, System.nanoTime());
        Integer epoch = p.getInteger("epoch");
        Integer epochs = p.getInteger("epochs");
        if (epoch != null && epochs != null && epochs > 0) {
          trainingProgress.put(kind, epoch / (double) epochs);
        }
      } else {
        trainingProgress.put(kind, 0.0);
        Long started = trainingStarted.remove(version);
        if (started != null) {
          Timer.builder("causalrec.training.duration").tags("kind", kind, "status", status)
              .description("training runs by kind and outcome, and how long they took").register(registry)
              .record(Duration.ofNanos(System.nanoTime() - started));
        }
      }
    });
  }

  private static void addVersion(List<MultiGauge.Row<?>> rows, String kind, String version) {
    if (version != null) {
      rows.add(MultiGauge.Row.of(Tags.of("kind", kind, "version", version), 1));
    }
  }

  private void passes(String model, java.util.function.Consumer<PassObserver> observe) {
    DistributionSummary size = DistributionSummary.builder("causalrec.scoring.batch.size").tags("model", model)
        .description("requests served by one scoring pass").serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256)
        .register(registry);
    Timer time = Timer.builder("causalrec.scoring.pass").tags("model", model)
        .description("time of one scoring pass").register(registry);
    observe.accept((n, nanos) -> {
      size.record(n);
      time.record(Duration.ofNanos(nanos));
    });
  }

  private void counter(String name, String help, Supplier<JsonObject> source, String key) {
    sources.add(source);
    FunctionCounter.builder(name, source, value(key)).description(help).register(registry);
  }

  private void gauge(String name, String help, Supplier<JsonObject> source, String key) {
    sources.add(source);
    Gauge.builder(name, source, value(key)).description(help).register(registry);
  }

  private static ToDoubleFunction<Supplier<JsonObject>> value(String key) {
    return s -> {
      Object v = s.get().getValue(key);
      return v instanceof Number n ? n.doubleValue() : Double.NaN;
    };
  }
}
