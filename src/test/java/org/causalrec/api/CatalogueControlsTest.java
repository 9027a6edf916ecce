package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting, hiding or letting an item expire takes it out of every list within one second: a
 * user's recommendations and live feed, an anonymous session's list, collaborative neighbours,
 * popular and latest items, similar items and search. Also the list endpoints themselves.
 */
@TestDatabase
class CatalogueControlsTest {

  @TempDir
  static Path dir;

  static ApiFixture api;

  @BeforeAll
  static void start() {
    api = ApiFixture.builder(dir).world("tiny", 8).trainMultVae(5).waitForTextIndex().start();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  private static JsonObject ok(HttpResponse<Buffer> r) {
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonObject();
  }

  private static List<String> ids(JsonObject answer) {
    return answer.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  /** Every list an item can appear in, each built so that it holds {@code target} now. */
  private static Map<String, Function<String, List<String>>> listsHolding(String target) {
    String title = ok(api.get("/v1/items/" + target)).getString("title");
    String textNeighbour = ids(ok(api.get("/v1/items/" + target + "/similar?n=1"))).get(0);
    String cfNeighbour = ids(ok(api.get("/v1/items/" + target + "/neighbors?n=1"))).get(0);
    Map<String, Function<String, List<String>>> lists = new LinkedHashMap<>();
    lists.put("recommendations", t -> ids(ok(api.get("/v1/users/u3/recommendations?n=10&objective=relevance"))));
    lists.put("session", t -> ids(ok(api.post("/v1/recommendations",
        new JsonObject().put("items", new JsonArray().add(cfNeighbour)).put("n", 200)))));
    lists.put("neighbors", t -> ids(ok(api.get("/v1/items/" + cfNeighbour + "/neighbors?n=200"))));
    lists.put("popular", t -> ids(ok(api.get("/v1/popular?n=1000"))));
    lists.put("latest", t -> ids(ok(api.get("/v1/latest?n=1000"))));
    lists.put("similar", t -> ids(ok(api.get("/v1/items/" + textNeighbour + "/similar?n=200"))));
    lists.put("search", t -> ids(ok(api.get("/v1/search?n=20&q=" + java.net.URLEncoder.encode(title,
        java.nio.charset.StandardCharsets.UTF_8)))));
    lists.forEach((name, list) -> assertTrue(list.apply(target).contains(target), target + " is in " + name));
    return lists;
  }

  /** Waits until no list holds {@code target}; the milliseconds from {@code since} until then. */
  private static long goneFromEvery(Map<String, Function<String, List<String>>> lists, String target, long since) {
    while (true) {
      List<String> holding = lists.entrySet().stream().filter(e -> e.getValue().apply(target).contains(target))
          .map(Map.Entry::getKey).toList();
      long elapsed = System.currentTimeMillis() - since;
      if (holding.isEmpty()) {
        return elapsed;
      }
      assertTrue(elapsed < 5_000, target + " still in " + holding + " after " + elapsed + " ms");
    }
  }

  /** The next list the feed pushes without {@code target}, waiting at most 5 s. */
  private static JsonObject feedWithout(BlockingQueue<String> got, String target) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5_000;
    while (System.currentTimeMillis() < deadline) {
      String m = got.poll(100, TimeUnit.MILLISECONDS);
      if (m != null && !ids(new JsonObject(m)).contains(target)) {
        return new JsonObject(m);
      }
    }
    throw new AssertionError("the feed still shows " + target);
  }

  @Test
  void deletedHiddenAndExpiredItemsLeaveEveryListWithinOneSecond() throws Exception {
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    ClientWebSocket ws = api.server().vertx().createWebSocketClient().webSocket();
    ws.textMessageHandler(got::add);
    ws.connect(api.port(), "127.0.0.1", "/v1/feed?user=u3&n=10&objective=relevance").await();
    got.poll(30, TimeUnit.SECONDS);

    // hidden: the item stays (GET shows it hidden), but is shown nowhere
    String hidden = ids(ok(api.get("/v1/users/u3/recommendations?n=10&objective=relevance"))).get(0);
    var lists = listsHolding(hidden);
    long t0 = System.currentTimeMillis();
    JsonObject patched = ok(api.request(HttpMethod.PATCH, "/v1/items/" + hidden)
        .sendJsonObject(new JsonObject().put("hidden", true)).await());
    assertTrue(patched.getBoolean("hidden"));
    assertTrue(patched.getString("title").length() > 3, "a patch keeps the fields it does not name");
    long hiddenMs = goneFromEvery(lists, hidden, t0);
    JsonObject pushed = feedWithout(got, hidden);
    assertEquals("catalogue_change", pushed.getJsonObject("cause").getString("type"));
    assertTrue(pushed.getJsonObject("changes").getJsonArray("left").contains(hidden));
    assertTrue(System.currentTimeMillis() - t0 < 1_000 + 200, "the feed's push");

    // deleted
    String deleted = ids(ok(api.get("/v1/users/u3/recommendations?n=10&objective=relevance"))).get(0);
    lists = listsHolding(deleted);
    t0 = System.currentTimeMillis();
    assertEquals(204, api.request(HttpMethod.DELETE, "/v1/items/" + deleted).send().await().statusCode());
    long deletedMs = goneFromEvery(lists, deleted, t0);
    feedWithout(got, deleted);

    // expired: visible until its time, gone within a second after it
    String expiring = ids(ok(api.get("/v1/users/u3/recommendations?n=10&objective=relevance"))).get(0);
    lists = listsHolding(expiring);
    Instant at = Instant.now().plusMillis(1_500);
    ok(api.request(HttpMethod.PATCH, "/v1/items/" + expiring)
        .sendJsonObject(new JsonObject().put("expires_at", at.toString())).await());
    lists.forEach((name, list) -> assertTrue(list.apply(expiring).contains(expiring),
        expiring + " is still in " + name + " before it expires"));
    long expiredMs = goneFromEvery(lists, expiring, at.toEpochMilli());
    feedWithout(got, expiring);
    ws.close().await();

    System.out.printf("gone from every list: hidden %d ms, deleted %d ms, expired %d ms after its time%n", hiddenMs,
        deletedMs, expiredMs);
    assertTrue(hiddenMs < 1_000 && deletedMs < 1_000 && expiredMs < 1_000,
        "hidden " + hiddenMs + " ms, deleted " + deletedMs + " ms, expired " + expiredMs + " ms");
  }

  @Test
  void patchValidatesAndSessionsPagesAndListsAnswer() {
    var bad = api.request(HttpMethod.PATCH, "/v1/items/i5").sendJsonObject(new JsonObject().put("hidden", "yes"))
        .await();
    assertEquals(400, bad.statusCode());
    assertEquals("hidden", bad.bodyAsJsonObject().getString("field"));
    var badTime = api.request(HttpMethod.PATCH, "/v1/items/i5")
        .sendJsonObject(new JsonObject().put("expires_at", "tomorrow")).await();
    assertEquals("expires_at", badTime.bodyAsJsonObject().getString("field"));
    assertFalse(ok(api.get("/v1/items/i5")).getBoolean("hidden"), "a refused patch changes nothing");
    assertEquals(404, api.request(HttpMethod.PATCH, "/v1/items/nope").sendJsonObject(new JsonObject()).await()
        .statusCode());

    // pages: offset k of the ranking is the ranking without its first k
    List<String> all = ids(ok(api.get("/v1/users/u4/recommendations?n=10&objective=relevance")));
    List<String> page = ids(ok(api.get("/v1/users/u4/recommendations?n=5&offset=5&objective=relevance")));
    assertEquals(all.subList(5, 10), page);
    assertEquals(ids(ok(api.get("/v1/popular?n=10"))).subList(3, 10), ids(ok(api.get("/v1/popular?n=7&offset=3"))));

    // a session: its items are folded in, none recommended back; unknown items only: popular
    List<String> history = all.subList(0, 3);
    JsonObject session = ok(api.post("/v1/recommendations", new JsonObject()
        .put("items", new JsonArray(history)).put("n", 10)));
    assertNull(session.getString("user_id"));
    assertEquals(api.multVae(), session.getString("model_version"));
    assertEquals(10, ids(session).size());
    history.forEach(h -> assertFalse(ids(session).contains(h), h + " recommended back"));
    JsonObject cold = ok(api.post("/v1/recommendations", new JsonObject().put("items", new JsonArray().add("zzz"))));
    assertEquals("popularity", cold.getString("objective"));
    var noItems = api.post("/v1/recommendations", new JsonObject().put("n", 3));
    assertEquals("items", noItems.bodyAsJsonObject().getString("field"));

    assertEquals(404, api.get("/v1/items/zzz/neighbors").statusCode());
    List<String> latest = ids(ok(api.get("/v1/latest?n=3")));
    assertEquals(3, latest.size());
  }
}
