package org.causalrec.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Interactions;
import org.causalrec.ingest.IngestService;
import org.causalrec.model.MultVae;
import org.causalrec.store.ArtifactRepository;
import org.causalrec.store.ModelRepository;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving Mult-VAE over the real registry and real artifacts: the newest version that loads
 * and passes its check serves with the catalogue's titles and categories; a corrupt artifact, an
 * item index the model does not match and a version without artifact are refused and reported,
 * and the previous version keeps serving.
 */
@TestDatabase
class MultVaeServingTest {

  @TempDir
  static Path dir;

  static StoreHandle store;
  static IdIndex items;
  static String good;
  static String newestGood;
  static String corrupt;
  static String mismatched;
  static String untrained;

  MultVaeServing serving;

  @BeforeAll
  static void start() throws IOException {
    store = StoreHandle.open(TestEnv.config(dir));
    // twelve items; the last is not in the catalogue
    List<String> ids = new ArrayList<>();
    JsonArray catalogue = new JsonArray();
    for (int i = 0; i < 12; i++) {
      ids.add("i" + i);
      if (i < 11) {
        catalogue.add(new JsonObject().put("id", "i" + i).put("title", "Item " + i)
            .put("categories", new JsonArray().add(i % 2 == 0 ? "books" : "music")));
      }
    }
    IngestService.on(store.pool(), TestEnv.config(dir)).upsertItems(catalogue).await();
    items = IdIndex.of(ids);
    Interactions.Builder b = new Interactions.Builder(40, 12);
    for (int u = 0; u < 40; u++) {
      b.add(u, u % 6, 1f).add(u, u % 6 + 6, 1f);
    }
    Path trained = MultVaeArtifacts.train(b.build(), items, dir.resolve("trained"));
    Path models = dir.resolve("models");
    ModelRepository registry = new ModelRepository(store.pool());
    good = MultVaeArtifacts.registerReady(registry, MultVaeArtifacts.copy(trained, models.resolve("good")));
    newestGood = MultVaeArtifacts.registerReady(registry, MultVaeArtifacts.copy(trained, models.resolve("newest")));
    Path broken = MultVaeArtifacts.copy(trained, models.resolve("corrupt"));
    try (Stream<Path> files = Files.list(broken)) {
      Path params = files.filter(p -> p.toString().endsWith(".params")).findFirst().orElseThrow();
      Files.write(params, new byte[] {1, 2, 3, 4});
    }
    corrupt = MultVaeArtifacts.registerReady(registry, broken);
    Path more = MultVaeArtifacts.copy(trained, models.resolve("mismatched"));
    List<String> thirteen = new ArrayList<>(ids);
    thirteen.add("i12");
    IdIndex.of(thirteen).write(more.resolve("items.json"));
    mismatched = MultVaeArtifacts.registerReady(registry, more);
    untrained = registry.startTraining(MultVae.KIND.name(), new JsonObject(), "cpu()").await();
  }

  @AfterAll
  static void stop() {
    store.close();
  }

  @BeforeEach
  void newServing() {
    serving = new MultVaeServing(store.vertx(), store.pool(), new ArtifactRepository(store.vertx(), store.pool(),
        dir.resolve("models")), Device.cpu(), 1);
  }

  @AfterEach
  void closeServing() {
    if (serving != null) {
      serving.close();
    }
  }

