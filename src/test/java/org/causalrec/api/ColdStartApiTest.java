package org.causalrec.api;

import static org.causalrec.TestEnv.click;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.config.Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold start over real HTTP: a Mult-VAE trained on hikers and cooks, then a new hiking item with
 * no events at all. It must reach the top of a hiker's recommendations from its text alone, with a
 * reason naming a hiking item the hiker liked, and stay out of a cook's.
 */
@TestDatabase
class ColdStartApiTest {

  @TempDir
  static Path dir;

  static ApiFixture api;

  static final List<String> HIKING = List.of("Waterproof leather hiking boots", "Carbon trekking poles",
      "Trail daypack with hydration sleeve", "Down sleeping bag for winter camping", "Headlamp for night hikes",
      "Water filter for backcountry trips", "Rain jacket for mountain trails", "Camping stove and pot set",
      "Merino hiking socks", "Trail running shoes");
  static final List<String> KITCHEN = List.of("Chef's knife", "Cast iron skillet", "Espresso machine",
      "Blender for smoothies", "Enamelled dutch oven", "Walnut cutting board", "Stand mixer for baking",
      "Electric kettle", "Spice rack with jars", "Rice cooker");

  @BeforeAll
  static void start() {
    api = ApiFixture.builder(dir).config(c -> c.setText(Config.TextConfig.defaults().toBuilder().setBatchSize(32)
        .setPollIntervalMs(200).build())).start();
    JsonArray items = new JsonArray();
    for (int k = 0; k < 10; k++) {
      items.add(new JsonObject().put("id", "h" + k).put("title", HIKING.get(k)).put("categories", new JsonArray().add("outdoors")));
      items.add(new JsonObject().put("id", "k" + k).put("title", KITCHEN.get(k)).put("categories", new JsonArray().add("kitchen")));
    }
    assertEquals(200, api.post("/v1/items", items).statusCode());
    JsonArray events = new JsonArray();
    for (int u = 0; u < 20; u++) {
      for (int k = 0; k < 10; k++) {
        if ((u + k) % 5 != 0) {
          events.add(click(null, "hiker" + u, "h" + k));
          events.add(click(null, "cook" + u, "k" + k));
        }
      }
    }
    for (int k = 0; k < 10; k++) {
      events.add(click(null, "hiker", "h" + k));
      if (k < 5) {
        events.add(click(null, "cook", "k" + k));
      }
    }
    assertEquals(200, api.post("/v1/events", events).statusCode());
    api.server().training().trainAndWait("mult-vae", 30).await();
    // the new item: no event at all, only its text
    assertEquals(200, api.post("/v1/items", new JsonArray().add(new JsonObject().put("id", "new-tent")
        .put("title", "Ultralight backpacking tent").put("description", "A two-person shelter for camping on mountain trails")
        .put("categories", new JsonArray().add("outdoors")))).statusCode());
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static JsonArray recommend(String user, int n) {
    return api.get("/v1/users/" + user + "/recommendations?n=" + n).bodyAsJsonObject().getJsonArray("items");
  }

  @Test
  void aNewItemReachesAMatchingUserFromItsTextAlone() {
    long deadline = System.nanoTime() + 120_000_000_000L;
    JsonArray hiker = recommend("hiker", 3);
    // the embedding and the neighbour table are computed in the background
    while (hiker.isEmpty() || !hiker.getJsonObject(0).getString("id").equals("new-tent")) {
      assertTrue(System.nanoTime() < deadline, "new-tent never reached the hiker's top: " + hiker.encode());
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      hiker = recommend("hiker", 3);
    }
    JsonObject top = hiker.getJsonObject(0);
    assertEquals("text", top.getString("scored_by"));
    assertTrue(top.getString("reason").startsWith("because you liked "), top.encode());
    assertTrue(top.getJsonObject("because").getString("id").startsWith("h"), top.encode());

    JsonArray cook = recommend("cook", 3);
    assertFalse(cook.stream().anyMatch(o -> ((JsonObject) o).getString("id").equals("new-tent")), cook.encode());
    assertTrue(cook.getJsonObject(0).getString("id").startsWith("k"), cook.encode());
    assertTrue(cook.getJsonObject(0).getString("reason").startsWith("because you liked "), cook.encode());
  }

  @Test
  void categoryFiltersApplyToNewItems() {
    JsonArray kitchenOnly = api.get("/v1/users/hiker/recommendations?n=20&category=kitchen")
        .bodyAsJsonObject().getJsonArray("items");
    assertFalse(kitchenOnly.stream().anyMatch(o -> ((JsonObject) o).getString("id").equals("new-tent")));
  }
}
