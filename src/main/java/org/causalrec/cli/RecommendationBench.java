package org.causalrec.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.causalrec.config.Config;
import org.causalrec.ingest.IngestService;
import org.causalrec.serve.ServingLatency;
import org.causalrec.server.Server;
import org.causalrec.sim.SimulationRun;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.Sinks;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.StoreHandle;
import org.causalrec.train.TrainingRequest;

/**
 * {@code causalrec bench recommendations}: on a fresh store with the small world (2,000 users x
 * 1,000 items), a trained Mult-VAE and click MLP, measures in one run, each for a fixed time with
 * {@code connections} keep-alive connections in a closed loop (one request in flight each) from
 * random users: {@code /health/live}; cached recommendations; recommendations right after the
 * user's event (so uncached); and the three again while a Mult-VAE trains. Prints requests/s,
 * p50 and p99 of each and the ratios the serving targets are stated in. Before all that, the
 * single-client fold-in + ranking latency at 1,000 and 20,000 items ({@link ServingLatency}).
 * Server and clients share one JVM and the machine's cores.
 */
final class RecommendationBench {

  /** One phase's figures. */
  private record Figures(String name, double perSecond, double p50Ms, double p99Ms, long requests) {}

  private final Server server;
  private final WebClient client;
  private final int connections;
  private final int users;
  private final int items;

  private RecommendationBench(Server server, WebClient client, int connections, int users, int items) {
    this.server = server;
    this.client = client;
    this.connections = connections;
    this.users = users;
    this.items = items;
  }

  static void run(Config base, int seconds, int connections) throws Exception {
    Path dataDir = Files.createTempDirectory("causalrec-rec-bench");
    Config config = base.toBuilder().setDataDir(dataDir).setHttpPort(0).setModels(new Config.ModelConfig(
        base.models().epochs(), 0, base.models().excludeTypes())).build();
    System.out.printf(Locale.ROOT, "bench recommendations: %d cores, %d connections, %d s a phase, serving threads"
        + " %d, training threads %d%n", Runtime.getRuntime().availableProcessors(), connections, seconds,
        config.serving().scoringThreadsResolved(), config.serving().trainingThreadsResolved());
    // first, while nothing else runs: DJL records gradients for one training at a time
    ServingLatency.print(System.out, config.serving().scoringThreadsResolved());
    System.out.println();
    try (StoreHandle store = StoreHandle.open(config)) {
      World world = World.generate(WorldSpec.named("small"), 42);
      SimulationRun.run(new Simulator(world), Sinks.inProcess(IngestService.on(store, config)),
          dataDir.resolve("truth"), 5_000, m -> { });
      Server server = Server.start(config, store);
      Vertx vertx = Vertx.vertx();
      try {
        long t0 = System.nanoTime();
        server.training().trainAndWait("mult-vae", 30).await();
        String click = server.training().trainAndWait("click-mlp", 6).await();
        waitFor(() -> click.equals(server.clickModelVersion()));
        System.out.printf(Locale.ROOT, "Mult-VAE and click MLP trained and serving in %.0f s%n",
            (System.nanoTime() - t0) / 1e9);
        WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
            .setDefaultPort(server.port()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(connections));
        new RecommendationBench(server, client, connections, world.users(), world.items()).measure(seconds);
      } finally {
        vertx.close().await();
        server.close();
      }
    }
  }

  private void measure(int seconds) throws Exception {
    // every user's list once, so the cached phase reads lists computed before it
    for (int u = 0; u < users; u += connections) {
      int from = u;
      Future.all(java.util.stream.IntStream.range(from, Math.min(users, from + connections))
          .mapToObj(k -> client.get("/v1/users/u" + k + "/recommendations?n=10").send()).toList()).await();
    }
    Figures live = phase("/health/live", seconds, rng -> timed(client.get("/health/live").send()));
    Figures cached = phase("recommendations, cached", seconds, rng -> recommendations(rng));
    Figures fresh = phase("recommendations after the user's event", seconds, rng -> afterEvent(rng));
    String version = server.training().start("mult-vae", TrainingRequest.epochs(10_000)).await();
    Thread.sleep(3_000); // past the data loading, into the epochs
    Figures liveT = phase("/health/live, while a Mult-VAE trains", seconds,
        rng -> timed(client.get("/health/live").send()));
    Figures cachedT = phase("recommendations, cached, while training", seconds, rng -> recommendations(rng));
    Figures freshT = phase("recommendations after the event, while training", seconds, rng -> afterEvent(rng));
    boolean stillTraining = server.training().isRunning("mult-vae");
    System.out.println();
    System.out.println("| phase | requests/s | p50 ms | p99 ms | requests |");
    System.out.println("|---|---|---|---|---|");
    for (Figures f : new Figures[] {live, cached, fresh, liveT, cachedT, freshT}) {
      System.out.printf(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %d |%n", f.name(), f.perSecond(), f.p50Ms(),
          f.p99Ms(), f.requests());
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "cached / live requests/s: %.3f (target >= 0.5); cached p99 / live p99: %.2f"
        + " (target <= 2)%n", cached.perSecond() / live.perSecond(), cached.p99Ms() / live.p99Ms());
    System.out.printf(Locale.ROOT, "while training (%s %s): cached p99 / idle cached p99: %.2f; after-event p99 /"
        + " idle after-event p99: %.2f (target <= 2)%n", version, stillTraining ? "still training at the end"
        : "FINISHED before the end", cachedT.p99Ms() / cached.p99Ms(), freshT.p99Ms() / fresh.p99Ms());
    JsonObject health = client.get("/health/ready").send().await().bodyAsJsonObject();
    System.out.println("cache: " + health.getJsonObject("recommendations").encode());
  }

