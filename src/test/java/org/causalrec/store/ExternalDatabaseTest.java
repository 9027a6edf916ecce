package org.causalrec.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import org.causalrec.PostgresExtension;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.causalrec.ingest.IngestService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With CAUSALREC_PG_URL set, CausalRec uses that server (here the tests' shared PostgreSQL, in a
 * database that starts empty, as on a new server: the node migrates it).
 */
@TestDatabase(migrated = false)
class ExternalDatabaseTest {

  @TempDir
  Path dir;

  @Test
  void aPostgresqlUrlIsUsedInsteadOfTheEmbeddedServer() {
    String url = PostgresExtension.currentUrl();
    Config config = TestEnv.config(dir.resolve("node")).toBuilder().setPgUrl(url).build();
    try (StoreHandle store = StoreHandle.open(config)) {
      assertFalse(store.database().isEmbedded());
      assertEquals("8", store.database().schemaVersion());
      assertEquals(1, IngestService.on(store.pool(), Config.defaults()).ingestEvents(new JsonArray().add(TestEnv.click("x-1", "u", "i"))).await()
          .accepted());
    }
    // The events are in the external server, and the node made no embedded database of its own.
    try (StoreHandle again = StoreHandle.open(TestEnv.config(dir.resolve("node")).toBuilder().setPgUrl(url).build())) {
      assertEquals(1L, new EventRepository(again.pool()).count().await());
    }
    assertFalse(dir.resolve("node/pg").toFile().exists());
  }

  @Test
  void aMalformedUrlIsRefusedWithItsName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Database.external("mysql://nope"));
    assertEquals(true, e.getMessage().contains("CAUSALREC_PG_URL"));
  }
}
