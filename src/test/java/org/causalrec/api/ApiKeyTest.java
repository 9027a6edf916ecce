package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With an API key configured, writes need it and reads do not. */
@TestDatabase
class ApiKeyTest {

  @TempDir
  Path dir;

  @Test
  void writesNeedTheKey() {
    try (ApiFixture api = ApiFixture.builder(dir).config(c -> c.setApiKey("s3cret")).start()) {
      JsonArray events = new JsonArray().add(TestEnv.click(null, "u1", "i1"));
      var denied = api.post("/v1/events", events);
      assertEquals(401, denied.statusCode());
      assertEquals("X-API-Key", denied.bodyAsJsonObject().getString("field"));
      var wrong = api.request(HttpMethod.POST, "/v1/events").putHeader("X-API-Key", "guess")
          .sendJson(events).await();
      assertEquals(401, wrong.statusCode());
      var allowed = api.request(HttpMethod.POST, "/v1/events").putHeader("X-API-Key", "s3cret")
          .sendJson(events).await();
      assertEquals(200, allowed.statusCode());
      assertEquals(200, api.get("/v1/users/u1/events").statusCode());
      var put = api.request(HttpMethod.PUT, "/v1/items/i1")
          .sendJsonObject(new io.vertx.core.json.JsonObject().put("title", "x")).await();
      assertEquals(401, put.statusCode());
      assertEquals(401, api.request(HttpMethod.DELETE, "/v1/items/i1").send().await().statusCode());
      assertEquals(404, api.get("/v1/items/i1").statusCode(), "the PUT stored nothing");
    }
  }
}
