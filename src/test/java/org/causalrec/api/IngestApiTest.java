package org.causalrec.api;

import static org.causalrec.TestEnv.click;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ingest API over real HTTP against PostgreSQL. */
@TestDatabase
class IngestApiTest {

  @TempDir
  static Path dir;

  static ApiFixture api;

  @BeforeAll
  static void start() {
    api = ApiFixture.builder(dir).config(c -> c.setMaxEventsPerRequest(10_000).setMaxBodyBytes(4L * 1024 * 1024))
        .start();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  private static long count(String table) {
    return api.store().pool().query("SELECT count(*) FROM " + table).execute().await().iterator().next().getLong(0);
  }

  @Test
  void eventsRoundTripWithTheirContext() {
    JsonObject rich = new JsonObject()
        .put("event_id", "rt-1").put("user_id", "alice").put("item_id", "book-1").put("type", "purchase")
        .put("value", 19.5).put("timestamp", "2026-03-01T10:15:30Z")
        .put("context", new JsonObject().put("position", 2).put("surface", "home").put("recommended", true)
            .put("propensity", 0.25).put("model_version", "vae-3"));
    JsonObject rating = new JsonObject().put("user_id", "alice").put("item_id", "book-2").put("type", "rating")
        .put("value", 4).put("timestamp", 1772360000000L);
    HttpResponse<Buffer> resp = api.post("/v1/events", new JsonArray().add(rich).add(rating));
    assertEquals(200, resp.statusCode(), resp.bodyAsString());
    assertEquals(2, resp.bodyAsJsonObject().getInteger("accepted"));
    assertEquals(0, resp.bodyAsJsonObject().getInteger("duplicates"));

    JsonArray events = api.get("/v1/users/alice/events?limit=10").bodyAsJsonObject().getJsonArray("events");
    assertEquals(2, events.size());
    JsonObject newest = events.getJsonObject(0);
    assertEquals("book-2", newest.getString("item_id"));
    assertEquals(4.0, newest.getDouble("value"));
    assertEquals("2026-03-01T10:13:20Z", newest.getString("timestamp"));
    JsonObject stored = events.getJsonObject(1);
    assertEquals("rt-1", stored.getString("event_id"));
    assertEquals("purchase", stored.getString("type"));
    assertEquals(19.5, stored.getDouble("value"));
    assertEquals("2026-03-01T10:15:30Z", stored.getString("timestamp"));
    assertEquals(rich.getJsonObject("context"), stored.getJsonObject("context"));
    assertTrue(stored.getLong("id") < newest.getLong("id"), "server ids follow arrival order");

    JsonObject user = api.get("/v1/users/alice").bodyAsJsonObject();
    assertEquals("alice", user.getString("id"), "users are created by their first event");
  }

  @Test
  void userEventsPageBackwards() {
    JsonArray batch = new JsonArray();
    for (int k = 0; k < 5; k++) {
      batch.add(click(null, "pager", "item-" + k));
    }
    assertEquals(200, api.post("/v1/events", batch).statusCode());
    JsonObject first = api.get("/v1/users/pager/events?limit=3").bodyAsJsonObject();
    assertEquals(3, first.getJsonArray("events").size());
    assertEquals("item-4", first.getJsonArray("events").getJsonObject(0).getString("item_id"));
    long next = first.getLong("next_before");
    JsonObject second = api.get("/v1/users/pager/events?limit=3&before=" + next).bodyAsJsonObject();
    assertEquals(2, second.getJsonArray("events").size());
    assertEquals("item-0", second.getJsonArray("events").getJsonObject(1).getString("item_id"));
    assertNull(second.getValue("next_before"));
  }

  @Test
  void aBatchWithOneBadRecordIsRejectedWholeAndStoresNothing() {
    long eventsBefore = count("events");
    long usersBefore = count("users");
    JsonArray batch = new JsonArray()
        .add(click("bad-batch-0", "bob", "i1"))
        .add(click("bad-batch-1", "bob", "i2"))
        .add(new JsonObject().put("user_id", "bob").put("item_id", "i3").put("type", "click")
            .put("context", new JsonObject().put("propensity", 1.5)))
        .add(click("bad-batch-3", "carol", "i4"));
    HttpResponse<Buffer> resp = api.post("/v1/events", batch);
    assertEquals(400, resp.statusCode());
    JsonObject err = resp.bodyAsJsonObject();
    assertEquals("invalid_event", err.getString("error"));
    assertEquals(2, err.getInteger("index"));
    assertEquals("context.propensity", err.getString("field"));
    assertNotNull(err.getString("detail"));
    assertEquals(eventsBefore, count("events"), "no event of the batch was stored");
    assertEquals(usersBefore, count("users"), "no user of the batch was created");

    assertError(api.post("/v1/events", new JsonArray().add(click(null, "bob", "i1").put("type", "teleport"))),
        400, 0, "type");
    assertError(api.post("/v1/events", new JsonArray().add(click(null, "bob", "i1").put("timestamp", "yesterday"))),
        400, 0, "timestamp");
    assertError(api.post("/v1/events", new JsonArray().add(click(null, "bob", "i1")).add(click(null, "", "i1"))),
        400, 1, "user_id");
    assertError(api.post("/v1/events", new JsonArray().add("not an object")), 400, 0, "");
    assertError(api.post("/v1/events", new JsonArray().add(click(null, "bob", "i1").put("timestamp", 1772360000))),
        400, 0, "timestamp"); // epoch seconds where milliseconds are expected
    assertError(api.post("/v1/events", new JsonArray().add(click(null, "bob\u0000", "i1"))), 400, 0, "user_id");
    assertEquals(eventsBefore, count("events"));
  }

  private static void assertError(HttpResponse<Buffer> resp, int status, int index, String field) {
    assertEquals(status, resp.statusCode(), resp.bodyAsString());
    assertEquals(index, resp.bodyAsJsonObject().getInteger("index"), resp.bodyAsString());
    assertEquals(field, resp.bodyAsJsonObject().getString("field"), resp.bodyAsString());
  }

  @Test
  void resendingABatchStoresItOnce() {
    JsonArray batch = new JsonArray();
    for (int k = 0; k < 20; k++) {
      batch.add(click("idem-" + k, "dave", "i" + k));
    }
    batch.add(click("idem-0", "dave", "i0")); // repeated inside the request too
    long before = count("events");
    JsonObject first = api.post("/v1/events", batch).bodyAsJsonObject();
    assertEquals(20, first.getInteger("accepted"));
    assertEquals(1, first.getInteger("duplicates"));
    assertEquals(new JsonArray().add("idem-0"), first.getJsonArray("duplicate_event_ids"));
    HttpResponse<Buffer> again = api.post("/v1/events", batch);
    assertEquals(200, again.statusCode(), "duplicates are not errors");
    assertEquals(0, again.bodyAsJsonObject().getInteger("accepted"));
    assertEquals(21, again.bodyAsJsonObject().getInteger("duplicates"));
    assertEquals(before + 20, count("events"));
  }

  @Test
  void tooManyEventsOrTooLargeABodyIs413AndStoresNothing() {
    long before = count("events");
    JsonArray many = new JsonArray();
    for (int k = 0; k < 10_001; k++) {
      many.add(click(null, "erin", "i1"));
    }
    HttpResponse<Buffer> resp = api.post("/v1/events", many);
    assertEquals(413, resp.statusCode());
    assertEquals("too_many_records", resp.bodyAsJsonObject().getString("error"));
    assertEquals("events", resp.bodyAsJsonObject().getString("field"));

    JsonArray huge = new JsonArray().add(click(null, "erin", "i1").put("padding", "x".repeat(5 * 1024 * 1024)));
    HttpResponse<Buffer> big = api.post("/v1/events", huge);
    assertEquals(413, big.statusCode());
    assertEquals("body_too_large", big.bodyAsJsonObject().getString("error"));
    assertEquals(before, count("events"));
  }

  @Test
  void ndjsonBodiesAreAccepted() {
    String body = click("nd-1", "frank", "i1").encode() + "\n\n" + click("nd-2", "frank", "i2").encode() + "\n";
    HttpResponse<Buffer> resp = api.request(HttpMethod.POST, "/v1/events")
        .putHeader("content-type", "application/x-ndjson").sendBuffer(Buffer.buffer(body)).await();
    assertEquals(200, resp.statusCode(), resp.bodyAsString());
    assertEquals(2, resp.bodyAsJsonObject().getInteger("accepted"));
    HttpResponse<Buffer> broken = api.request(HttpMethod.POST, "/v1/events")
        .putHeader("content-type", "application/x-ndjson").sendBuffer(Buffer.buffer(body + "{oops\n")).await();
    assertEquals(400, broken.statusCode());
    assertEquals("invalid_json", broken.bodyAsJsonObject().getString("error"));
  }

  @Test
  void unknownItemsAreAcceptedAndCounted() {
    assertEquals(200, api.request(HttpMethod.PUT, "/v1/items/known-1")
        .sendJsonObject(new JsonObject().put("title", "Known")).await().statusCode());
    JsonObject r = api.post("/v1/events", new JsonArray()
        .add(click(null, "gina", "known-1")).add(click(null, "gina", "not-yet-1")).add(click(null, "gina", "not-yet-2")))
        .bodyAsJsonObject();
    assertEquals(3, r.getInteger("accepted"));
    assertEquals(2, r.getInteger("unknown_item_events"));
  }

  @Test
  void itemsAreUpsertedReadListedAndDeleted() {
    JsonObject item = new JsonObject().put("title", "Trail tent").put("description", "Two-person ultralight tent")
        .put("categories", new JsonArray().add("outdoors")).put("attributes", new JsonObject().put("price", 199));
    HttpResponse<Buffer> put = api.request(HttpMethod.PUT, "/v1/items/tent-1").sendJsonObject(item).await();
    assertEquals(200, put.statusCode(), put.bodyAsString());
    JsonObject got = api.get("/v1/items/tent-1").bodyAsJsonObject();
    assertEquals("Trail tent", got.getString("title"));
    assertEquals(new JsonArray().add("outdoors"), got.getJsonArray("categories"));
    assertEquals(199, got.getJsonObject("attributes").getInteger("price"));

    item.put("title", "Trail tent v2");
    api.request(HttpMethod.PUT, "/v1/items/tent-1").sendJsonObject(item).await();
    assertEquals("Trail tent v2", api.get("/v1/items/tent-1").bodyAsJsonObject().getString("title"));

    JsonArray batch = new JsonArray();
    for (int k = 0; k < 5; k++) {
      batch.add(new JsonObject().put("id", "batch-item-" + k).put("title", "Item " + k));
    }
    HttpResponse<Buffer> many = api.post("/v1/items", new JsonObject().put("items", batch));
    assertEquals(5, many.bodyAsJsonObject().getInteger("upserted"));
    JsonObject page = api.get("/v1/items?limit=2&offset=0").bodyAsJsonObject();
    assertEquals(2, page.getJsonArray("items").size());
    assertEquals(2, page.getInteger("next"));

    long itemsBefore = count("items");
    batch.add(new JsonObject().put("title", "no id"));
    HttpResponse<Buffer> bad = api.post("/v1/items", batch);
    assertEquals(400, bad.statusCode());
    assertEquals(5, bad.bodyAsJsonObject().getInteger("index"));
    assertEquals("id", bad.bodyAsJsonObject().getString("field"));
    assertEquals(itemsBefore, count("items"));

    HttpResponse<Buffer> mismatch = api.request(HttpMethod.PUT, "/v1/items/tent-1")
        .sendJsonObject(item.copy().put("id", "other")).await();
    assertEquals(400, mismatch.statusCode());
    HttpResponse<Buffer> badCats = api.request(HttpMethod.PUT, "/v1/items/tent-2")
        .sendJsonObject(new JsonObject().put("categories", new JsonArray().add(3))).await();
    assertEquals("categories[0]", badCats.bodyAsJsonObject().getString("field"));
    HttpResponse<Buffer> nulAttr = api.request(HttpMethod.PUT, "/v1/items/tent-2")
        .sendJsonObject(new JsonObject().put("attributes", new JsonObject().put("note", "a\u0000b"))).await();
    assertEquals(400, nulAttr.statusCode(), nulAttr.bodyAsString());
    assertEquals("attributes", nulAttr.bodyAsJsonObject().getString("field"));
    HttpResponse<Buffer> nulPath = api.get("/v1/items/x%00y");
    assertEquals(400, nulPath.statusCode(), nulPath.bodyAsString());
    assertEquals(404, api.get("/v1/items/tent-2").statusCode(), "refused items are not stored");

    assertEquals(204, api.request(HttpMethod.DELETE, "/v1/items/tent-1").send().await().statusCode());
    HttpResponse<Buffer> gone = api.get("/v1/items/tent-1");
    assertEquals(404, gone.statusCode());
    assertEquals("not_found", gone.bodyAsJsonObject().getString("error"));
    assertEquals(404, api.request(HttpMethod.DELETE, "/v1/items/tent-1").send().await().statusCode());
  }

  @Test
  void usersAreUpsertedReadAndListed() {
    HttpResponse<Buffer> put = api.request(HttpMethod.PUT, "/v1/users/hank")
        .sendJsonObject(new JsonObject().put("attributes", new JsonObject().put("country", "NO"))).await();
    assertEquals(200, put.statusCode(), put.bodyAsString());
    assertEquals("NO", api.get("/v1/users/hank").bodyAsJsonObject().getJsonObject("attributes")
        .getString("country"));
    JsonArray batch = new JsonArray().add(new JsonObject().put("id", "ivy")).add(new JsonObject().put("id", "jack"));
    assertEquals(2, api.post("/v1/users", batch).bodyAsJsonObject().getInteger("upserted"));
    JsonObject page = api.get("/v1/users?limit=1000").bodyAsJsonObject();
    assertTrue(page.getJsonArray("users").stream().anyMatch(u -> ((JsonObject) u).getString("id").equals("jack")));
    assertEquals(404, api.get("/v1/users/nobody").statusCode());
  }

  @Test
  void errorsAreJsonEverywhere() {
    HttpResponse<Buffer> notFound = api.get("/v1/nothing-here");
    assertEquals(404, notFound.statusCode());
    assertEquals("not_found", notFound.bodyAsJsonObject().getString("error"));
    HttpResponse<Buffer> method = api.request(HttpMethod.PATCH, "/v1/users/x").send().await();
    assertEquals(405, method.statusCode());
    assertEquals("method_not_allowed", method.bodyAsJsonObject().getString("error"));
    HttpResponse<Buffer> badLimit = api.get("/v1/items?limit=abc");
    assertEquals(400, badLimit.statusCode());
    assertEquals("limit", badLimit.bodyAsJsonObject().getString("field"));
    HttpResponse<Buffer> badJson = api.request(HttpMethod.POST, "/v1/events")
        .sendBuffer(Buffer.buffer("[{\"user_id\": ")).await();
    assertEquals(400, badJson.statusCode());
    assertEquals("invalid_json", badJson.bodyAsJsonObject().getString("error"));
  }

  @Test
  void readinessReportsTheDatabaseAndSchema() {
    HttpResponse<Buffer> ready = api.get("/health/ready");
    assertEquals(200, ready.statusCode());
    JsonObject body = ready.bodyAsJsonObject();
    assertEquals("UP", body.getString("status"));
    assertEquals("8", body.getJsonObject("database").getString("schema_version"));
    // the default build bundles the CPU libtorch only: that is the flavour DJL loaded
    JsonObject device = body.getJsonObject("device");
    assertEquals("cpu", device.getString("flavor"), device.encode());
    assertEquals("cpu()", device.getString("device"));
    assertTrue(device.containsKey("cuda") && device.getValue("cuda") == null, device.encode());
    assertEquals(200, api.get("/health/live").statusCode());
  }
}