  /** The request's send time, once it answered 200. */
  private Future<Long> timed(Future<HttpResponse<Buffer>> response) {
    long sent = System.nanoTime();
    return response.map(this::ok).map(r -> sent);
  }

  private Future<Long> recommendations(SplittableRandom rng) {
    return timed(client.get("/v1/users/u" + rng.nextInt(users) + "/recommendations?n=10").send());
  }

  /** A click by a random user, then its list: only the list's request is timed. */
  private Future<Long> afterEvent(SplittableRandom rng) {
    String user = "u" + rng.nextInt(users);
    JsonArray event = new JsonArray().add(new JsonObject().put("user_id", user)
        .put("item_id", "i" + rng.nextInt(items)).put("type", "click"));
    return client.post("/v1/events").sendJson(event).map(this::ok)
        .compose(r -> timed(client.get("/v1/users/" + user + "/recommendations?n=10").send()));
  }

  private HttpResponse<Buffer> ok(HttpResponse<Buffer> r) {
    if (r.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.bodyAsString());
    }
    return r;
  }

  /**
   * Runs {@code request} from {@code connections} closed loops for {@code seconds}; latency from
   * the time its future gives (when the timed request was sent) to its answer.
   */
  private Figures phase(String name, int seconds, Function<SplittableRandom, Future<Long>> request) throws Exception {
    AtomicLong failures = new AtomicLong();
    long[] sorted = closedLoops(connections, seconds, name.hashCode(), c -> request, failures);
    int count = sorted.length;
    if (failures.get() > 0) {
      System.out.println(name + ": " + failures.get() + " failed requests");
    }
    Figures f = new Figures(name, count / (double) seconds, sorted[count / 2] / 1e6,
        sorted[(int) Math.min(count - 1, count * 0.99)] / 1e6, count);
    System.out.printf(Locale.ROOT, "%s: %.0f requests/s, p50 %.2f ms, p99 %.2f ms%n", name, f.perSecond(), f.p50Ms(),
        f.p99Ms());
    return f;
  }

  /**
   * The latencies, sorted, in ns, of {@code connections} closed loops (one request in flight each)
   * run for {@code seconds}; connection {@code c} sends what {@code requestOf.apply(c)} gives, whose
   * future completes with the time the timed request was sent. Failures are counted, not timed.
   */
  static long[] closedLoops(int connections, int seconds, long seed,
      java.util.function.IntFunction<Function<SplittableRandom, Future<Long>>> requestOf, AtomicLong failures)
      throws Exception {
    long[] latencies = new long[8_000_000];
    AtomicInteger n = new AtomicInteger();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger loops = new AtomicInteger(connections);
    for (int c = 0; c < connections; c++) {
      loop(requestOf.apply(c), new SplittableRandom(31L * c + seed), latencies, n, failures, end, loops, done);
    }
    done.get();
    long[] sorted = Arrays.copyOf(latencies, Math.min(n.get(), latencies.length));
    Arrays.sort(sorted);
    return sorted;
  }

  /**
   * One closed loop of a phase: sends {@code request} again as soon as it answered, until
   * {@code end}; records each latency (from the send time its future gives) or counts a failure.
   */
  private static void loop(Function<SplittableRandom, Future<Long>> request, SplittableRandom rng, long[] latencies,
      AtomicInteger n, AtomicLong failures, long end, AtomicInteger loops, CompletableFuture<Void> done) {
    if (System.nanoTime() >= end) {
      if (loops.decrementAndGet() == 0) {
        done.complete(null);
      }
      return;
    }
    request.apply(rng).onComplete(ar -> {
      if (ar.succeeded()) {
        int k = n.getAndIncrement();
        if (k < latencies.length) {
          latencies[k] = System.nanoTime() - ar.result();
        }
      } else {
        failures.incrementAndGet();
      }
      loop(request, rng, latencies, n, failures, end, loops, done);
    });
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the click model was not served within 60 s");
      }
      Thread.sleep(100);
    }
  }
}
