package org.causalrec.cli;

import io.vertx.core.Promise;
import org.causalrec.store.StoreHandle;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.causalrec.server.Server;
import org.causalrec.config.Config;
import org.causalrec.core.FileTrees;
import org.causalrec.ingest.EventBatch;
import org.causalrec.ingest.EventTailer;
import org.causalrec.store.CursorRepository;
import org.causalrec.store.EventRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code causalrec bench ingest}: sustained events/s through the REST API into PostgreSQL, and
 * events/s through the event-stream tailer (live, and catching up from id 0). Prints figures.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: 'ingest' (REST ingest and event stream on a fresh store), 'train' (training"
        + " throughput on the stored events), 'text' (item text embedding throughput, similar-item and search"
        + " latency), 'feed' (event-to-push latency over open WebSocket feeds, memory per socket),"
        + " 'recommendations' (requests/s and latency of cached and uncached recommendations, idle and while a"
        + " model trains; fold-in + ranking latency at 1,000 and 20,000 items), 'cluster' (a trainer and three API"
        + " nodes as processes: requests/s with 1, 2 and 3 API nodes, cross-node feed delay, model switch time,"
        + " event-bus fan-out).")
public final class BenchCommand implements Callable<Integer> {

  @Mixin
  CommonOptions common;

  @picocli.CommandLine.Parameters(index = "0", defaultValue = "ingest",
      description = "what to measure: ingest, train, text, feed, recommendations or cluster")
  String what;

  @Option(names = "--vae-users", defaultValue = "20000", description = "train: users in the Mult-VAE epoch (default ${DEFAULT-VALUE})")
  int vaeUsers;

  @Option(names = "--click-impressions", defaultValue = "1000000",
      description = "train: impressions in the click-MLP epoch (default ${DEFAULT-VALUE})")
  int clickImpressions;

  @Option(names = "--vae-epochs", defaultValue = "1",
      description = "train: Mult-VAE epochs; the last one's rate is compared with the matmul"
          + " (default ${DEFAULT-VALUE})")
  int vaeEpochs;

  @Option(names = "--world", description = "train: simulate this world (tiny, small or ml20m) in memory instead of"
      + " reading the stored events; no database is used")
  String world;

  @Option(names = "--seed", defaultValue = "42",
      description = "train --world: the world's seed (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--events", defaultValue = "500000", description = "events to send (default ${DEFAULT-VALUE})")
  int events;

  @Mixin
  BatchOptions batch = new BatchOptions(1000);

  @Option(names = "--concurrency", defaultValue = "4", description = "requests in flight (default ${DEFAULT-VALUE})")
  int concurrency;

  @Option(names = "--items", defaultValue = "100000", description = "text: items in the search index (default ${DEFAULT-VALUE})")
  int items;

  @Option(names = "--texts", defaultValue = "2000", description = "text: item texts embedded (default ${DEFAULT-VALUE})")
  int texts;

  @Option(names = "--sockets", defaultValue = "1000", description = "feed: feeds open while latency is measured (default ${DEFAULT-VALUE})")
  int sockets;

  @Option(names = "--feed-events", defaultValue = "300", description = "feed: events per latency run (default ${DEFAULT-VALUE})")
  int feedEvents;

  @Option(names = "--max-sockets", defaultValue = "10000", description = "feed: open feeds up to this many for memory (default ${DEFAULT-VALUE})")
  int maxSockets;

  @Option(names = "--seconds", defaultValue = "10",
      description = "recommendations and cluster: seconds each phase runs (default ${DEFAULT-VALUE})")
  int seconds;

  @Option(names = "--connections", defaultValue = "64",
      description = "recommendations and cluster: keep-alive connections, one request in flight each"
          + " (default ${DEFAULT-VALUE})")
  int connections;

