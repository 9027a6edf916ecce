package org.causalrec.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.causalrec.ingest.IngestService;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import org.causalrec.server.Server;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With CAUSALREC_PG_URL set, CausalRec uses that server (here a separately started PostgreSQL). */
class ExternalDatabaseTest {

  @TempDir
  Path dir;

  @Test
  void aPostgresqlUrlIsUsedInsteadOfTheEmbeddedServer() {
    try (Database server = Database.embedded(dir.resolve("external-pg"), true)) {
      String url = "postgresql://postgres:postgres@localhost:" + server.connectOptions().getPort() + "/postgres";
      Config config = TestEnv.config(dir.resolve("node")).toBuilder().setPgUrl(url).build();
      try (StoreHandle store = StoreHandle.open(config)) {
        assertFalse(store.database().isEmbedded());
        assertEquals("3", store.database().schemaVersion());
        assertEquals(1, IngestService.on(store.pool(), Config.defaults()).ingestEvents(new JsonArray().add(TestEnv.click("x-1", "u", "i"))).await()
            .accepted());
      }
      // The events are in the external server, and the node made no embedded database of its own.
      try (StoreHandle again = StoreHandle.open(TestEnv.config(dir.resolve("node")).toBuilder().setPgUrl(url).build())) {
        assertEquals(1L, new EventRepository(again.pool()).count().await());
      }
      assertFalse(dir.resolve("node/pg").toFile().exists());
    }
  }

  @Test
  void aMalformedUrlIsRefusedWithItsName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Database.external("mysql://nope"));
    assertEquals(true, e.getMessage().contains("CAUSALREC_PG_URL"));
  }
}
