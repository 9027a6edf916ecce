package org.causalrec.cli;

import io.vertx.core.Future;
import org.causalrec.ingest.IngestService;
import org.causalrec.store.StoreHandle;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.causalrec.server.Server;
import org.causalrec.config.Config;
import org.causalrec.sim.SimulationRun;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.Sinks;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;

/**
 * {@code causalrec bench feed}: on a fresh store with the small world and a trained Mult-VAE,
 * opens {@code sockets} live feeds (one per user), then measures event-to-push latency (from
 * sending the event to the pushed list that names it as its cause), one event at a time and in a
 * burst; then opens more sockets in steps up to {@code maxSockets} and reports the heap per
 * socket. Server and clients share one JVM and the 2 cores.
 */
final class FeedBench {

  private FeedBench() {}

  static void run(Config base, int sockets, int events, int maxSockets) throws Exception {
    Path dataDir = Files.createTempDirectory("causalrec-feed-bench");
    Config config = base.toBuilder().setDataDir(dataDir).setHttpPort(0).setModels(new Config.ModelConfig(
        base.models().epochs(), 0, base.models().excludeTypes())).build();
    try (StoreHandle store = StoreHandle.open(config)) {
      World world = World.generate(WorldSpec.named("small"), 42);
      SimulationRun.run(new Simulator(world), Sinks.inProcess(IngestService.on(store, config)),
          dataDir.resolve("truth"), 5_000,
          m -> { });
      Server server = Server.start(config, store);
      try {
        server.training().trainAndWait("mult-vae", 30).await();
        measure(server, world.users(), world.items(), sockets, events, maxSockets);
      } finally {
        server.close();
      }
    }
  }

  private static void measure(Server server, int users, int items, int sockets, int events, int maxSockets)
      throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000_000)
          .setMaxMessageSize(1 << 22));
      WebClient http = WebClient.create(vertx);
      // arrival time of each pushed list by the event id that caused it
      Map<String, Long> arrived = new ConcurrentHashMap<>();
      long t0 = System.nanoTime();
      List<WebSocket> open = connect(ws, server.port(), 0, sockets, users, arrived);
      System.out.printf(Locale.ROOT, "%d feeds open (one user each, n = 10), first lists received, in %.1f s%n",
          open.size(), (System.nanoTime() - t0) / 1e9);
      SplittableRandom rng = new SplittableRandom(7);
      double[] one = new double[events];
      for (int k = 0; k < events; k++) {
        String id = "bench-one-" + k + "-" + System.nanoTime();
        long sent = System.nanoTime();
        post(http, server.port(), id, "u" + rng.nextInt(Math.min(users, sockets)), "i" + rng.nextInt(items));
        one[k] = (waitFor(arrived, id) - sent) / 1e6;
      }
      System.out.printf(Locale.ROOT, "event -> pushed list, one event at a time, %d events over %d open feeds:"
          + " p50 %.1f ms, p99 %.1f ms%n", events, open.size(), TextBench.pct(one, 50), TextBench.pct(one, 99));
      // a burst of one event per user for distinct users: a user's events that arrive while their list
      // is being computed are answered by one list, naming the newest as its cause
      int[] users0 = new int[Math.min(users, sockets)];
      for (int k = 0; k < users0.length; k++) {
        users0[k] = k;
      }
      for (int k = users0.length - 1; k > 0; k--) {
        int j = rng.nextInt(k + 1);
        int t = users0[k];
        users0[k] = users0[j];
        users0[j] = t;
      }
      events = Math.min(events, users0.length);
      double[] burst = new double[events];
      List<String> ids = new ArrayList<>();
      long[] sentAt = new long[events];
      List<Future<?>> posts = new ArrayList<>();
      for (int k = 0; k < events; k++) {
        String id = "bench-burst-" + k + "-" + System.nanoTime();
        ids.add(id);
        sentAt[k] = System.nanoTime();
        posts.add(postAsync(http, server.port(), id, "u" + users0[k], "i" + rng.nextInt(items)));
      }
      Future.join(posts).await();
      for (int k = 0; k < events; k++) {
        try {
          burst[k] = (waitFor(arrived, ids.get(k)) - sentAt[k]) / 1e6;
        } catch (IllegalStateException e) {
          System.out.println(e.getMessage() + "; feed status " + server.feedStatus().encode() + ", post "
              + posts.get(k).succeeded() + " " + posts.get(k).result());
          throw e;
        }
      }
      System.out.printf(Locale.ROOT, "event -> pushed list, %d events sent at once (distinct users):"
          + " p50 %.1f ms, p99 %.1f ms%n", events, TextBench.pct(burst, 50), TextBench.pct(burst, 99));
      // memory per socket: heap after GC as sockets are added in steps
      long before = heapAfterGc();
      int step = Math.max(1_000, sockets);
      while (open.size() < maxSockets) {
        int from = open.size();
        int to = Math.min(maxSockets, from + step);
        try {
          open.addAll(connect(ws, server.port(), from, to, users, arrived));
        } catch (Exception e) {
          System.out.printf(Locale.ROOT, "opening sockets %d..%d failed: %s%n", from, to, e.getMessage());
          break;
        }
        long heap = heapAfterGc();
        System.out.printf(Locale.ROOT, "%d feeds open: heap %.0f MB (%.1f kB per socket since %d)%n", open.size(),
            heap / 1e6, (heap - before) / 1e3 / (open.size() - sockets), sockets);
      }
      JsonObject status = server.feedStatus();
      System.out.println("server feed status: " + status.encode());
      for (WebSocket s : open) {
        s.close();
      }
    } finally {
      vertx.close().await();
    }
  }

  private static List<WebSocket> connect(WebSocketClient ws, int port, int from, int to, int users,
      Map<String, Long> arrived) throws Exception {
    List<WebSocket> out = new ArrayList<>();
    CompletableFuture<Void> all = new CompletableFuture<>();
    AtomicInteger first = new AtomicInteger();
    int n = to - from;
    for (int k = from; k < to; k++) {
      String user = "u" + (k % users);
      WebSocket s = ws.connect(port, "127.0.0.1", "/v1/feed?user=" + user + "&n=10").map(w -> {
        w.textMessageHandler(t -> {
          long now = System.nanoTime();
          JsonObject m = new JsonObject(t);
          JsonObject cause = m.getJsonObject("cause");
          if (cause == null) {
            if (first.incrementAndGet() == n) {
              all.complete(null);
            }
          } else if (cause.getString("event_id") != null) {
            arrived.putIfAbsent(cause.getString("event_id"), now);
          }
        });
        return w;
      }).await();
      out.add(s);
    }
    all.get(300, TimeUnit.SECONDS);
    return out;
  }

  private static void post(WebClient http, int port, String id, String user, String item) {
    postAsync(http, port, id, user, item).await();
  }

  private static Future<?> postAsync(WebClient http, int port, String id, String user, String item) {
    return http.post(port, "127.0.0.1", "/v1/events").sendJson(new JsonArray().add(new JsonObject()
        .put("event_id", id).put("user_id", user).put("item_id", item).put("type", "click")));
  }

  private static long waitFor(Map<String, Long> arrived, String id) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    Long t;
    while ((t = arrived.get(id)) == null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no pushed list for event " + id + " within 60 s");
      }
      Thread.sleep(0, 200_000);
    }
    return t;
  }

  private static long heapAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int k = 0; k < 3; k++) {
      System.gc();
      Thread.sleep(200);
    }
    return rt.totalMemory() - rt.freeMemory();
  }

}
