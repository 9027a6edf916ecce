package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.causalrec.store.StoreHandle;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import org.causalrec.server.Server;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.causalrec.store.EventRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With the database gone, writes get a clear 503 and readiness turns DOWN; accepted data survives. */
class DatabaseDownTest {

  @TempDir
  Path dir;

  @Test
  void writesFailCleanlyWhileTheDatabaseIsDownAndNothingAcceptedIsLost() {
    Config config = TestEnv.config(dir);
    StoreHandle store = StoreHandle.open(config);
    Server server = Server.start(config, store);
    WebClient client = WebClient.create(server.vertx());
    int port = server.port();
    HttpResponse<Buffer> ok = TestEnv.post(client, port, "/v1/events",
        new JsonArray().add(TestEnv.click("kept-1", "u1", "i1")).add(TestEnv.click("kept-2", "u1", "i2")));
    assertEquals(200, ok.statusCode());

    store.database().close(); // the PostgreSQL server stops
    HttpResponse<Buffer> down = TestEnv.post(client, port, "/v1/events",
        new JsonArray().add(TestEnv.click("lost-1", "u1", "i3")));
    assertEquals(503, down.statusCode(), down.bodyAsString());
    assertEquals("database_unavailable", down.bodyAsJsonObject().getString("error"));
    HttpResponse<Buffer> ready = TestEnv.get(client, port, "/health/ready");
    assertEquals(503, ready.statusCode());
    assertEquals("DOWN", ready.bodyAsJsonObject().getString("status"));
    assertEquals(200, TestEnv.get(client, port, "/health/live").statusCode());
    server.close();
    store.close();

    // Restart on the same data directory: the two acknowledged events are there, the refused one is not.
    try (StoreHandle again = StoreHandle.open(config)) {
      assertEquals(2L, new EventRepository(again.pool()).count().await());
    }
  }
}
