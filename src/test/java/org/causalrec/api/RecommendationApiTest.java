package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.store.ModelRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training, the registry, version switches and recommendations over real HTTP. */
@TestDatabase
class RecommendationApiTest {

  @TempDir
  static Path dir;

  static ApiFixture api;
  static String first;

  @BeforeAll
  static void start() {
    api = ApiFixture.builder(dir).world("tiny", 6).trainMultVae(5).waitForTextIndex().start();
    first = api.multVae();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  private static JsonObject recommend(String query) {
    HttpResponse<Buffer> r = api.get("/v1/users/" + query);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonObject();
  }

  @Test
  void knownUsersGetPersonalisedItemsWithoutWhatTheyConsumed() {
    JsonObject features = api.get("/health/ready").bodyAsJsonObject().getJsonObject("features");
    assertTrue(features.getBoolean("ready"), "histories come from the feature store: " + features);
    assertTrue(features.getInteger("users") >= 200, features.encode());
    JsonObject r = recommend("u3/recommendations?n=7&objective=relevance");
    assertEquals(first, r.getString("model_version"));
    JsonArray items = r.getJsonArray("items");
    assertEquals(7, items.size());
    Set<String> consumed = new HashSet<>();
    for (Object o : api.get("/v1/users/u3/events?limit=1000").bodyAsJsonObject().getJsonArray("events")) {
      JsonObject e = (JsonObject) o;
      if (!e.getString("type").equals("impression")) {
        consumed.add(e.getString("item_id"));
      }
    }
    double last = Double.POSITIVE_INFINITY;
    int because = 0;
    for (Object o : items) {
      JsonObject it = (JsonObject) o;
      assertFalse(consumed.contains(it.getString("id")), "consumed item recommended: " + it);
      assertTrue(it.getDouble("score") <= last, "sorted by score");
      last = it.getDouble("score");
      assertTrue(it.getString("title").length() > 3);
      // every item has text (the simulator writes it) and is embedded by now: a reason names the
      // history item most similar in text when one is similar enough, else says why in general
      if (it.containsKey("because")) {
        because++;
        assertTrue(it.getString("reason").startsWith("because you liked "), it.encode());
        assertTrue(consumed.contains(it.getJsonObject("because").getString("id")), it.encode());
        assertTrue(it.getJsonObject("because").getDouble("similarity") >= 0.35, it.encode());
      } else {
        assertTrue(it.getString("reason").contains("recent items"), it.encode());
      }
    }
    assertTrue(because > 0, "no reason cites a history item: " + items.encode());
    String top = items.getJsonObject(0).getString("id");
    JsonObject without = recommend("u3/recommendations?n=7&exclude=" + top + ",zzz");
    assertFalse(without.getJsonArray("items").stream().anyMatch(o -> ((JsonObject) o).getString("id").equals(top)));
  }

  @Test
  void aCategoryFilterKeepsOnlyThatCategory() {
    JsonArray items = recommend("u3/recommendations?n=5&category=books").getJsonArray("items");
    assertFalse(items.isEmpty());
    for (Object o : items) {
      String id = ((JsonObject) o).getString("id");
      JsonArray cats = api.get("/v1/items/" + id).bodyAsJsonObject().getJsonArray("categories");
      assertTrue(cats.contains("books"), id + " " + cats);
    }
  }

  @Test
  void unknownUsersGetPopularItemsAndBadParametersAre400() {
    JsonObject r = recommend("someone-new/recommendations?n=3");
    assertNull(r.getString("model_version"));
    assertEquals(3, r.getJsonArray("items").size());
    assertEquals("popular", r.getJsonArray("items").getJsonObject(0).getString("reason"));
    HttpResponse<Buffer> bad = api.get("/v1/users/u3/recommendations?n=zero");
    assertEquals(400, bad.statusCode());
    assertEquals("n", bad.bodyAsJsonObject().getString("field"));
    assertEquals(400, api.get("/v1/users/u3/recommendations?n=5000").statusCode());
  }

  @Test
  void aNewUsersFirstEventsPersonaliseByFoldIn() {
    JsonArray events = new JsonArray();
    for (String item : List.of("i1", "i2", "i3")) {
      events.add(new JsonObject().put("user_id", "fresh-user").put("item_id", item).put("type", "purchase"));
    }
    assertEquals(200, api.post("/v1/events", events).statusCode());
    JsonObject r = recommend("fresh-user/recommendations?n=5");
    assertEquals(first, r.getString("model_version"), "a user unseen at training time is folded in");
    assertEquals(5, r.getJsonArray("items").size());
  }

  @Test
  void trainingTwiceAtOnceIs409AndTheRegistryListsVersions() {
    HttpResponse<Buffer> started = api.post("/v1/models/mult-vae/train", new JsonObject().put("epochs", 2));
    assertEquals(202, started.statusCode(), started.bodyAsString());
    HttpResponse<Buffer> again = api.post("/v1/models/mult-vae/train", new JsonObject());
    assertEquals(409, again.statusCode());
    assertEquals(404, api.post("/v1/models/teleporter/train", new JsonObject()).statusCode());
    String version = started.bodyAsJsonObject().getString("version");
    api.waitServing(version);
    JsonArray models = api.get("/v1/models").bodyAsJsonObject().getJsonArray("models");
    JsonObject newest = models.getJsonObject(0);
    assertEquals(version, newest.getString("version"));
    assertEquals("ready", newest.getString("status"));
    assertTrue(newest.getJsonObject("metrics").getDouble("ndcg@100") > 0);
    assertTrue(newest.getLong("max_event_id") > 0);
    // back to the first version for the other tests
    assertEquals(first, api.server().switchModel(first).await());
  }

  @Test
  void offlineEvaluationRunsOverHttp() {
    HttpResponse<Buffer> r = api.post("/v1/evaluate", new JsonObject().put("protocol", "temporal")
        .put("models", new JsonArray().add("popularity").add("ease")));
    JsonObject job = api.awaitJob(r);
    assertEquals("succeeded", job.getString("status"), job.encode());
    assertEquals("evaluate", job.getString("type"));
    assertEquals("temporal", job.getJsonObject("params").getString("protocol"));
    JsonObject doc = job.getJsonObject("result");
    assertEquals("temporal", doc.getString("protocol"));
    assertEquals(2, doc.getJsonArray("results").size());
    assertTrue(doc.getJsonArray("results").getJsonObject(1).getJsonObject("metrics").getDouble("ndcg@100") > 0);
    HttpResponse<Buffer> bad = api.post("/v1/evaluate", new JsonObject().put("protocol", "astrology"));
    assertEquals(400, bad.statusCode(), bad.bodyAsString());
    assertEquals("protocol", bad.bodyAsJsonObject().getString("field"));
    HttpResponse<Buffer> badModel = api.post("/v1/evaluate",
        new JsonObject().put("models", new JsonArray().add("oracle")));
    assertEquals("models", badModel.bodyAsJsonObject().getString("field"));
    assertEquals(400, api.post("/v1/evaluate", new JsonObject().put("epochs", 0)).statusCode());
  }

  @Test
  void theClickModelTrainsThroughTheApiAndIsRegisteredWithItsAuc() {
    String version = api.server().training().trainAndWait("click-mlp", 3).await();
    JsonObject row = api.get("/v1/models").bodyAsJsonObject().getJsonArray("models").stream()
        .map(o -> (JsonObject) o).filter(m -> m.getString("version").equals(version)).findFirst().orElseThrow();
    assertEquals("ready", row.getString("status"));
    double auc = row.getJsonObject("metrics").getDouble("auc");
    assertTrue(auc > 0.5 && auc <= 1.0, row.encode());
    assertTrue(row.getJsonObject("metrics").containsKey("position_baseline_auc"));
    // the item texts were embedded before: the click model took them as an input
    assertTrue(row.getJsonObject("params").getString("text_features").startsWith("all-MiniLM-L6-v2"), row.encode());
    assertEquals(first, api.server().servingVersion(), "a click model does not replace the serving Mult-VAE");
  }

  @Test
  void switchingVersionsUnderLoadNeverFailsAndACorruptArtifactIsRefused() throws Exception {
    String second = api.server().training().trainAndWait("mult-vae", 3).await();
    api.waitServing(second);
    List<Future<HttpResponse<Buffer>>> inFlight = new ArrayList<>();
    for (int round = 0; round < 6; round++) {
      for (int k = 0; k < 40; k++) {
        inFlight.add(api.request(HttpMethod.GET, "/v1/users/u" + k + "/recommendations?n=5").send());
      }
      api.server().switchModel(round % 2 == 0 ? first : second).await();
    }
    for (Future<HttpResponse<Buffer>> f : inFlight) {
      assertEquals(200, f.await().statusCode(), f.await().bodyAsString());
    }

    // Corrupt this node's copy of the second version's parameters: the copy stored in PostgreSQL
    // is fetched again and the version serves.
    assertEquals(first, api.server().switchModel(first).await());
    String artifact = new ModelRepository(api.store().pool()).list().await().stream()
        .filter(m -> m.version().equals(second)).findFirst().orElseThrow().artifact();
    Path params;
    try (var files = Files.list(Path.of(artifact))) {
      params = files.filter(p -> p.toString().endsWith(".params")).findFirst().orElseThrow();
    }
    byte[] garbage = new byte[(int) Files.size(params)];
    new java.util.Random(5).nextBytes(garbage);
    Files.write(params, garbage);
    assertEquals(second, api.server().switchModel(second).await(), "the damaged copy was replaced from the database");
    assertEquals(first, api.server().switchModel(first).await());

    // Corrupt it here and in the database: switching to it is refused, the current one stays.
    Files.write(params, new byte[] {1, 2, 3, 4});
    api.store().pool().preparedQuery("UPDATE model_file_chunks SET data = $2 WHERE version = $1")
        .execute(io.vertx.sqlclient.Tuple.of(second, Buffer.buffer(new byte[] {9, 9, 9}))).await();
    assertTrue(api.server().switchModel(second).transform(ar -> Future.succeededFuture(ar.failed())).await(),
        "a corrupt artifact is refused");
    assertEquals(first, api.server().servingVersion());
    assertEquals(first, recommend("u3/recommendations?n=3").getString("model_version"));
    JsonObject health = api.get("/health/ready").bodyAsJsonObject();
    assertTrue(health.getJsonObject("model").getString("last_refused").startsWith(second), health.encode());
  }
}
