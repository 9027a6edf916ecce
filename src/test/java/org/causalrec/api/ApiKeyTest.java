package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.causalrec.store.StoreHandle;

import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import org.causalrec.server.Server;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With an API key configured, writes need it and reads do not. */
class ApiKeyTest {

  @TempDir
  Path dir;

  @Test
  void writesNeedTheKey() {
    Config config = TestEnv.config(dir).toBuilder().setApiKey("s3cret").build();
    try (StoreHandle store = StoreHandle.open(config)) {
      Server server = Server.start(config, store);
      WebClient client = WebClient.create(server.vertx());
      JsonArray events = new JsonArray().add(TestEnv.click(null, "u1", "i1"));
      var denied = TestEnv.post(client, server.port(), "/v1/events", events);
      assertEquals(401, denied.statusCode());
      assertEquals("X-API-Key", denied.bodyAsJsonObject().getString("field"));
      var wrong = client.post(server.port(), "127.0.0.1", "/v1/events").putHeader("X-API-Key", "guess")
          .sendJson(events).await();
      assertEquals(401, wrong.statusCode());
      var allowed = client.post(server.port(), "127.0.0.1", "/v1/events").putHeader("X-API-Key", "s3cret")
          .sendJson(events).await();
      assertEquals(200, allowed.statusCode());
      assertEquals(200, TestEnv.get(client, server.port(), "/v1/users/u1/events").statusCode());
      var put = client.put(server.port(), "127.0.0.1", "/v1/items/i1")
          .sendJsonObject(new io.vertx.core.json.JsonObject().put("title", "x")).await();
      assertEquals(401, put.statusCode());
      assertEquals(401, client.delete(server.port(), "127.0.0.1", "/v1/items/i1").send().await().statusCode());
      assertEquals(404, TestEnv.get(client, server.port(), "/v1/items/i1").statusCode(), "the PUT stored nothing");
      server.close();
    }
  }
}
