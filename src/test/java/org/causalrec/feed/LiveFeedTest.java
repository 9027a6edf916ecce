package org.causalrec.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.config.FeedConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live feed over a real WebSocket client: the first list on connect, a new list with its
 * changes after an event of the user, coalescing for a client that does not read, close codes for
 * bad parameters, and the model feed's progress messages.
 */
@TestDatabase
class LiveFeedTest {

  @TempDir
  static Path dir;

  static ApiFixture api;
  static WebSocketClient ws;

  @BeforeAll
  static void start() {
    // a fixed, small kernel send buffer per connection: a client that stops reading is felt soon
    api = ApiFixture.builder(dir).world("tiny", 9).config(c -> c.setFeed(new FeedConfig(16 * 1024)))
        // the text index embeds the items first: items the model has no column for join the lists
        // through the text neighbours, so a list computed while they were being embedded differs
        .trainMultVae(5).waitForTextIndex().start();
    // a small receive buffer: a client that stops reading fills it soon
    ws = api.server().vertx().createWebSocketClient(new WebSocketClientOptions().setReceiveBufferSize(4096)
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  /** A connected socket and the messages it has received. */
  record Client(WebSocket socket, BlockingQueue<JsonObject> messages, CompletableFuture<short[]> closed) {
    JsonObject next() throws InterruptedException {
      JsonObject m = messages.poll(60, TimeUnit.SECONDS);
      if (m == null) {
        throw new AssertionError("no message within 60 s");
      }
      return m;
    }
  }

  static Client connect(String uri) {
    BlockingQueue<JsonObject> q = new LinkedBlockingQueue<>();
    CompletableFuture<short[]> closed = new CompletableFuture<>();
    // handlers are set before connecting: the server may send, or close for bad parameters, before
    // the connect future's callbacks run, and a closed socket refuses new handlers
    io.vertx.core.http.ClientWebSocket w = ws.webSocket();
    w.textMessageHandler(t -> q.add(new JsonObject(t)));
    w.closeHandler(v -> closed.complete(new short[] {w.closeStatusCode() == null ? -1 : w.closeStatusCode()}));
    WebSocket s = w.connect(api.port(), "127.0.0.1", uri).await();
    return new Client(s, q, closed);
  }

  static JsonObject click(String user, String item, String type) {
    return new JsonObject().put("user_id", user).put("item_id", item).put("type", type);
  }

  static List<String> ids(JsonArray items) {
    List<String> out = new ArrayList<>();
    items.forEach(o -> out.add(((JsonObject) o).getString("id")));
    return out;
  }

  @Test
  void theListArrivesOnConnectAndAgainAfterTheUsersEvent() throws Exception {
    Client c = connect("/v1/feed?user=u3&n=5");
    JsonObject first = c.next();
    assertEquals("recommendations", first.getString("type"));
    assertEquals(1, first.getLong("seq"));
    List<String> before = ids(first.getJsonArray("items"));
    assertEquals(5, before.size());
    assertEquals(5, first.getJsonObject("changes").getJsonArray("entered").size(), "everything enters at first");
    assertEquals(null, first.getValue("cause"));
    // the user buys the top item: consumed items are not recommended, so it must leave the list
    String top = before.get(0);
    assertEquals(200, api.post("/v1/events", new JsonArray().add(click("u3", top, "purchase"))).statusCode());
    JsonObject next = c.next();
    assertEquals(2, next.getLong("seq"));
    assertEquals(top, next.getJsonObject("cause").getString("item_id"));
    List<String> after = ids(next.getJsonArray("items"));
    assertTrue(!after.contains(top), after.toString());
    assertTrue(next.getJsonObject("changes").getJsonArray("left").contains(top), next.encode());
    // the new history moves other items too; the list stays five long
    assertEquals(5, after.size());
    assertEquals(next.getJsonObject("changes").getJsonArray("left").size(),
        next.getJsonObject("changes").getJsonArray("entered").size(), next.encode());
    // the pushed list is what the REST endpoint answers now
    assertEquals(ids(api.get("/v1/users/u3/recommendations?n=5").bodyAsJsonObject().getJsonArray("items")),
        after);
    c.socket().close().await();
  }

  @Test
  void aClientThatDoesNotReadGetsTheNewestListNotAQueue() throws Exception {
    Client c = connect("/v1/feed?user=u5&n=100");
    JsonObject first = c.next();
    c.socket().pause();
    long coalescedBefore = feedStatus().getLong("coalesced");
    // one event per request: each reaches the stream on its own and changes u5's history
    for (int k = 0; k < 120 && feedStatus().getLong("coalesced") == coalescedBefore; k++) {
      api.post("/v1/events", new JsonArray().add(click("u5", "i" + (k % 120), "click")));
    }
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (feedStatus().getLong("coalesced") == coalescedBefore) {
      assertTrue(System.nanoTime() < deadline, "never coalesced: " + feedStatus());
      Thread.sleep(50);
    }
    c.socket().resume();
    // read until the feed is quiet
    List<JsonObject> got = new ArrayList<>();
    JsonObject m;
    while ((m = c.messages().poll(2, TimeUnit.SECONDS)) != null) {
      got.add(m);
    }
    JsonObject last = got.get(got.size() - 1);
    long lastSeq = last.getLong("seq");
    assertTrue(got.size() + 1 < lastSeq, "lists were dropped for the slow client: got " + (got.size() + 1)
        + " messages up to seq " + lastSeq);
    assertEquals(ids(api.get("/v1/users/u5/recommendations?n=100").bodyAsJsonObject().getJsonArray("items")),
        ids(last.getJsonArray("items")), "the newest list was delivered");
    assertTrue(first.getLong("seq") < lastSeq);
    c.socket().close().await();
  }

  static JsonObject feedStatus() {
    return api.get("/health/ready").bodyAsJsonObject().getJsonObject("feed");
  }

  @Test
  void badParametersCloseTheSocketWithACodeNamingThem() throws Exception {
    for (String uri : List.of("/v1/feed", "/v1/feed?user=", "/v1/feed?user=u1&n=0", "/v1/feed?user=u1&n=x",
        "/v1/feed?user=u1&objective=chaos")) {
      Client c = connect(uri);
      assertEquals(LiveFeed.CLOSE_BAD_PARAMETER, c.closed().get(30, TimeUnit.SECONDS)[0], uri);
      assertTrue(c.messages().isEmpty(), uri);
    }
    Client c = connect("/v1/feed?objective=uplift");
    c.closed().get(30, TimeUnit.SECONDS);
    assertTrue(c.socket().closeReason().startsWith("user"), c.socket().closeReason());
    // a plain GET is told to upgrade
    assertEquals(400, api.get("/v1/feed?user=u1").statusCode());
  }

  @Test
  void theModelFeedSendsVersionsThenTrainingProgress() throws Exception {
    Client c = connect("/v1/feed/models");
    JsonObject models = c.next();
    assertEquals("models", models.getString("type"));
    assertTrue(models.getJsonArray("models").size() >= 1);
    String version = api.server().training().trainAndWait("mult-vae", 2).await();
    boolean epoch = false;
    boolean ready = false;
    boolean stats = false;
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!(epoch && ready && stats) && System.nanoTime() < deadline) {
      JsonObject m = c.next();
      if (m.getString("type").equals("training")) {
        JsonObject p = m.getJsonObject("progress");
        epoch |= p.containsKey("epoch") && p.containsKey("loss");
        ready |= "ready".equals(p.getString("status"));
      }
      stats |= m.getString("type").equals("stats") && m.containsKey("events_per_second");
    }
    assertTrue(epoch && ready && stats, "epoch " + epoch + ", ready " + ready + ", stats " + stats);
    c.socket().close().await();
    // the switch to the new version follows "ready": let it happen here, not during the next test
    api.waitServing(version);
  }
}
