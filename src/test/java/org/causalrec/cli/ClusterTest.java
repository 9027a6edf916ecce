package org.causalrec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.causalrec.PostgresExtension;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code causalrec serve} processes on loopback over one PostgreSQL, joined on the clustered
 * event bus: two API nodes and a trainer. An event posted to one API node moves a feed on the
 * other; training asked of an API node runs on the trainer and the version serves on both API
 * nodes; an API node killed under load loses no acknowledged event, and its feed's client
 * reconnects to the other node and is served there.
 */
@TestDatabase
class ClusterTest {

  @TempDir
  Path dir;

  private final List<Process> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private record Node(String name, Process process, String url) {}

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void threeNodesShareEventsModelsAndFeedsAndSurviveAKilledApiNode() throws Exception {
    try {
      run();
    } catch (AssertionError | Exception e) {
      for (String n : List.of("a", "b", "t")) {
        System.out.println("---- log of node " + n + ":\n" + tail(dir.resolve(n + ".log")));
      }
      throw e;
    }
  }

  private void run() throws Exception {
    String pg = PostgresExtension.currentUrl();
    int[] ports = {freePort(), freePort(), freePort()};
    String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
    List<CompletableFuture<Node>> starting = List.of(
        start("a", "api", ports[0], members, pg), start("b", "api", ports[1], members, pg),
        start("t", "trainer", ports[2], members, pg));
    Node a = starting.get(0).get(180, TimeUnit.SECONDS);
    Node b = starting.get(1).get(180, TimeUnit.SECONDS);
    Node t = starting.get(2).get(180, TimeUnit.SECONDS);
    for (Node n : List.of(a, b, t)) {
      TestEnv.waitFor(() -> members(n) == 3, Duration.ofSeconds(90), n.name() + " sees three members");
    }
    assertEquals("api", ready(a).getJsonObject("cluster").getString("role"));
    assertEquals("trainer", ready(t).getJsonObject("cluster").getString("role"));

    // events through both API nodes
    JsonArray events = new JsonArray();
    for (int u = 0; u < 40; u++) {
      for (int k = 0; k < 6; k++) {
        events.add(TestEnv.click("seed-" + u + "-" + k, "u" + u, "i" + ((u * 7 + k * 3) % 30)));
      }
    }
    assertEquals(200, post(a, "/v1/events", new JsonArray(events.getList().subList(0, 120))).statusCode());
    assertEquals(200, post(b, "/v1/events", new JsonArray(events.getList().subList(120, 240))).statusCode());

    // an event posted to A moves a feed on B
    Feed onB = Feed.open(http, b.url(), "u1");
    onB.next(30_000); // the first list, on connecting
    List<Long> crossNodeMs = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      String id = "cross-" + k;
      long sent = System.nanoTime();
      assertEquals(200, post(a, "/v1/events", new JsonArray().add(TestEnv.click(id, "u1", "i" + (k % 30))))
          .statusCode());
      JsonObject pushed = onB.until(id, 10_000);
      crossNodeMs.add((System.nanoTime() - sent) / 1_000_000);
      assertEquals("u1", pushed.getString("user"));
    }
    Collections.sort(crossNodeMs);
    System.out.println("cross-node feed update (POST on A to push on B), ms: median "
        + crossNodeMs.get(crossNodeMs.size() / 2) + ", max " + crossNodeMs.get(crossNodeMs.size() - 1));

    // training asked of API node A runs on the trainer; the version serves on A and B
    HttpResponse<String> train = post(a, "/v1/models/mult-vae/train", new JsonObject().put("epochs", 3));
    assertEquals(202, train.statusCode(), train.body());
    JsonObject job = new JsonObject(train.body());
    String version = job.getString("version");
    JsonObject done = waitForJob(b, job.getString("job_id"));
    assertEquals("succeeded", done.getString("status"), done.encode());
    long finished = System.nanoTime();
    for (Node n : List.of(a, b)) {
      TestEnv.waitFor(() -> version.equals(serving(n)), Duration.ofSeconds(30), version + " serving on " + n.name());
    }
    long switchMs = (System.nanoTime() - finished) / 1_000_000;
    System.out.println("model switch on both API nodes after the job succeeded: " + switchMs + " ms");
    assertTrue(switchMs < 5_000, "a model switch reaches every API node within 5 s: " + switchMs + " ms");
    assertTrue(Files.isDirectory(dir.resolve("a/models/" + version)), "A fetched its own copy of the artifact");
    assertEquals(version, new JsonObject(get(a, "/v1/users/u3/recommendations?n=5").body())
        .getString("model_version"));

    // a second run of the same kind while one trains is refused, wherever it is asked
    HttpResponse<String> first = post(b, "/v1/models/mult-vae/train", new JsonObject().put("epochs", 30));
    HttpResponse<String> second = post(a, "/v1/models/mult-vae/train", new JsonObject().put("epochs", 30));
    assertEquals(202, first.statusCode(), first.body());
    assertEquals(409, second.statusCode(), second.body());
    assertEquals("training_running", new JsonObject(second.body()).getString("error"));

