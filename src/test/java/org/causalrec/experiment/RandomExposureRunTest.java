package org.causalrec.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.config.EventTypes;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.EventRepository;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The random-exposure protocol on the tiny world's uniformly exposed cohort, from PostgreSQL. */
@TestDatabase
class RandomExposureRunTest {

  @TempDir
  Path dir;

  @Test
  void trainsOnTheBiasedLogAndRanksTheRandomlyExposedPairs() {
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir))) {
      TestEnv.simulate(store, WorldSpec.named("tiny"), 4, dir.resolve("truth"));
      EventRepository events = new EventRepository(store.pool());
      JsonObject r = RandomExposureRun.run(events, EventTypes.defaults(), "explore", 20, 0.5, 0.05, Device.cpu(), 1,
          m -> { });
      assertTrue(r.getInteger("test_pairs") > 100, r.encode());
      assertEquals(4, r.getJsonArray("results").size());
      for (Object o : r.getJsonArray("results")) {
        JsonObject m = (JsonObject) o;
        assertTrue(m.getDouble("ndcg@5") >= 0 && m.getDouble("ndcg@5") <= 1, m.encode());
        assertTrue(m.getDouble("recall@5") >= 0 && m.getDouble("recall@5") <= 1, m.encode());
        assertTrue(m.getInteger("users") > 5, m.encode());
      }
      JsonObject vae = r.getJsonArray("results").getJsonObject(1);
      assertEquals("mult-vae naive", vae.getString("model"));
      assertTrue(vae.getDouble("auc") > 0.55, "the collaborative model ranks what the explore cohort clicked: "
          + vae.encode());
      assertThrows(IllegalArgumentException.class, () -> RandomExposureRun.run(events, EventTypes.defaults(),
          "no-such-surface", 1, 0.5, 0.05, Device.cpu(), 1, m -> { }));
    }
  }
}
