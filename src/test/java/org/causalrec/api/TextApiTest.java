package org.causalrec.api;

import static org.causalrec.TestEnv.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.config.Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item text embeddings over real HTTP with the in-process all-MiniLM-L6-v2: computed in the
 * background after upserts and stored in PostgreSQL, reused while the text is unchanged and
 * recomputed when it changes; similar items and search, and their 400/404 cases.
 */
@TestDatabase
class TextApiTest {

  @TempDir
  static Path dir;

  static ApiFixture api;

  static final JsonArray ITEMS = new JsonArray()
      .add(item("boots", "Trailblazer waterproof hiking boots", "Sturdy leather boots for mountain hikes", "outdoors"))
      .add(item("tent", "Ultralight two-person backpacking tent", "A packable shelter for camping trips", "outdoors"))
      .add(item("espresso", "Stainless espresso machine", "Pull cafe-quality coffee shots at home", "kitchen"))
      .add(item("skillet", "Cast iron skillet", "Sear steaks and bake cornbread in one pan", "kitchen"))
      .add(item("vinyl", "Kind of Blue on vinyl", "The classic modal jazz record, remastered", "music"))
      .add(item("novel", "A gripping detective thriller", "A mystery novel set in foggy London", "books"));

  static JsonObject item(String id, String title, String description, String category) {
    return new JsonObject().put("id", id).put("title", title).put("description", description)
        .put("categories", new JsonArray().add(category));
  }

  @BeforeAll
  static void start() {
    api = ApiFixture.builder(dir).config(c -> c.setText(Config.TextConfig.defaults().toBuilder().setBatchSize(4)
        .setPollIntervalMs(200).build())).start();
    assertEquals(200, api.post("/v1/items", ITEMS).statusCode());
    // recommendable at once: the item is stored before (and whatever happens to) its embedding
    assertEquals(200, api.get("/v1/items/boots").statusCode());
    waitFor(() -> indexed() == ITEMS.size(), "every item embedded and indexed");
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static int indexed() {
    return api.get("/health/ready").bodyAsJsonObject().getJsonObject("text").getInteger("indexed");
  }

  static Row stored(String id) {
    return api.store().pool().preparedQuery("SELECT embedded_at, vector, model, dim FROM item_embeddings WHERE item_id = $1")
        .execute(Tuple.of(id)).await().iterator().next();
  }

  @Test
  void embeddingsAreStoredWithTheirModel() {
    Row r = stored("vinyl");
    assertEquals(384, r.getInteger(3));
    assertEquals(384 * 4, r.getBuffer(1).length());
    assertTrue(r.getString(2).startsWith("all-MiniLM-L6-v2 from dev.langchain4j:"), r.getString(2));
  }

  @Test
  void unchangedTextIsReusedAndChangedTextRecomputed() {
    OffsetDateTime before = stored("skillet").getOffsetDateTime(0);
    Buffer vectorBefore = stored("skillet").getBuffer(1);
    // attributes only: the text is the same, the embedding is not computed again
    JsonObject same = item("skillet", "Cast iron skillet", "Sear steaks and bake cornbread in one pan", "kitchen")
        .put("attributes", new JsonObject().put("price", 39));
    assertEquals(200, api.request(HttpMethod.PUT, "/v1/items/skillet").sendJsonObject(same).await().statusCode());
    waitFor(() -> stale() == 0, "the attribute-only update looked at");
    assertEquals(before, stored("skillet").getOffsetDateTime(0), "not re-embedded");
    // a new title: embedded again, with another vector
    JsonObject changed = item("skillet", "Wireless noise-cancelling headphones", "Music on the go", "electronics");
    assertEquals(200, api.request(HttpMethod.PUT, "/v1/items/skillet").sendJsonObject(changed).await().statusCode());
    waitFor(() -> !stored("skillet").getBuffer(1).equals(vectorBefore), "the changed text re-embedded");
    assertNotEquals(before, stored("skillet").getOffsetDateTime(0));
    // put it back for the other tests
    JsonObject back = item("skillet", "Cast iron skillet", "Sear steaks and bake cornbread in one pan", "kitchen");
    assertEquals(200, api.request(HttpMethod.PUT, "/v1/items/skillet").sendJsonObject(back).await().statusCode());
    waitFor(() -> stored("skillet").getBuffer(1).equals(vectorBefore), "the original text embeds as before");
  }

  static long stale() {
    return api.store().pool().query("""
        SELECT count(*) FROM items i LEFT JOIN item_embeddings e ON e.item_id = i.id
        WHERE e.item_id IS NULL OR i.updated_at > e.item_updated_at""").execute().await().iterator().next().getLong(0);
  }

  @Test
  void similarItemsPutTheRelatedOneFirst() {
    HttpResponse<Buffer> r = api.get("/v1/items/boots/similar?n=3");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    JsonArray items = r.bodyAsJsonObject().getJsonArray("items");
    assertEquals(3, items.size());
    assertEquals("tent", items.getJsonObject(0).getString("id"), r.bodyAsString());
    for (Object o : items) {
      assertNotEquals("boots", ((JsonObject) o).getString("id"), "the item itself is left out");
    }
    float first = items.getJsonObject(0).getFloat("similarity");
    assertTrue(first >= items.getJsonObject(1).getFloat("similarity"));
  }

  @Test
  void searchFindsThePlantedItemFromAParaphrase() {
    HttpResponse<Buffer> r = api.get("/v1/search?q=jazz%20album%20on%20a%20record&n=2");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals("vinyl", r.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getString("id"));
    r = api.get("/v1/search?q=something%20to%20make%20coffee%20with");
    assertEquals("espresso", r.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getString("id"));
  }

  @Test
  void badRequestsNameTheParameter() {
    assertError(api.get("/v1/search"), 400, "q");
    assertError(api.get("/v1/search?q=%20%20"), 400, "q");
    assertError(api.get("/v1/search?q=boots&n=0"), 400, "n");
    assertError(api.get("/v1/search?q=" + "a".repeat(1_001)), 400, "q");
    assertError(api.get("/v1/items/boots/similar?n=abc"), 400, "n");
    assertError(api.get("/v1/items/nope/similar"), 404, "id");
  }

  @Test
  void aDeletedItemLeavesTheResults() {
    assertEquals(200, api.post("/v1/items", new JsonArray()
        .add(item("poetry", "A collection of haunting poems", "Verses about the sea", "books"))).statusCode());
    waitFor(() -> api.get("/v1/items/poetry/similar").statusCode() == 200, "poetry indexed");
    assertEquals(204, api.request(HttpMethod.DELETE, "/v1/items/poetry").send().await().statusCode());
    JsonArray items = api.get("/v1/items/novel/similar?n=10").bodyAsJsonObject().getJsonArray("items");
    assertFalse(items.stream().anyMatch(o -> ((JsonObject) o).getString("id").equals("poetry")), items.encode());
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String field) {
    assertEquals(status, r.statusCode(), r.bodyAsString());
    assertEquals(field, r.bodyAsJsonObject().getString("field"), r.bodyAsString());
  }
}