  @Override
  public Integer call() throws Exception {
    if ("recommendations".equals(what)) {
      RecommendationBench.run(common.config(), seconds, connections);
      return 0;
    }
    if ("cluster".equals(what)) {
      ClusterBench.run(common.config(), seconds, connections);
      return 0;
    }
    if ("feed".equals(what)) {
      System.out.println("bench feed on " + Runtime.getRuntime().availableProcessors() + " cores, max heap "
          + Runtime.getRuntime().maxMemory() / 1_000_000 + " MB");
      FeedBench.run(common.config(), sockets, feedEvents, maxSockets);
      return 0;
    }
    if ("text".equals(what)) {
      System.out.println("bench text on " + Runtime.getRuntime().availableProcessors() + " cores");
      TextBench.run(common.config(), items, texts);
      return 0;
    }
    if ("train".equals(what)) {
      Config c = common.config();
      org.causalrec.model.Devices.Choice device = org.causalrec.model.Devices.choose(c.device());
      System.out.println("bench train on " + device.device() + " (" + device.reason() + "), "
          + Runtime.getRuntime().availableProcessors() + " cores");
      if (world != null) {
        TrainBench.runOnWorld(c, device.device(), org.causalrec.sim.WorldSpec.named(world), seed, vaeUsers,
            vaeEpochs, clickImpressions);
      } else {
        TrainBench.run(c, device.device(), vaeUsers, vaeEpochs, clickImpressions);
      }
      return 0;
    }
    if (!"ingest".equals(what)) {
      System.err.println("unknown benchmark '" + what + "' (ingest, train, text, feed, recommendations, cluster)");
      return 2;
    }
    Config base = common.config();
    boolean temporary = common.dataDir == null && base.pgUrl() == null && System.getenv("CAUSALREC_DATA_DIR") == null;
    Path dataDir = temporary ? Files.createTempDirectory("causalrec-bench") : base.dataDir();
    // Retraining is off here: a training run would compete with ingest for the same cores.
    Config config = base.toBuilder().setDataDir(dataDir).setHttpPort(0).setModels(new Config.ModelConfig(
        base.models().epochs(), 0, base.models().excludeTypes())).build();
    System.out.printf(Locale.ROOT, "bench ingest: %d events, batches of %d, %d in flight, %d cores, store %s%n",
        events, batch.size(), concurrency, Runtime.getRuntime().availableProcessors(),
        config.pgUrl() != null ? "external" : "embedded in " + dataDir);
    try (StoreHandle store = StoreHandle.open(config)) {
      Server server = Server.start(config, store);
      long startId = new EventRepository(store.pool()).maxId().await();
      List<Buffer> bodies = bodies(events, batch.size(), System.nanoTime());
      Vertx clientVertx = Vertx.vertx();
      double rest;
      try {
        rest = ingest(clientVertx, server, bodies);
      } finally {
        clientVertx.close().await();
      }
      catchUp(store, startId);
      copyCeiling(store, bodies, rest);
      server.close();
    }
    if (temporary) {
      FileTrees.delete(dataDir);
    }
    return 0;
  }

  /** Posts the bodies; returns the accepted events per second. */
  private double ingest(Vertx clientVertx, Server server, List<Buffer> bodies) throws Exception {
    WebClient client = WebClient.create(clientVertx, new WebClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(server.port()).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(concurrency));
    long deliveredBefore = server.streamStatus().getLong("delivered");
    long[] latencies = new long[bodies.size()];
    AtomicInteger next = new AtomicInteger();
    AtomicLong accepted = new AtomicLong();
    Promise<Void> done = Promise.promise();
    AtomicInteger running = new AtomicInteger(concurrency);
    long t0 = System.nanoTime();
    for (int c = 0; c < concurrency; c++) {
      clientVertx.runOnContext(v -> sendNext(client, bodies, next, latencies, accepted, running, done));
    }
    done.future().await();
    double seconds = (System.nanoTime() - t0) / 1e9;
    // The live tailer runs during ingest; wait for it to deliver the last event.
    long target = deliveredBefore + accepted.get();
    long tailStart = System.nanoTime();
    while (server.streamStatus().getLong("delivered") < target) {
      if (System.nanoTime() - tailStart > 120_000_000_000L) {
        throw new IllegalStateException("the live tailer delivered " + server.streamStatus().getLong("delivered")
            + " of " + target + " events within 120 s");
      }
      Thread.sleep(5);
    }
    double tailLag = (System.nanoTime() - tailStart) / 1e9;
    Arrays.sort(latencies);
    System.out.printf(Locale.ROOT, "REST ingest: %d events accepted in %.2f s = %.0f events/s "
            + "(request latency p50 %.1f ms, p99 %.1f ms)%n",
        accepted.get(), seconds, accepted.get() / seconds, latencies[latencies.length / 2] / 1e6,
        latencies[(int) (latencies.length * 0.99)] / 1e6);
    System.out.printf(Locale.ROOT, "live tailer: delivered all %d events %.0f ms after the last ingest ack "
        + "(%.0f events/s end to end)%n", accepted.get(), tailLag * 1000, accepted.get() / (seconds + tailLag));
    return accepted.get() / seconds;
  }

  /**
   * The ceiling: the same rows (new event ids) copied straight into the same PostgreSQL, one COPY a
   * batch, as many in flight as the clients had, with the node still running; and REST's share of it.
   */
  private void copyCeiling(StoreHandle store, List<Buffer> bodies, double rest) throws Exception {
    List<List<org.causalrec.store.Event>> batches = new ArrayList<>();
    for (Buffer b : bodies) {
      List<org.causalrec.store.Event> batch = new ArrayList<>();
      for (Object o : new JsonArray(b)) {
        org.causalrec.store.Event e = org.causalrec.sim.Simulator.toEvent((JsonObject) o);
        batch.add(new org.causalrec.store.Event(null, e.eventId() + "-copy", e.userId(), e.itemId(), e.type(),
            e.value(), e.ts(), e.position(), e.surface(), e.recommended(), e.propensity(), e.modelVersion()));
      }
      batches.add(batch);
    }
    AtomicInteger next = new AtomicInteger();
    AtomicLong rows = new AtomicLong();
    long t0 = System.nanoTime();
    List<io.vertx.core.Future<Void>> lanes = new ArrayList<>();
    for (int c = 0; c < concurrency; c++) {
      lanes.add(copyLane(store, batches, next, rows));
    }
    io.vertx.core.Future.all(lanes).await();
    double perSecond = rows.get() / ((System.nanoTime() - t0) / 1e9);
    System.out.printf(Locale.ROOT, "COPY ceiling: the same %d rows copied in batches of %d, %d in flight: %.0f rows/s;"
        + " REST ingest is %.2f of it%n", rows.get(), batch.size(), concurrency, perSecond, rest / perSecond);
  }

