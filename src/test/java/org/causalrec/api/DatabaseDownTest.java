package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.causalrec.ApiFixture;
import org.causalrec.TestEnv;
import org.causalrec.store.EventRepository;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the database gone, writes get a clear 503 and readiness turns DOWN; accepted data survives;
 * when the server comes back under a running node, the node carries on by itself.
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
    assertEquals("2", down.getHeader("Retry-After"));
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

  @Test
  void afterPostgresRestartsUnderARunningNodeIngestResumesAndTheStreamCatchesUp() throws Exception {
    ApiFixture api = ApiFixture.builder(dir).start();
    try {
      JsonArray first = new JsonArray();
      for (int k = 0; k < 300; k++) {
        first.add(TestEnv.click("before-" + k, "u" + (k % 7), "i" + (k % 40)));
      }
      assertEquals(200, api.post("/v1/events", first).statusCode());
      PgCtl pg = PgCtl.of(dir.resolve("pg"));

      pg.run("stop", "-m", "fast");
      HttpResponse<Buffer> down = api.post("/v1/events", new JsonArray().add(TestEnv.click("during", "u1", "i1")));
      assertEquals(503, down.statusCode(), down.bodyAsString());
      assertEquals("database_unavailable", down.bodyAsJsonObject().getString("error"));
      assertEquals("2", down.getHeader("Retry-After"));

      pg.run("start", "-o", "-p " + api.store().database().connectOptions().getPort()
          + " -c fsync=on -c synchronous_commit=on");
      // nothing is done to the node: its first writes may still find connections to the old server
      JsonArray after = new JsonArray();
      for (int k = 0; k < 300; k++) {
        after.add(TestEnv.click("after-" + k, "u" + (k % 7), "i" + (k % 40)));
      }
      TestEnv.waitFor(() -> api.post("/v1/events", after).statusCode() == 200, Duration.ofSeconds(30),
          "a write accepted after the restart");
      long stored = new EventRepository(api.store().pool()).count().await();
      assertEquals(600L, stored);
      long maxId = api.store().pool().query("SELECT max(id) FROM events").execute().await().iterator().next()
          .getLong(0);
      TestEnv.waitFor(() -> api.get("/health/ready").bodyAsJsonObject().getJsonObject("features")
          .getLong("last_event_id") == maxId, Duration.ofSeconds(30), "the stream past the restart");
      JsonObject features = api.get("/health/ready").bodyAsJsonObject().getJsonObject("features");
      assertEquals(stored, features.getLong("events_through_last_id"), features.encode());
      assertEquals("UP", api.get("/health/ready").bodyAsJsonObject().getString("status"));
    } finally {
      api.close();
    }
  }

  /** pg_ctl of the embedded server running on a data directory, found through its postmaster's binary. */
  private record PgCtl(Path dataDir, Path binary) {

    static PgCtl of(Path dataDir) throws java.io.IOException {
      long pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip());
      String postgres = ProcessHandle.of(pid).orElseThrow().info().command().orElseThrow();
      return new PgCtl(dataDir, Path.of(postgres).resolveSibling("pg_ctl"));
    }

    void run(String action, String... options) throws Exception {
      List<String> cmd = new ArrayList<>();
      if ("root".equals(System.getProperty("user.name"))) {
        cmd.addAll(List.of("unshare", "-U")); // as the embedded server is run: PostgreSQL refuses root
      }
      cmd.addAll(List.of(binary.toString(), action, "-D", dataDir.toString(), "-w",
          "-l", dataDir.resolveSibling("pg_ctl.log").toString()));
      cmd.addAll(List.of(options));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), "pg_ctl " + action + ": " + out);
    }
  }
}
