package org.causalrec.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.causalrec.config.ClusterConfig;
import org.causalrec.config.Config;
import org.causalrec.core.FileTrees;
import org.causalrec.ingest.IngestService;
import org.causalrec.sim.SimulationRun;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.Sinks;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.Database;
import org.causalrec.store.StoreHandle;

/**
 * {@code causalrec bench cluster}: a trainer and three API nodes as separate processes on this
 * machine over one embedded PostgreSQL, the small world (2,000 users x 1,000 items) written in, a
 * Mult-VAE and click MLP trained on the trainer. Measures, from one load generator in this process:
 * cached recommendations requests/s and latency with 1, 2 and 3 API nodes (its keep-alive
 * connections spread over them); the delay from an event posted to one API node to the feed push
 * it causes on another; the time from a training job's success to every API node serving the new
 * version; and, for the choice of how events reach every node, the same event batches over the
 * clustered event bus between two members in this process.
 */
final class ClusterBench {

  private final List<Process> processes = new ArrayList<>();
  private final Path dir;
  private final String pg;
  private final String members;
  private final int[] clusterPorts;

  private record Node(String name, String url) {}

  private ClusterBench(Path dir, String pg, int nodes) throws IOException {
    this.dir = dir;
    this.pg = pg;
    this.clusterPorts = new int[nodes];
    List<String> m = new ArrayList<>();
    for (int k = 0; k < nodes; k++) {
      clusterPorts[k] = freePort();
      m.add("127.0.0.1:" + clusterPorts[k]);
    }
    this.members = String.join(",", m);
  }

  static void run(Config base, int seconds, int connections) throws Exception {
    Path dir = Files.createTempDirectory("causalrec-cluster-bench");
    System.out.printf(Locale.ROOT, "bench cluster: %d cores, %d connections, %d s a phase%n",
        Runtime.getRuntime().availableProcessors(), connections, seconds);
    try (Database db = Database.embedded(dir.resolve("pg"), true)) {
      Config config = base.toBuilder().setDataDir(dir.resolve("loader")).setPgUrl(db.url()).build();
      try (StoreHandle store = StoreHandle.open(config)) {
        World world = World.generate(WorldSpec.named("small"), 42);
        SimulationRun.run(new Simulator(world), Sinks.inProcess(IngestService.on(store, config)),
            dir.resolve("truth"), 5_000, m -> { });
        ClusterBench bench = new ClusterBench(dir, db.url(), 4);
        try {
          bench.measure(seconds, connections, world.users(), world.items());
        } finally {
          bench.processes.forEach(Process::destroy);
          for (Process p : bench.processes) {
            p.waitFor(60, TimeUnit.SECONDS);
          }
        }
      }
    } finally {
      FileTrees.delete(dir);
    }
  }

