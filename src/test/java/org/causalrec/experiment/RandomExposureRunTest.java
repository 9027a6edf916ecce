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
        assertTrue(((JsonObject) o).getInteger("users") > 5, ((JsonObject) o).encode());
      }
      // the truth: the world's relevance of each test pair ranks the test labels, and no model ranks
      // them clearly better than the truth does (one that did would be reading the labels)
      org.causalrec.sim.World world = org.causalrec.sim.World.generate(WorldSpec.named("tiny"), 4);
      java.util.List<Float> truth = new java.util.ArrayList<>();
      java.util.List<Boolean> labels = new java.util.ArrayList<>();
      org.causalrec.data.Feedback train = org.causalrec.data.Feedback.load(events, EventTypes.defaults(),
          RandomExposureRun.biased("explore"));
      RandomExposureRun.unseen(RandomExposureRun.testPairs(events, "explore"), train).forEach((u, items) ->
          items.forEach((i, label) -> {
            truth.add((float) world.relevance(Integer.parseInt(u.substring(1)), Integer.parseInt(i.substring(1))));
            labels.add(label);
          }));
      assertEquals(r.getInteger("test_pairs"), truth.size());
      float[] t = new float[truth.size()];
      boolean[] y = new boolean[t.length];
      for (int k = 0; k < t.length; k++) {
        t[k] = truth.get(k);
        y[k] = labels.get(k);
      }
      double oracle = org.causalrec.eval.Auc.of(t, y);
      assertTrue(oracle > 0.6, "the labels follow the true relevance: AUC " + oracle);
      for (Object o : r.getJsonArray("results")) {
        JsonObject m = (JsonObject) o;
        assertTrue(m.getDouble("auc") < oracle + 0.03, "no better than the truth (" + oracle + "): " + m.encode());
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
