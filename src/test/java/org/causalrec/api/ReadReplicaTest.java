package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import org.causalrec.PostgresExtension;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.causalrec.ingest.IngestService;
import org.causalrec.server.Server;
import org.causalrec.store.ModelRepository;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code pg_replica_url}, training reads its set from the replica and everything else stays
 * on the primary. The "replica" here is a second database holding only the first part of the
 * primary's events, as a replica that lags would: the trained version's data snapshot is the
 * replica's last event, while the primary has more.
 */
@TestDatabase
class ReadReplicaTest {

  @TempDir
  Path dir;

  private static JsonArray events(int from, int to) {
    JsonArray out = new JsonArray();
    for (int k = from; k < to; k++) {
      out.add(TestEnv.click("e-" + k, "u" + (k % 30), "i" + ((k * 7) % 25)));
    }
    return out;
  }

  private static long maxId(io.vertx.sqlclient.Pool pool) {
    return pool.query("SELECT max(id) FROM events").execute().await().iterator().next().getLong(0);
  }

  @Test
  void trainingReadsTheReplicaAndTheRestThePrimary() {
    String primary = PostgresExtension.currentUrl();
    String name = "replica_" + Long.toHexString(System.nanoTime());
    String replica = primary.substring(0, primary.lastIndexOf('/') + 1) + name;
    Config base = TestEnv.config(dir.resolve("node"));
    try (StoreHandle admin = StoreHandle.open(base)) {
      admin.pool().query("CREATE DATABASE " + name).execute().await();
      try {
        try (StoreHandle lagging = StoreHandle.open(TestEnv.config(dir.resolve("replica")).toBuilder()
            .setPgUrl(replica).build())) {
          IngestService.on(lagging, base).ingestEvents(events(0, 300)).await();
        }
        Config config = base.toBuilder().setPgReplicaUrl(replica).build();
        try (StoreHandle store = StoreHandle.open(config)) {
          IngestService.on(store, config).ingestEvents(events(0, 450)).await();
          assertEquals(name, store.readPool().query("SELECT current_database()").execute().await().iterator()
              .next().getString(0));
          long replicaMax = maxId(store.readPool());
          assertTrue(maxId(store.pool()) > replicaMax, "the primary is ahead of the replica");

          Server server = Server.start(config, store);
          try {
            String version = server.training().trainAndWait("mult-vae", 2).await();
            ModelRepository.ModelRow row = new ModelRepository(store.pool()).list().await().stream()
                .filter(r -> r.version().equals(version)).findFirst().orElseThrow();
            assertEquals(replicaMax, row.maxEventId(), "the training set came from the replica");
            assertEquals("ready", row.status(), "the registry is on the primary");
          } finally {
            server.close();
          }
        }
      } finally {
        admin.pool().query("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").execute().await();
      }
    }
  }
}