  private static io.vertx.core.Future<Void> copyLane(StoreHandle store, List<List<org.causalrec.store.Event>> batches,
      AtomicInteger next, AtomicLong rows) {
    int k = next.getAndIncrement();
    if (k >= batches.size()) {
      return io.vertx.core.Future.succeededFuture();
    }
    return store.copy().copyOnly(batches.get(k)).compose(n -> {
      rows.addAndGet(n);
      return copyLane(store, batches, next, rows);
    });
  }

  private void sendNext(WebClient client, List<Buffer> bodies, AtomicInteger next, long[] latencies,
      AtomicLong accepted, AtomicInteger running, Promise<Void> done) {
    int k = next.getAndIncrement();
    if (k >= bodies.size()) {
      if (running.decrementAndGet() == 0) {
        done.tryComplete();
      }
      return;
    }
    long t = System.nanoTime();
    client.post("/v1/events").putHeader("content-type", "application/json").sendBuffer(bodies.get(k))
        .onSuccess(resp -> {
          latencies[k] = System.nanoTime() - t;
          if (resp.statusCode() != 200) {
            done.tryFail("server answered " + resp.statusCode() + ": " + resp.bodyAsString());
            return;
          }
          accepted.addAndGet(resp.bodyAsJsonObject().getInteger("accepted"));
          sendNext(client, bodies, next, latencies, accepted, running, done);
        })
        .onFailure(done::tryFail);
  }

  private static void catchUp(StoreHandle store, long startId) throws Exception {
    long total = store.pool().query("SELECT count(*) FROM events WHERE id > " + startId).execute().await()
        .iterator().next().getLong(0);
    AtomicLong seen = new AtomicLong();
    MessageConsumer<EventBatch> consumer = store.vertx().eventBus().localConsumer(EventTailer.ADDRESS,
        m -> seen.addAndGet(m.body().events().size()));
    consumer.completion().await();
    String cursor = "bench-" + System.currentTimeMillis();
    CursorRepository cursors = new CursorRepository(store.pool());
    cursors.load(cursor).compose(v -> cursors.save(cursor, startId)).await();
    long t0 = System.nanoTime();
    String id = store.vertx().deployVerticle(new EventTailer(new EventRepository(store.pool()), cursors,
        store.database().connectOptions(), new Config.StreamConfig(cursor, 5_000, 1_000))).await();
    while (seen.get() < total) {
      if (System.nanoTime() - t0 > 120_000_000_000L) {
        throw new IllegalStateException("catch-up delivered " + seen.get() + " of " + total + " events within 120 s");
      }
      Thread.sleep(2);
    }
    double s = (System.nanoTime() - t0) / 1e9;
    store.vertx().undeploy(id).await();
    consumer.unregister().await();
    System.out.printf(Locale.ROOT, "tailer catch-up from the stored log: %d events in %.2f s = %.0f events/s "
        + "(batches of 5000)%n", total, s, total / s);
  }

  /** Pre-encoded request bodies of realistic events, so the client spends no time building JSON. */
  static List<Buffer> bodies(int events, int batch, long salt) {
    SplittableRandom rng = new SplittableRandom(7);
    String[] types = {"impression", "impression", "impression", "click", "click", "add_to_cart", "purchase"};
    List<Buffer> out = new ArrayList<>();
    JsonArray current = new JsonArray();
    long t = Instant.parse("2026-06-01T00:00:00Z").getEpochSecond();
    for (int k = 0; k < events; k++) {
      JsonObject ctx = new JsonObject().put("position", rng.nextInt(10)).put("surface", "home")
          .put("recommended", rng.nextBoolean()).put("propensity", 0.01 + 0.99 * rng.nextDouble())
          .put("model_version", "bench");
      current.add(new JsonObject()
          .put("event_id", "bench-" + salt + "-" + k)
          .put("user_id", "u" + rng.nextInt(100_000))
          .put("item_id", "i" + rng.nextInt(20_000))
          .put("type", types[rng.nextInt(types.length)])
          .put("timestamp", Instant.ofEpochSecond(t + k / 10).toString())
          .put("context", ctx));
      if (current.size() == batch) {
        out.add(current.toBuffer());
        current = new JsonArray();
      }
    }
    if (!current.isEmpty()) {
      out.add(current.toBuffer());
    }
    return out;
  }
}
