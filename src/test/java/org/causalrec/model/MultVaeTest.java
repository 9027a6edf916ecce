package org.causalrec.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.data.Feedback;
import org.causalrec.data.Interactions;
import org.causalrec.eval.HoldoutEvaluator;
import org.causalrec.eval.HoldoutSplit;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.CatalogRepository;
import org.causalrec.store.EventRepository;
import org.causalrec.store.Item;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real DJL training on the tiny simulated world, read back from a real PostgreSQL. */
@TestDatabase
class MultVaeTest {

  /** The tiny world's shape with more users, so that a small network has something to learn. */
  static final WorldSpec WORLD = new WorldSpec("test", 800, 120, 8, 4, 6, 0.1, 1.0);

  @TempDir
  static Path dir;

  static Feedback feedback;
  static List<Item> catalogue;
  static HoldoutSplit split;
  static MultVae vae;
  static final List<TrainingLoop.Epoch> reports = new ArrayList<>();

  @BeforeAll
  static void trainOnTheTinyWorld() {
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir))) {
      TestEnv.simulate(store, WORLD, 5, dir.resolve("truth"));
      feedback = Feedback.load(new EventRepository(store.pool()), TestEnv.config(dir).eventTypes());
      catalogue = new CatalogRepository(store.pool()).items(1_000, 0).await();
    }
    split = HoldoutSplit.strongGeneralization(feedback.matrix(), 100, 0.8, 1);
    MultVaeParams p = new MultVaeParams(128, 32, 0.5f, 0.2f, 1000, 1e-3f, 64, 60, 7);
    vae = MultVae.KIND.train(new MultVae.Data(split.train(), Objective.NAIVE, null,
        m -> HoldoutEvaluator.evaluate(m, split.valFoldIn(), split.valTarget()).get("ndcg@100")), p, Device.cpu(),
        reports::add);
  }

  @AfterAll
  static void close() {
    vae.close();
  }

  @Test
  void theLossFallsAndTheModelBeatsPopularityOnHeldOutUsers() {
    assertEquals(60, reports.size());
    double first = reports.get(0).loss();
    double last = reports.get(reports.size() - 1).loss();
    assertTrue(last < 0.9 * first, "loss " + first + " -> " + last);
    Map<String, Double> vaeTest = HoldoutEvaluator.evaluate(vae, split.testFoldIn(), split.testTarget());
    Map<String, Double> popTest = HoldoutEvaluator.evaluate(Popularity.fit(split.train()), split.testFoldIn(),
        split.testTarget());
    assertTrue(vaeTest.get("users") >= 90);
    assertTrue(vaeTest.get("ndcg@100") > popTest.get("ndcg@100") + 0.02,
        "Mult-VAE " + vaeTest + " vs popularity " + popTest);
  }

  @Test
  void aBrandNewUserGetsItemsLikeTheirHistoryByFoldIn() {
    // Users never seen in training: one bought five outdoors items, one five books.
    int outdoorsForOutdoorsUser = categoryHitsInTop10("outdoors", "outdoors");
    int outdoorsForBooksUser = categoryHitsInTop10("books", "outdoors");
    int booksForBooksUser = categoryHitsInTop10("books", "books");
    int booksForOutdoorsUser = categoryHitsInTop10("outdoors", "books");
    // About 1 item in 8 is of a given category: fold-in must follow the history, well above that.
    assertTrue(outdoorsForOutdoorsUser >= 3 && outdoorsForOutdoorsUser > outdoorsForBooksUser,
        "outdoors items: " + outdoorsForOutdoorsUser + " for the outdoors user, " + outdoorsForBooksUser
            + " for the books user");
    assertTrue(booksForBooksUser >= 3 && booksForBooksUser > booksForOutdoorsUser,
        "books items: " + booksForBooksUser + " for the books user, " + booksForOutdoorsUser
            + " for the outdoors user");
  }

  /** Items of {@code counted} in the top 10 for a new user with five items of {@code history}. */
  private static int categoryHitsInTop10(String history, String counted) {
    List<Integer> bought = new ArrayList<>();
    for (Item it : catalogue) {
      int col = feedback.items().indexOf(it.id());
      if (col >= 0 && it.categories().get(0).equals(history) && bought.size() < 5) {
        bought.add(col);
      }
    }
    Interactions.Builder b = new Interactions.Builder(1, feedback.matrix().items());
    bought.forEach(i -> b.add(0, i, 1f));
    float[] scores = vae.score(b.build(), 0, 1)[0];
    boolean[] seen = new boolean[scores.length];
    bought.forEach(i -> seen[i] = true);
    int hits = 0;
    for (int col : TopK.of(scores, 10, seen)) {
      String id = feedback.items().id(col);
      if (catalogue.stream().anyMatch(it -> it.id().equals(id) && it.categories().contains(counted))) {
        hits++;
      }
    }
    return hits;
  }

  @Test
  void savedModelsLoadToTheSameScoresAndCorruptOnesAreRefused() throws Exception {
    Path saved = dir.resolve("model");
    vae.save(saved);
    try (MultVae again = MultVae.KIND.load(saved, Device.cpu())) {
      assertArrayEquals(vae.score(split.testFoldIn(), 0, 5)[3], again.score(split.testFoldIn(), 0, 5)[3], 1e-6f);
    }
    Path params;
    try (var files = Files.list(saved)) {
      params = files.filter(f -> f.getFileName().toString().endsWith(".params")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(params);
    Files.write(params, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThrows(java.io.IOException.class, () -> MultVae.KIND.load(saved, Device.cpu()));
  }

  @Test
  void scoringAttachesNothingToTheModelsManager() throws Exception {
    int before = resources(vae.manager());
    for (int k = 0; k < 100; k++) {
      vae.score(split.testFoldIn(), 0, Math.min(7, split.testFoldIn().users()));
    }
    assertEquals(before, resources(vae.manager()), "NDArrays left behind by 100 scoring calls");
  }

  static int resources(NDManager m) throws Exception {
    Field f = BaseNDManager.class.getDeclaredField("resources");
    f.setAccessible(true);
    return ((Map<?, ?>) f.get(m)).size();
  }

  @Test
  void aFewHistoriesScoredThroughTheSparseFirstLayerGetTheDenseNetworksScores() {
    Interactions all = split.train();
    assertTrue(java.util.Arrays.stream(all.itemCounts()).filter(c -> c > 0).count() * 2 >= all.items(),
        "the whole training matrix takes the dense path");
    float[][] dense = vae.score(all, 0, all.users());
    int checked = 0;
    for (int u = 0; u < all.users(); u += 17) {
      if (all.rowLength(u) * 2 >= all.items()) {
        continue;
      }
      float[] sparse = vae.score(all, u, u + 1, 0)[0]; // one history: far fewer columns than items
      assertArrayEquals(dense[u], sparse, 1e-4f, "user " + u);
      checked++;
    }
    assertTrue(checked >= 5, "compared " + checked + " users");
  }

  @Test
  void theSparseFirstLayerAttachesNothingToTheModelsManager() throws Exception {
    int before = resources(vae.manager());
    for (int k = 0; k < 100; k++) {
      vae.score(split.train(), k, k + 1, 0);
    }
    assertEquals(before, resources(vae.manager()), "NDArrays left behind by 100 one-history fold-ins");
  }
}
