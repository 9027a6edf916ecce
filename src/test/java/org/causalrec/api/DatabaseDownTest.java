package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import org.causalrec.ApiFixture;
import org.causalrec.TestEnv;
import org.causalrec.store.EventRepository;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the database gone, writes get a clear 503 and readiness turns DOWN; accepted data survives.
 * Not a {@code @TestDatabase} class: it stops its server, so it runs its own embedded one.
 */
class DatabaseDownTest {

  @TempDir
  Path dir;

  @Test
  void writesFailCleanlyWhileTheDatabaseIsDownAndNothingAcceptedIsLost() {
    ApiFixture api = ApiFixture.builder(dir).start();
    HttpResponse<Buffer> ok = api.post("/v1/events",
        new JsonArray().add(TestEnv.click("kept-1", "u1", "i1")).add(TestEnv.click("kept-2", "u1", "i2")));
    assertEquals(200, ok.statusCode());

    api.store().database().close(); // the PostgreSQL server stops
    HttpResponse<Buffer> down = api.post("/v1/events", new JsonArray().add(TestEnv.click("lost-1", "u1", "i3")));
    assertEquals(503, down.statusCode(), down.bodyAsString());
    assertEquals("database_unavailable", down.bodyAsJsonObject().getString("error"));
    HttpResponse<Buffer> ready = api.get("/health/ready");
    assertEquals(503, ready.statusCode());
    assertEquals("DOWN", ready.bodyAsJsonObject().getString("status"));
    assertEquals(200, api.get("/health/live").statusCode());
    api.close();

    // Restart on the same data directory: the two acknowledged events are there, the refused one is not.
    try (StoreHandle again = StoreHandle.open(api.config())) {
      assertEquals(2L, new EventRepository(again.pool()).count().await());
    }
  }
}
