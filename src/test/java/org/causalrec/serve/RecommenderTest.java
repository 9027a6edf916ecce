package org.causalrec.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.causalrec.data.FeatureStore;
import org.causalrec.data.Feedback;
import org.causalrec.ingest.IngestService;
import org.causalrec.store.EventRepository;
import org.causalrec.store.ArtifactRepository;
import org.causalrec.store.ModelRepository;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recommendations from a real Mult-VAE version over a hand-made log whose popularity is known:
 * item {@code ij} has 24 - 2j positive users (i0 24 ... i11 2), alice clicked i3, saw i7, clicked
 * i5, put i3 in her cart, bought i9 and rated i2 2 of 5 (consumed, not liked); newbie arrived after
 * training with a click on the new item i12 and a low rating of i0. Histories read from the
 * database and from a feature store (loaded up to alice's second click, the later events applied as
 * this node committed them, as a serving node applies its own writes) must agree.
 */
@TestDatabase
class RecommenderTest {

  @TempDir
  static Path dir;

  static StoreHandle store;
  static Config config;
  static String version;
  static MultVaeServing serving;
  static MultVaeServing noModel;
  /** Reads histories from PostgreSQL (its feature store never loaded). */
  static Recommender fromLog;
  /** Reads histories from a feature store loaded up to alice's second click, later events applied at commit. */
  static Recommender fromStore;
  static Recommender withoutModel;
  /** Its commits reach fromStore's feature store. */
  static IngestService ingest;

  static JsonObject event(String user, String item, String type) {
    return new JsonObject().put("user_id", user).put("item_id", item).put("type", type);
  }

  @BeforeAll
  static void start() throws IOException {
    config = TestEnv.config(dir);
    store = StoreHandle.open(config);
    ingest = IngestService.on(store.pool(), config);
    JsonArray catalogue = new JsonArray();
    for (int j = 0; j <= 12; j++) {
      catalogue.add(new JsonObject().put("id", "i" + j).put("title", "Item " + j)
          .put("categories", new JsonArray().add(j % 2 == 0 ? "books" : "music")));
    }
    ingest.upsertItems(catalogue).await();
    JsonArray crowd = new JsonArray();
    for (int j = 0; j < 12; j++) {
      for (int k = 0; k < 24 - 2 * j; k++) {
        crowd.add(event("p" + k, "i" + j, "click"));
      }
    }
    ingest.ingestEvents(crowd).await();
    // one at a time, so their ids are in this order
    for (JsonObject e : List.of(event("alice", "i3", "click"), event("alice", "i7", "impression"),
        event("alice", "i5", "click"))) {
      ingest.ingestEvents(new JsonArray().add(e)).await();
    }
    EventRepository events = new EventRepository(store.pool());
    FeatureStore features = new FeatureStore(config);
    long aliceSecondClick = store.pool().query("SELECT id FROM events WHERE user_id = 'alice' AND item_id = 'i5'")
        .execute().await().iterator().next().getLong(0);
    features.load(events, aliceSecondClick);
    assertTrue(features.ready());
    ingest.onCommitted(features::applyCommitted);
    for (JsonObject e : List.of(event("alice", "i3", "add_to_cart"), event("alice", "i9", "purchase"),
        event("alice", "i2", "rating").put("value", 2))) {
      ingest.ingestEvents(new JsonArray().add(e)).await();
    }
    Feedback fb = Feedback.load(events, config.eventTypes());
    Path artifact = MultVaeArtifacts.train(fb.matrix(), fb.items(), dir.resolve("models").resolve("trained"));
    version = MultVaeArtifacts.registerReady(new ModelRepository(store.pool()), artifact);
    ingest.ingestEvents(new JsonArray().add(event("newbie", "i12", "click"))
        .add(event("newbie", "i0", "rating").put("value", 2))).await();

    serving = new MultVaeServing(store.vertx(), store.pool(), new ArtifactRepository(store.vertx(), store.pool(),
        dir.resolve("models")), Device.cpu(), 1);
    assertEquals(version, serving.loadLatest().await());
    noModel = new MultVaeServing(store.vertx(), store.pool(), new ArtifactRepository(store.vertx(), store.pool(),
        dir.resolve("models")), Device.cpu(), 1);
    fromLog = new Recommender(store.vertx(), store.pool(), serving, new FeatureStore(config), config);
    fromStore = new Recommender(store.vertx(), store.pool(), serving, features, config);
    withoutModel = new Recommender(store.vertx(), store.pool(), noModel, new FeatureStore(config), config);
  }

  @AfterAll
  static void stop() {
    serving.close();
    noModel.close();
    store.close();
  }

  static List<String> ids(JsonObject response) {
    List<String> out = new ArrayList<>();
    response.getJsonArray("items").forEach(o -> out.add(((JsonObject) o).getString("id")));
    return out;
  }

  static List<Double> scores(JsonObject response) {
    List<Double> out = new ArrayList<>();
    response.getJsonArray("items").forEach(o -> out.add(((JsonObject) o).getDouble("score")));
    return out;
  }

  @Test
  void aHistoryIsThePositiveItemsOldestFirstAndConsumedItemsAreThoseOfTheExcludeTypes() {
    for (Recommender r : List.of(fromLog, fromStore)) {
      Recommender.UserFeatures alice = r.features("alice").await();
      assertEquals(List.of("i5", "i3", "i9"), alice.history(), "the cart moves i3 after i5; impressions and"
          + " a low rating are not liked");
      assertEquals(Set.of("i2", "i3", "i5", "i9"), alice.consumed());
      Recommender.UserFeatures newbie = r.features("newbie").await();
      assertEquals(List.of("i12"), newbie.history());
      assertEquals(Set.of("i12", "i0"), newbie.consumed());
      assertEquals(new Recommender.UserFeatures(List.of(), Set.of()), r.features("stranger").await());
    }
  }