  private void measure(int seconds, int connections, int users, int items) throws Exception {
    long t0 = System.nanoTime();
    List<CompletableFuture<Node>> starting = new ArrayList<>();
    starting.add(start("trainer", "trainer", 0));
    for (int k = 1; k <= 3; k++) {
      starting.add(start("api" + k, "api", k));
    }
    List<Node> nodes = new ArrayList<>();
    for (CompletableFuture<Node> s : starting) {
      nodes.add(s.get(300, TimeUnit.SECONDS));
    }
    Node trainer = nodes.get(0);
    List<Node> api = nodes.subList(1, 4);
    Vertx vertx = Vertx.vertx();
    try {
      WebClient client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(connections));
      for (Node n : nodes) {
        waitFor(() -> members(client, n) == nodes.size(), 120_000);
      }
      System.out.printf(Locale.ROOT, "four nodes up and joined in %.0f s%n", (System.nanoTime() - t0) / 1e9);
      String vae = train(client, trainer, "mult-vae", 30);
      String click = train(client, trainer, "click-mlp", 6);
      for (Node n : api) {
        waitFor(() -> vae.equals(serving(client, n, "mult-vae")) && click.equals(serving(client, n, "click-mlp")),
            60_000);
      }
      System.out.println(vae + " and " + click + " trained on the trainer, serving on the three API nodes");
      // every user's list once on every node, so that the phases read cached lists
      for (Node n : api) {
        for (int u = 0; u < users; u += connections) {
          int from = u;
          Future.all(java.util.stream.IntStream.range(from, Math.min(users, from + connections))
              .mapToObj(k -> client.getAbs(n.url() + "/v1/users/u" + k + "/recommendations?n=10").send())
              .toList()).await();
        }
      }
      System.out.println();
      System.out.println("| API nodes | requests/s | p50 ms | p99 ms | failed |");
      System.out.println("|---|---|---|---|---|");
      for (int k = 1; k <= 3; k++) {
        List<Node> behind = api.subList(0, k);
        System.out.println(phase(client, behind, seconds, connections, users));
      }
      System.out.println();
      feedLatency(vertx, client, api.get(0), api.get(1), users, items);
      switchTime(client, trainer, api);
      busFanOut();
    } finally {
      vertx.close().await();
    }
  }

  private CompletableFuture<Node> start(String name, String role, int k) throws IOException {
    Map<String, String> env = NodeProcess.member(pg, "bench-" + clusterPorts[0], name, clusterPorts[k], members);
    env.put("CAUSALREC_LOG_ACCESS", "false");
    NodeProcess.Started s = NodeProcess.start(dir, name, role, "768m", env);
    processes.add(s.process());
    return s.url().thenApply(url -> new Node(name, url));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static int members(WebClient client, Node n) {
    try {
      JsonObject c = client.getAbs(n.url() + "/health/ready").send().await().bodyAsJsonObject()
          .getJsonObject("cluster");
      return c == null ? 0 : c.getInteger("members", 0);
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static String serving(WebClient client, Node n, String kind) {
    try {
      return client.getAbs(n.url() + "/v1/models").send().await().bodyAsJsonObject().getJsonObject("serving")
          .getJsonObject(kind).getString("version");
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Trains {@code kind} on the trainer; returns the version once its job succeeded. */
  private static String train(WebClient client, Node trainer, String kind, int epochs) throws InterruptedException {
    JsonObject job = ok(client.postAbs(trainer.url() + "/v1/models/" + kind + "/train")
        .sendJsonObject(new JsonObject().put("epochs", epochs)).await(), 202).bodyAsJsonObject();
    waitForJob(client, trainer, job.getString("job_id"));
    return job.getString("version");
  }

  private static void waitForJob(WebClient client, Node n, String id) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 600_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject j = client.getAbs(n.url() + "/v1/jobs/" + id).send().await().bodyAsJsonObject();
      if ("succeeded".equals(j.getString("status"))) {
        return;
      }
      if (!"running".equals(j.getString("status"))) {
        throw new IllegalStateException("job " + id + ": " + j.encode());
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("job " + id + " did not end");
  }

  private static HttpResponse<Buffer> ok(HttpResponse<Buffer> r, int status) {
    if (r.statusCode() != status) {
      throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.bodyAsString());
    }
    return r;
  }

  /** Cached recommendations from random users, the connections spread evenly over {@code behind}. */
  private static String phase(WebClient client, List<Node> behind, int seconds, int connections, int users)
      throws Exception {
    AtomicLong failures = new AtomicLong();
    long[] sorted = RecommendationBench.closedLoops(connections, seconds, behind.size(), c -> {
      String base = behind.get(c % behind.size()).url();
      return rng -> {
        long sent = System.nanoTime();
        return client.getAbs(base + "/v1/users/u" + rng.nextInt(users) + "/recommendations?n=10").send()
            .map(r -> ok(r, 200)).map(r -> sent);
      };
    }, failures);
    int count = sorted.length;
    return String.format(Locale.ROOT, "| %d | %.0f | %.2f | %.2f | %d |", behind.size(), count / (double) seconds,
        sorted[count / 2] / 1e6, sorted[(int) Math.min(count - 1, count * 0.99)] / 1e6, failures.get());
  }

  /**
   * Feeds for 100 users open on {@code to}; one event at a time posted to {@code from} for one of
   * them: the time from sending the POST to the push it causes on {@code to}.
   */
  private static void feedLatency(Vertx vertx, WebClient client, Node from, Node to, int users, int items)
      throws Exception {
    WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000));
    Map<String, CompletableFuture<Long>> waiting = new ConcurrentHashMap<>();
    int sockets = 100;
    for (int u = 0; u < sockets; u++) {
      ws.connect(new io.vertx.core.http.WebSocketConnectOptions().setAbsoluteURI(
          to.url().replace("http", "ws") + "/v1/feed?user=u" + u + "&n=10")).await()
          .textMessageHandler(text -> {
            JsonObject cause = new JsonObject(text).getJsonObject("cause");
            CompletableFuture<Long> w = cause == null ? null : waiting.remove(cause.getString("event_id", ""));
            if (w != null) {
              w.complete(System.nanoTime());
            }
          });
    }
    Thread.sleep(1_000); // the first lists
    SplittableRandom rng = new SplittableRandom(7);
    int samples = 300;
    long[] ms = new long[samples];
    for (int k = 0; k < samples; k++) {
      String id = "bench-feed-" + k + "-" + System.nanoTime();
      CompletableFuture<Long> pushed = new CompletableFuture<>();
      waiting.put(id, pushed);
      long sent = System.nanoTime();
      ok(client.postAbs(from.url() + "/v1/events").sendJson(new JsonArray().add(new JsonObject()
          .put("event_id", id).put("user_id", "u" + rng.nextInt(sockets)).put("item_id", "i" + rng.nextInt(items))
          .put("type", "click"))).await(), 200);
      ms[k] = (pushed.get(10, TimeUnit.SECONDS) - sent) / 1_000_000;
    }
    Arrays.sort(ms);
    System.out.printf(Locale.ROOT, "cross-node feed update (event POSTed to %s, push on %s, %d feeds open there),"
        + " %d events one at a time: p50 %d ms, p99 %d ms, max %d ms%n", from.name(), to.name(), sockets, samples,
        ms[samples / 2], ms[(int) (samples * 0.99)], ms[samples - 1]);
    ws.close().await();
  }

  /** Trains a Mult-VAE on the trainer; from its job's success to every API node serving it. */
  private static void switchTime(WebClient client, Node trainer, List<Node> api) throws InterruptedException {
    for (int run = 0; run < 3; run++) {
      String version = train(client, trainer, "mult-vae", 5);
      long succeeded = System.nanoTime();
      long[] at = new long[api.size()];
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline && Arrays.stream(at).anyMatch(t -> t == 0)) {
        for (int k = 0; k < api.size(); k++) {
          if (at[k] == 0 && version.equals(serving(client, api.get(k), "mult-vae"))) {
            at[k] = System.nanoTime();
          }
        }
        Thread.sleep(10);
      }
      System.out.printf(Locale.ROOT, "model switch %s: serving on the API nodes %s ms after its job succeeded%n",
          version, Arrays.toString(Arrays.stream(at).map(t -> t == 0 ? -1 : (t - succeeded) / 1_000_000).toArray()));
    }
  }

  /**
   * The alternative to every node tailing PostgreSQL: event batches published on the clustered
   * event bus. Two members in this process; a batch of JSON events like the stream's, published by
   * one and received by the other: latency one batch at a time, then throughput.
   */
  private void busFanOut() throws Exception {
    int p1 = freePort();
    int p2 = freePort();
    String m = "127.0.0.1:" + p1 + ",127.0.0.1:" + p2;
    Vertx a = join(p1, m);
    Vertx b = join(p2, m);
    try {
      AtomicLong received = new AtomicLong();
      Map<Long, CompletableFuture<Long>> waiting = new ConcurrentHashMap<>();
      MessageConsumer<JsonObject> c = b.eventBus().consumer("bench.events", msg -> {
        received.addAndGet(msg.body().getJsonArray("events").size());
        CompletableFuture<Long> w = waiting.remove(msg.body().getLong("seq"));
        if (w != null) {
          w.complete(System.nanoTime());
        }
      });
      c.completion().await();
      Thread.sleep(2_000); // the subscription spreads to the other member
      for (int size : new int[] {1, 100}) {
        long[] us = new long[500];
        for (int k = 0; k < us.length; k++) {
          CompletableFuture<Long> w = new CompletableFuture<>();
          long seq = size * 1_000_000L + k;
          waiting.put(seq, w);
          long sent = System.nanoTime();
          a.eventBus().publish("bench.events", batch(seq, size));
          us[k] = (w.get(10, TimeUnit.SECONDS) - sent) / 1_000;
        }
        Arrays.sort(us);
        System.out.printf(Locale.ROOT, "event bus, member to member, batches of %d events one at a time:"
            + " p50 %.2f ms, p99 %.2f ms%n", size, us[us.length / 2] / 1e3, us[(int) (us.length * 0.99)] / 1e3);
      }
      long before = received.get();
      long t = System.nanoTime();
      int batches = 2_000;
      for (int k = 0; k < batches; k++) {
        a.eventBus().publish("bench.events", batch(-1, 500));
      }
      long expected = before + batches * 500L;
      waitFor(() -> received.get() >= expected, 120_000);
      System.out.printf(Locale.ROOT, "event bus throughput, batches of 500 events to one other member: %.0f events/s%n",
          batches * 500L / ((System.nanoTime() - t) / 1e9));
    } finally {
      a.close().await();
      b.close().await();
    }
  }

  private static JsonObject batch(long seq, int size) {
    JsonArray events = new JsonArray();
    for (int k = 0; k < size; k++) {
      events.add(new JsonObject().put("id", seq * 1_000 + k).put("event_id", "e-" + seq + "-" + k)
          .put("user_id", "u" + k).put("item_id", "i" + k).put("type", "click").put("ts", "2026-12-03T10:00:00Z"));
    }
    return new JsonObject().put("seq", seq).put("events", events);
  }

  private Vertx join(int port, String memberList) throws Exception {
    ClusterConfig c = new ClusterConfig(true, "all", "bench-bus-" + Math.abs(memberList.hashCode()), "bus-" + port,
        "127.0.0.1", port, List.of(memberList.split(",")), null);
    return org.causalrec.store.StoreHandle.clusteredVertx(new VertxOptions(), c);
  }

  private static void waitFor(java.util.function.BooleanSupplier condition, long timeoutMs)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("timed out");
      }
      Thread.sleep(50);
    }
  }
}