  static String refusal(Future<?> f) {
    Throwable t = f.transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause() : null)).await();
    assertTrue(t != null, "expected the version to be refused");
    return t.getMessage();
  }

  @Test
  void theNewestVersionThatLoadsAndPassesItsCheckServesWithTheCataloguesFacts() throws IOException {
    assertNull(serving.version());
    assertEquals(newestGood, serving.loadLatest().await(), "the mismatched and corrupt newer ones are passed over");
    MultVaeVersion m = serving.current();
    assertEquals(items.ids(), m.items().ids());
    for (int i = 0; i < 11; i++) {
      assertEquals("Item " + i, m.titles()[i]);
      assertEquals(List.of(i % 2 == 0 ? "books" : "music"), m.categories().get(i));
    }
    assertNull(m.titles()[11], "an item missing from the catalogue has no title");
    assertEquals(List.of(), m.categories().get(11));

    ScoringQueue.Scored s = serving.queue().score(store.vertx(), List.of("i0", "i6", "not-an-item")).await();
    assertEquals(newestGood, s.model().version());
    Interactions history = new Interactions.Builder(1, 12).add(0, 0, 1f).add(0, 6, 1f).build();
    try (MultVae direct = MultVae.KIND.load(dir.resolve("models").resolve("newest"), Device.cpu())) {
      assertArrayEquals(direct.score(history, 0, 1)[0], s.scores(), 1e-5f, "the artifact's own scores");
    }
    JsonObject status = serving.status();
    assertEquals(newestGood, status.getString("version"));
    assertEquals(Device.cpu().toString(), status.getString("device"));
    assertEquals(1L, status.getLong("forward_passes"));
    assertEquals(1L, status.getLong("histories_scored"));
  }

  @Test
  void aCorruptArtifactIsRefusedAndThePreviousVersionKeepsServing() {
    assertEquals(good, serving.versions().switchTo(good).await());
    String why = refusal(serving.versions().switchTo(corrupt));
    assertTrue(why.contains("corrupt mult-vae parameters"), why);
    assertEquals(good, serving.version());
    assertTrue(serving.status().getString("last_refused").startsWith(corrupt + ": corrupt"),
        serving.status().encode());
    assertEquals(good, serving.queue().score(store.vertx(), List.of("i1")).await().model().version());
    // the registry marks it, so that no later start tries it again
    ModelRepository registry = new ModelRepository(store.pool());
    TestEnv.waitFor(() -> registry.list().await().stream()
        .anyMatch(r -> r.version().equals(corrupt) && r.status().equals("failed")),
        "the corrupt version marked failed");
    ModelRepository.ModelRow row = registry.list().await().stream().filter(r -> r.version().equals(corrupt))
        .findFirst().orElseThrow();
    assertTrue(row.error().startsWith("artifact unreadable: corrupt mult-vae parameters"), row.error());
    assertTrue(registry.ready("mult-vae").await().stream().noneMatch(r -> r.version().equals(corrupt)));
  }

  @Test
  void anItemIndexTheModelDoesNotMatchFailsTheCheck() {
    assertEquals(good, serving.versions().switchTo(good).await());
    assertEquals("sanity check failed: scores have 12 columns, the item index 13",
        refusal(serving.versions().switchTo(mismatched)));
    assertEquals(good, serving.version());
    assertEquals(12, serving.queue().score(store.vertx(), List.of("i1")).await().scores().length);
  }

  @Test
  void aVersionWithoutArtifactOrOfAnotherKindIsRefused() {
    assertEquals(good, serving.versions().switchTo(good).await());
    assertEquals("no artifact recorded", refusal(serving.versions().switchTo(untrained)));
    assertTrue(serving.status().getString("last_refused").startsWith(untrained + ": "));
    String uplift = new ModelRepository(store.pool()).startTraining("uplift", new JsonObject(), "cpu()").await();
    assertEquals("no mult-vae version " + uplift, refusal(serving.versions().switchTo(uplift)));
    serving.offer("uplift", newestGood);
    assertEquals(good, serving.version());
  }

  @Test
  void closingStopsServing() {
    assertEquals(newestGood, serving.loadLatest().await());
    MultVaeServing closed = serving;
    serving = null;
    closed.close();
    // the close is queued on the scoring thread behind any pass in flight
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (closed.version() != null) {
      assertTrue(System.nanoTime() < deadline, "the serving version was never released");
      Thread.onSpinWait();
    }
    assertNull(closed.current());
  }
}
