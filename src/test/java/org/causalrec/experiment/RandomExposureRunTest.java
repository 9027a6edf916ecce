package org.causalrec.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.config.EventTypes;
import org.causalrec.eval.Auc;
import org.causalrec.sim.World;
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
  void trainsOnTheBiasedLogAndScoresOnlyTheRandomPairsNotSetAside() {
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir))) {
      TestEnv.simulate(store, WorldSpec.named("tiny"), 4, dir.resolve("truth"));
      EventRepository events = new EventRepository(store.pool());
      Set<String> randomPairs = new HashSet<>();
      Set<String> loggedPairs = new HashSet<>();
      events.forEachBlocking(e -> ("explore".equals(e.surface()) ? randomPairs : loggedPairs)
          .add(e.userId() + "/" + e.itemId()));

      ExplicitLog log = ExplicitLog.load(events, "explore", 0.1, 1);
      Set<String> test = pairs(log.test);
      Set<String> aside = pairs(log.sample);
      Set<String> observed = pairs(log.observed);
      assertEquals(randomPairs, union(test, aside), "every random pair is a test pair or set aside");
      assertTrue(test.stream().noneMatch(aside::contains), "set-aside pairs are never scored");
      assertEquals(loggedPairs, observed, "the observed pairs are exactly the pairs off the random surface");
      assertTrue(aside.size() > 0.05 * randomPairs.size() && aside.size() < 0.15 * randomPairs.size(),
          aside.size() + " of " + randomPairs.size());

      JsonObject r = RandomExposureRun.run(events, EventTypes.defaults(),
          new RandomExposureRun.Options("explore", 20, 20, "naive-bayes", 0.5, 0.05, 0.05, 1), Device.cpu(), m -> { });
      JsonObject d = r.getJsonObject("dataset");
      assertEquals(randomPairs.size(), d.getInteger("test_pairs") + d.getInteger("set_aside_pairs"), d.encode());
      assertEquals(1 + 3 + 2 * 6, r.getJsonArray("results").size(),
          "popularity, 3 Mult-VAE, 2 x (5 objectives + dr+cdr) pair models");
      for (Object o : r.getJsonArray("results")) {
        JsonObject m = (JsonObject) o;
        if (m.getString("objective").equals("dr+cdr")) {
          double kept = m.getJsonObject("params").getDouble("cdr_kept_share");
          assertTrue(kept >= 0 && kept <= 1, m.encode());
          assertTrue(java.util.Arrays.stream(RandomExposureRun.CDR_ETA_GRID)
              .anyMatch(e -> e == m.getJsonObject("params").getDouble("cdr_eta")), m.encode());
        }
      }
      assertTrue(r.getJsonObject("propensity").getDouble("clipped_share") >= 0, r.encode());
      for (Object o : r.getJsonArray("results")) {
        JsonObject m = (JsonObject) o;
        assertTrue(m.containsKey("params") && m.getJsonObject("metrics").containsKey("recall@5"), m.encode());
      }
      // the truth: the world's relevance of each test pair ranks the test labels, and no model ranks them
      // clearly better than the truth does (one that did would be reading the labels)
      ExplicitLog same = ExplicitLog.load(events, "explore", 0.05, 1);
      assertEquals(d.getInteger("test_pairs"), same.test.size(), "the run's split is the seed's");
      World world = World.generate(WorldSpec.named("tiny"), 4);
      float[] truth = new float[same.test.size()];
      for (int k = 0; k < truth.length; k++) {
        truth[k] = (float) world.relevance(Integer.parseInt(same.test.userIds()[k].substring(1)),
            Integer.parseInt(same.test.itemIds()[k].substring(1)));
      }
      double oracle = Auc.of(truth, same.test.label());
      assertTrue(oracle > 0.6, "the labels follow the true relevance: AUC " + oracle);
      for (Object o : r.getJsonArray("results")) {
        JsonObject m = (JsonObject) o;
        assertTrue(m.getJsonObject("metrics").getDouble("auc") < oracle + 0.03,
            "no better than the truth (" + oracle + "): " + m.encode());
      }
      // the tiny world's explore cohort is a dozen users: only the collaborative model's signal clears the noise
      // here; the pair models are held to the truth on a larger world (ExplicitModelTest, CommandsTest)
      JsonObject vae = find(r, "mult-vae", "naive");
      assertTrue(vae.getJsonObject("metrics").getDouble("auc") > 0.55,
          "the model ranks what the explore cohort clicked: " + vae.encode());
    }
  }

  @Test
  void refusesWithoutARandomSurfaceOrWithoutASampleForNaiveBayes() {
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir))) {
      TestEnv.simulate(store, WorldSpec.named("tiny"), 4, dir.resolve("truth"));
      EventRepository events = new EventRepository(store.pool());
      IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> RandomExposureRun.run(events,
          EventTypes.defaults(), RandomExposureRun.Options.defaults("no-such-surface", 1, 0.5, 0.05, 1), Device.cpu(),
          m -> { }));
      assertTrue(none.getMessage().contains("no events on surface 'no-such-surface'"), none.getMessage());
      IllegalArgumentException sample = assertThrows(IllegalArgumentException.class, () -> RandomExposureRun.run(
          events, EventTypes.defaults(), new RandomExposureRun.Options("explore", 1, 1, "naive-bayes", 0.5, 0.05, 0, 1),
          Device.cpu(), m -> { }));
      assertTrue(sample.getMessage().contains("naive Bayes propensities need a random sample"), sample.getMessage());
    }
  }

  private static JsonObject find(JsonObject run, String model, String objective) {
    for (Object o : run.getJsonArray("results")) {
      JsonObject r = (JsonObject) o;
      if (r.getString("model").equals(model) && r.getString("objective").equals(objective)) {
        return r;
      }
    }
    throw new AssertionError(model + " " + objective + " missing from " + run.encode());
  }

  private static Set<String> pairs(ExplicitLog.Pairs p) {
    Set<String> out = new HashSet<>();
    for (int k = 0; k < p.size(); k++) {
      out.add(p.userIds()[k] + "/" + p.itemIds()[k]);
    }
    return out;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new HashSet<>(a);
    out.addAll(b);
    return out;
  }
}
