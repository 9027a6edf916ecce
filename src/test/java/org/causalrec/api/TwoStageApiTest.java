package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two-stage recommendations over real HTTP, with a Mult-VAE and a click MLP trained on a
 * simulated log: every item carries the click model's calibrated probability, the objective picks
 * the order, a threshold drops items, and a cached list never outlives the user's next event or
 * the deletion of one of its items.
 */
@TestDatabase
class TwoStageApiTest {

  @TempDir
  static Path dir;

  static ApiFixture api;
  static String clickModel;

  @BeforeAll
  static void start() {
    // the text index embeds the items first: a new cold-start table (after an embedding batch)
    // is a change a cached list is computed again for, which the cache assertions must not meet
    api = ApiFixture.builder(dir).world("tiny", 8).trainMultVae(5).waitForTextIndex().start();
    clickModel = api.server().training().trainAndWait("click-mlp", 3).await();
    TestEnv.waitFor(() -> clickModel.equals(api.get("/health/ready").bodyAsJsonObject()
        .getJsonObject("click_model").getString("version")), Duration.ofSeconds(30), "click model served");
    TestEnv.waitFor(() -> api.get("/health/ready").bodyAsJsonObject().getJsonObject("features").getBoolean("ready"),
        Duration.ofSeconds(30), "features loaded");
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  private static JsonObject recommend(String user, String query) {
    HttpResponse<Buffer> r = api.get("/v1/users/" + user + "/recommendations?" + query);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonObject();
  }

  private static List<String> ids(JsonObject r) {
    List<String> out = new ArrayList<>();
    r.getJsonArray("items").forEach(o -> out.add(((JsonObject) o).getString("id")));
    return out;
  }

  private static List<Double> field(JsonObject r, String name) {
    List<Double> out = new ArrayList<>();
    r.getJsonArray("items").forEach(o -> out.add(((JsonObject) o).getDouble(name)));
    return out;
  }

  private static void assertDescending(List<Double> values, String what) {
    for (int k = 1; k < values.size(); k++) {
      assertTrue(values.get(k) <= values.get(k - 1), what + " not descending: " + values);
    }
  }

  @Test
  void itemsCarryCalibratedProbabilitiesAndTheObjectivePicksTheOrder() {
    JsonObject byClick = recommend("u3", "n=20");
    assertEquals("click", byClick.getString("objective"), "the default once a click model serves");
    assertEquals(clickModel, byClick.getString("click_model_version"));
    assertEquals(api.multVae(), byClick.getString("model_version"));
    List<Double> p = field(byClick, "probability");
    assertEquals(20, p.size());
    p.forEach(x -> assertTrue(x > 0 && x < 1, "a probability: " + p));
    assertDescending(p, "probability");
    assertTrue(p.get(0) > p.get(p.size() - 1), "the click model tells the candidates apart: " + p);

    JsonObject byRelevance = recommend("u3", "n=20&objective=relevance");
    assertEquals("relevance", byRelevance.getString("objective"));
    assertDescending(field(byRelevance, "score"), "score");
    field(byRelevance, "probability").forEach(x -> assertTrue(x > 0 && x < 1));
    assertFalse(ids(byClick).equals(ids(byRelevance)), "the second stage reorders the first stage's list");

    // a probability read from an answer and passed back keeps its item (each of the 20 in turn)
    for (int k = 0; k < p.size(); k++) {
      double threshold = p.get(k);
      JsonObject kept = recommend("u3", "n=20&min_probability=" + threshold);
      assertTrue(ids(kept).size() >= k + 1, "min_probability=" + threshold + " kept " + kept.encode());
      field(kept, "probability").forEach(x -> assertTrue(x >= threshold - 1e-7));
      assertEquals(ids(byClick).subList(0, ids(kept).size()), ids(kept));
    }
    assertTrue(ids(recommend("u3", "n=20&min_probability=" + p.get(9))).size() < 20, "a threshold drops items");

    for (String[] bad : new String[][] {{"objective=astrology", "objective"}, {"min_probability=2", "min_probability"},
        {"min_probability=often", "min_probability"}, {"surface=" + "s".repeat(200), "surface"},
        {"objective=uplift&min_probability=0.1", "min_probability"}}) {
      HttpResponse<Buffer> r = api.get("/v1/users/u3/recommendations?" + bad[0]);
      assertEquals(400, r.statusCode(), bad[0] + ": " + r.bodyAsString());
      assertEquals(bad[1], r.bodyAsJsonObject().getString("field"), bad[0]);
    }
    JsonObject health = api.get("/health/ready").bodyAsJsonObject();
    assertTrue(health.getJsonObject("recommendations").getLong("hits") > 0, health.encode());
  }

  @Test
  void aUsersNewEventChangesTheNextAnswerAtOnce() {
    JsonObject first = recommend("u7", "n=5");
    JsonObject again = recommend("u7", "n=5");
    assertTrue(again.getBoolean("cached"), "served from the cache: " + again.encode());
    assertEquals(ids(first), ids(again));
    String top = ids(first).get(0);
    JsonArray click = new JsonArray().add(new JsonObject().put("user_id", "u7").put("item_id", top)
        .put("type", "click"));
    assertEquals(200, api.post("/v1/events", click).statusCode());
    JsonObject after = recommend("u7", "n=5");
    assertFalse(after.getBoolean("cached"));
    assertFalse(ids(after).contains(top), "the clicked item is consumed: " + after.encode());
  }

  @Test
  void aDeletedItemLeavesTheNextAnswerAtOnceForKnownAndUnknownUsers() {
    JsonObject before = recommend("u11", "n=5");
    assertTrue(recommend("u11", "n=5").getBoolean("cached"));
    String top = ids(before).get(0);
    JsonObject popular = recommend("nobody-yet", "n=3");
    assertNull(popular.getString("model_version"));
    String mostPopular = ids(popular).get(0);
    for (String id : new java.util.LinkedHashSet<>(List.of(top, mostPopular))) {
      assertEquals(204, api.request(HttpMethod.DELETE, "/v1/items/" + id).send().await().statusCode());
    }
    JsonObject after = recommend("u11", "n=5");
    assertFalse(after.getBoolean("cached"), "the catalogue changed");
    assertFalse(ids(after).contains(top), top + " was deleted: " + after.encode());
    assertFalse(ids(recommend("nobody-yet", "n=3")).contains(mostPopular), mostPopular + " was deleted");
  }
}