    // A killed under load: nothing it acknowledged is lost, and its feed's client moves to B
    Feed onA = Feed.open(http, a.url(), "u2");
    onA.next(30_000);
    List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ids = new AtomicLong();
    List<Thread> writers = new ArrayList<>();
    for (Node target : List.of(a, b)) {
      Thread w = new Thread(() -> {
        while (running.get()) {
          JsonArray batch = new JsonArray();
          List<String> sent = new ArrayList<>();
          for (int k = 0; k < 50; k++) {
            String id = "load-" + ids.incrementAndGet();
            sent.add(id);
            batch.add(TestEnv.click(id, "u" + (k % 40), "i" + (k % 30)));
          }
          try {
            if (post(target, "/v1/events", batch).statusCode() == 200) {
              acknowledged.addAll(sent);
            }
          } catch (Exception dead) {
            // the killed node: its answer never came, so nothing of this batch was acknowledged
          }
        }
      });
      w.start();
      writers.add(w);
    }
    Thread.sleep(1_500);
    a.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    assertTrue(onA.closed.get(30, TimeUnit.SECONDS) != null, "A's feed socket ended with A");
    Thread.sleep(1_000);
    running.set(false);
    for (Thread w : writers) {
      w.join(30_000);
    }
    Feed moved = Feed.open(http, b.url(), "u2");
    moved.next(30_000);
    assertEquals(200, post(b, "/v1/events", new JsonArray().add(TestEnv.click("after-kill", "u2", "i4")))
        .statusCode());
    moved.until("after-kill", 10_000);
    assertTrue(acknowledged.size() > 0, "events were acknowledged under load");
    try (StoreHandle check = StoreHandle.open(TestEnv.config(dir.resolve("check")).toBuilder().setPgUrl(pg).build())) {
      long stored = check.pool().preparedQuery("SELECT count(*) FROM events WHERE event_id = ANY($1)")
          .execute(Tuple.of(acknowledged.toArray(new String[0]))).await().iterator().next().getLong(0);
      System.out.println("events acknowledged while A was killed: " + acknowledged.size() + ", stored: " + stored);
      assertEquals(acknowledged.size(), stored, "every acknowledged event is stored");
    }
    // B still serves, with the trained model
    assertEquals(200, get(b, "/v1/users/u5/recommendations?n=5").statusCode());

    // with the trainer gone too, an API node says so instead of training
    t.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    TestEnv.waitFor(() -> members(b) == 1, Duration.ofSeconds(60), "B alone in the cluster");
    HttpResponse<String> none = post(b, "/v1/models/click-mlp/train", new JsonObject());
    assertEquals(503, none.statusCode(), none.body());
    assertEquals("no_trainer", new JsonObject(none.body()).getString("error"));
  }

  private CompletableFuture<Node> start(String name, String role, int clusterPort, String members, String pg)
      throws IOException {
    Map<String, String> env = NodeProcess.member(pg, "test-" + members.hashCode(), name, clusterPort, members);
    env.put("CAUSALREC_SERVING_SCORING_THREADS", "1");
    env.put("CAUSALREC_SERVING_TRAINING_THREADS", "1");
    NodeProcess.Started s = NodeProcess.start(dir, name, role, "384m", env);
    processes.add(s.process());
    return s.url().thenApply(url -> new Node(name, s.process(), url));
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private JsonObject ready(Node n) {
    try {
      return new JsonObject(get(n, "/health/ready").body());
    } catch (Exception e) {
      return new JsonObject();
    }
  }

  private int members(Node n) {
    JsonObject c = ready(n).getJsonObject("cluster");
    return c == null ? 0 : c.getInteger("members", 0);
  }

  private String serving(Node n) {
    try {
      return new JsonObject(get(n, "/v1/models").body()).getJsonObject("serving").getJsonObject("mult-vae")
          .getString("version");
    } catch (Exception e) {
      return null;
    }
  }

  private JsonObject waitForJob(Node n, String id) throws Exception {
    long deadline = System.currentTimeMillis() + 180_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject job = new JsonObject(get(n, "/v1/jobs/" + id).body());
      if (!"running".equals(job.getString("status"))) {
        return job;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("job " + id + " did not end");
  }

  private HttpResponse<String> get(Node n, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(n.url() + path)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(Node n, String path, Object body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(n.url() + path)).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A feed socket's messages, in order. */
  private static final class Feed implements WebSocket.Listener {
    final BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    static Feed open(HttpClient http, String url, String user) throws Exception {
      Feed f = new Feed();
      http.newWebSocketBuilder().buildAsync(URI.create(url.replace("http", "ws") + "/v1/feed?user=" + user + "&n=5"), f)
          .get(30, TimeUnit.SECONDS);
      return f;
    }

    JsonObject next(long timeoutMs) throws InterruptedException {
      JsonObject m = messages.poll(timeoutMs, TimeUnit.MILLISECONDS);
      if (m == null) {
        throw new AssertionError("no feed message in " + timeoutMs + " ms");
      }
      return m;
    }

    /** The first message caused by the event {@code eventId}. */
    JsonObject until(String eventId, long timeoutMs) throws InterruptedException {
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (true) {
        JsonObject m = next(Math.max(1, deadline - System.currentTimeMillis()));
        JsonObject cause = m.getJsonObject("cause");
        if (cause != null && eventId.equals(cause.getString("event_id"))) {
          return m;
        }
      }
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      closed.complete(status);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.complete(-1);
    }
  }
}