  @Test
  void aUserTheModelKnowsGetsItsBestScoresWithoutConsumedOrExcludedItems() {
    JsonObject r = fromLog.recommend("alice", 4, null, Set.of("i0", "not-an-item")).await();
    assertEquals("alice", r.getString("user_id"));
    assertEquals(version, r.getString("model_version"));
    List<String> ids = ids(r);
    assertEquals(4, ids.size());
    Set<String> left = Set.of("i0", "i2", "i3", "i5", "i9");
    ids.forEach(id -> assertFalse(left.contains(id), id + " was consumed or excluded"));
    float[] model = serving.queue().score(store.vertx(), List.of("i5", "i3", "i9")).await().scores();
    MultVaeVersion m = serving.current();
    List<Double> scores = scores(r);
    for (int k = 0; k < ids.size(); k++) {
      JsonObject it = r.getJsonArray("items").getJsonObject(k);
      assertEquals(model[m.items().indexOf(ids.get(k))], scores.get(k), 1e-6, "the model's own score");
      assertTrue(k == 0 || scores.get(k) <= scores.get(k - 1), "sorted by score: " + scores);
      assertEquals("Item " + ids.get(k).substring(1), it.getString("title"));
      assertEquals("mult-vae", it.getString("scored_by"));
      assertEquals("liked by users with a history like your 3 recent items", it.getString("reason"));
    }
    for (String id : m.items().ids()) {
      if (!left.contains(id) && !ids.contains(id)) {
        assertTrue(model[m.items().indexOf(id)] <= scores.get(3), id + " scores above the last recommended");
      }
    }
    assertFalse(r.getBoolean("cached"), "nothing read from PostgreSQL is cached");
    JsonObject same = fromStore.recommend("alice", 4, null, Set.of("i0", "not-an-item")).await();
    same.remove("cached");
    r.remove("cached");
    assertEquals(r, same, "the same answer from the feature store");
  }

  @Test
  void aCategoryKeepsOnlyItsItemsEvenWhenFewerThanAskedFor() {
    JsonObject r = fromLog.recommend("alice", 10, "books", Set.of()).await();
    assertEquals(version, r.getString("model_version"));
    assertEquals(Set.of("i0", "i4", "i6", "i8", "i10"), new HashSet<>(ids(r)), "the books alice did not consume");
  }

  @Test
  void usersTheModelCannotPlaceGetTheMostPopularItemsTheyHaveNotConsumed() {
    for (Recommender rec : List.of(fromLog, fromStore)) {
      JsonObject stranger = rec.recommend("stranger", 3, null, Set.of()).await();
      assertNull(stranger.getString("model_version"));
      assertEquals(List.of("i0", "i1", "i2"), ids(stranger));
      assertEquals(List.of(24.0, 22.0, 20.0), scores(stranger), "distinct users with positive feedback");
      stranger.getJsonArray("items").forEach(o -> assertEquals("popular", ((JsonObject) o).getString("reason")));
      assertEquals(List.of("i1", "i3", "i5"), ids(rec.recommend("stranger", 3, "music", Set.of()).await()));
      assertEquals(List.of("i0", "i2", "i4"), ids(rec.recommend("stranger", 3, null, Set.of("i1", "i3")).await()));
      JsonObject newbie = rec.recommend("newbie", 3, null, Set.of()).await();
      assertNull(newbie.getString("model_version"), "i12 is unknown to the model");
      assertEquals(List.of("i1", "i2", "i3"), ids(newbie), "i0 was rated, so consumed");
    }
  }

  @Test
  void withoutAModelEveryoneGetsPopularItems() {
    JsonObject r = withoutModel.recommend("alice", 3, null, Set.of()).await();
    assertNull(r.getString("model_version"));
    assertEquals(List.of("i0", "i1", "i4"), ids(r), "without what alice consumed");
  }

  @Test
  void aListIsServedFromTheCacheUntilTheUsersNextEventWhichChangesTheNextAnswerAtOnce() {
    ingest.ingestEvents(new JsonArray().add(event("carol", "i1", "click")).add(event("carol", "i4", "click")))
        .await();
    JsonObject first = fromStore.recommend("carol", 3, null, Set.of()).await();
    assertEquals(version, first.getString("model_version"));
    assertFalse(first.getBoolean("cached"));
    JsonObject again = fromStore.recommend("carol", 2, null, Set.of()).await();
    assertTrue(again.getBoolean("cached"), "the same user, category and surface: no fold-in");
    assertEquals(ids(first).subList(0, 2), ids(again));
    assertFalse(fromStore.recommend("carol", 3, "books", Set.of()).await().getBoolean("cached"),
        "another category is another list");
    assertFalse(fromLog.recommend("carol", 3, null, Set.of()).await().getBoolean("cached"));
    assertFalse(fromLog.recommend("carol", 3, null, Set.of()).await().getBoolean("cached"),
        "histories read from PostgreSQL are never cached");
    // carol clicks the first item: the click is an exclude type, so the next answer drops it at once
    String top = ids(first).get(0);
    ingest.ingestEvents(new JsonArray().add(event("carol", top, "click"))).await();
    JsonObject after = fromStore.recommend("carol", 3, null, Set.of()).await();
    assertFalse(after.getBoolean("cached"), "the user's event made the cached list stale");
    assertFalse(ids(after).contains(top), top + " was just clicked: " + after.encode());
    assertTrue(fromStore.recommend("carol", 3, null, Set.of()).await().getBoolean("cached"));
  }
}
