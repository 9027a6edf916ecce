package org.causalrec.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationTest {

  @TempDir
  Path dir;

  @Test
  void migratesAnEmptyDatabaseThenReusesTheExistingOne() {
    Vertx vertx = Vertx.vertx();
    try {
      try (Database db = Database.embedded(dir.resolve("pg"), false)) {
        assertEquals(8, db.migrate(), "every migration on an empty database");
        assertEquals("8", db.schemaVersion());
        Pool pool = db.pool(vertx, 2);
        List<String> tables = new ArrayList<>();
        for (Row r : pool.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            + " ORDER BY table_name").execute().await()) {
          tables.add(r.getString(0));
        }
        assertTrue(tables.containsAll(List.of("events", "item_embeddings", "items", "models", "stream_cursors", "users")), tables.toString());
        pool.query("INSERT INTO items (id, title) VALUES ('kept', 'Survives restarts')").execute().await();
        // a database that persists writes its commits to disk before they are acknowledged
        for (String setting : List.of("fsync", "synchronous_commit")) {
          assertEquals("on", pool.query("SHOW " + setting).execute().await().iterator().next().getString(0), setting);
        }
        pool.close().await();
      }
      try (Database again = Database.embedded(dir.resolve("pg"), false)) {
        assertEquals(0, again.migrate(), "nothing to apply on an existing database");
        assertEquals("8", again.schemaVersion());
        Pool pool = again.pool(vertx, 2);
        String title = pool.query("SELECT title FROM items WHERE id = 'kept'").execute().await()
            .iterator().next().getString(0);
        assertEquals("Survives restarts", title);
        pool.close().await();
      }
    } finally {
      vertx.close().await();
    }
  }
}
