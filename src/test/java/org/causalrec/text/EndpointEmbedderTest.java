package org.causalrec.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.config.Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI-compatible embedding endpoint, against a small HTTP server speaking that protocol
 * (the third-party side; a bag-of-words vector per text): requests, normalisation, errors, and a
 * server that keeps items and catches up after the endpoint was down.
 */
@TestDatabase
class EndpointEmbedderTest {

  @TempDir
  static Path dir;

  static Vertx vertx;
  static HttpServer fake;
  static final AtomicBoolean down = new AtomicBoolean();
  static final AtomicReference<String> lastAuth = new AtomicReference<>();
  static final List<String> WORDS = List.of("hiking", "boots", "tent", "coffee", "espresso", "jazz", "record", "knife");

  @BeforeAll
  static void startFake() {
    vertx = Vertx.vertx();
    fake = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      lastAuth.set(req.getHeader("Authorization"));
      if (down.get()) {
        req.response().setStatusCode(503).end("{\"error\":\"overloaded\"}");
        return;
      }
      JsonObject in = body.toJsonObject();
      JsonArray data = new JsonArray();
      JsonArray input = in.getJsonArray("input");
      // answered in reverse order, each with its index, as the protocol allows
      for (int k = input.size() - 1; k >= 0; k--) {
        JsonArray v = new JsonArray();
        String text = input.getString(k).toLowerCase();
        for (String w : WORDS) {
          v.add(text.contains(w) ? 2.0 : 0.01);
        }
        data.add(new JsonObject().put("object", "embedding").put("index", k).put("embedding", v));
      }
      req.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("object", "list").put("model", in.getString("model")).put("data", data).encode());
    })).listen(0, "127.0.0.1").await();
  }

  @AfterAll
  static void stopFake() {
    vertx.close().await();
  }

  static String url() {
    return "http://127.0.0.1:" + fake.actualPort() + "/v1/embeddings";
  }

  @Test
  void vectorsComeBackInOrderAndNormalised() {
    EndpointEmbedder e = new EndpointEmbedder(url(), "big-model", "secret");
    float[][] v = e.embed(List.of("Hiking boots", "Espresso coffee"));
    assertEquals(8, e.dimension());
    assertEquals(1.0, Vectors.dot(v[0], v[0]), 1e-5);
    assertTrue(v[0][0] > 0.5 && v[1][4] > 0.5, "each text got its own vector, in order");
    assertEquals("Bearer secret", lastAuth.get());
    assertTrue(e.modelId().contains("big-model") && e.modelId().contains(url()));
  }

  @Test
  void anErrorAnswerIsReportedWithItsStatus() {
    down.set(true);
    try {
      IllegalStateException x = assertThrows(IllegalStateException.class,
          () -> new EndpointEmbedder(url(), null, null).embed(List.of("tent")));
      assertTrue(x.getMessage().contains("503"), x.getMessage());
    } finally {
      down.set(false);
    }
  }

  @Test
  void aServerKeepsItemsWhileTheEndpointIsDownAndCatchesUp() throws Exception {
    down.set(true);
    try (ApiFixture api = ApiFixture.builder(dir).config(c -> c.setText(Config.TextConfig.defaults().toBuilder()
        .setProvider("endpoint").setEndpointUrl(url()).setEndpointModel("big-model").setBatchSize(8)
        .setPollIntervalMs(200).build())).start()) {
      JsonArray items = new JsonArray()
          .add(new JsonObject().put("id", "a").put("title", "Hiking boots"))
          .add(new JsonObject().put("id", "b").put("title", "Hiking tent"))
          .add(new JsonObject().put("id", "c").put("title", "Jazz record"));
      assertEquals(200, api.post("/v1/items", items).statusCode());
      long deadline = System.nanoTime() + 60_000_000_000L;
      JsonObject text;
      do {
        Thread.sleep(50);
        text = api.get("/health/ready").bodyAsJsonObject().getJsonObject("text");
        assertTrue(System.nanoTime() < deadline, "no error reported: " + text);
      } while (text.getString("last_error") == null);
      assertTrue(text.getString("last_error").contains("503"), text.encode());
      assertEquals(200, api.get("/v1/items/a").statusCode(), "the item is stored");
      assertEquals(503, api.get("/v1/items/a/similar").statusCode(), "and its embedding pending");
      io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> search = api.get("/v1/search?q=boots");
      assertEquals(503, search.statusCode(), search.bodyAsString());
      assertEquals("text_model_unavailable", search.bodyAsJsonObject().getString("error"));
      assertEquals(200, api.get("/v1/users/nobody/recommendations").statusCode(),
          "recommendations do not need the text model");
      down.set(false);
      do {
        Thread.sleep(50);
        assertTrue(System.nanoTime() < deadline, "never caught up");
      } while (api.get("/v1/items/a/similar").statusCode() != 200);
      JsonObject similar = api.get("/v1/items/a/similar?n=1").bodyAsJsonObject();
      assertEquals("b", similar.getJsonArray("items").getJsonObject(0).getString("id"), similar.encode());
      assertTrue(similar.getString("model").contains("big-model"));
    }
  }
}
