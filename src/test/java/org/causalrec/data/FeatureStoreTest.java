package org.causalrec.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.causalrec.ingest.IngestService;
import org.causalrec.config.Config;
import org.causalrec.store.StoreHandle;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.ingest.EventBatch;
import org.causalrec.store.Event;
import org.junit.jupiter.api.Test;

@TestDatabase
class FeatureStoreTest {

  private static long id = 0;

  private static Event event(String user, String item, String type, Double value) {
    return new Event(++id, null, user, item, type, value, Instant.EPOCH, null, null, null, null, null);
  }

  @Test
  void keepsHistoriesConsumedItemsAndPopularityFromTheStream() {
    FeatureStore fs = new FeatureStore(TestEnv.config(Path.of("unused")));
    List<Event> batch = new ArrayList<>(List.of(
        event("a", "i1", "impression", null),
        event("a", "i2", "click", null),
        event("a", "i3", "rating", 2.0),
        event("a", "i4", "rating", 5.0),
        event("b", "i2", "purchase", null),
        event("a", "i2", "click", null)));
    assertFalse(fs.ready(), "not ready before its load");
    fs.accept(new EventBatch(batch)); // arrives while loading: waits
    assertEquals(List.of(), fs.history("a"));
    fs.load(null, 0); // nothing stored yet: the load only drains what waited
    assertTrue(fs.ready());
    assertEquals(List.of("i4", "i2"), fs.history("a"), "positives only, most recent last, no repeats");
    assertEquals(Set.of("i2", "i3", "i4"), fs.consumed("a"), "consumed: clicks, purchases, ratings");
    assertEquals(List.of(), fs.history("nobody"));
    assertEquals("i2", fs.popular(1).get(0).getKey());
    assertEquals(2, fs.popular(1).get(0).getValue(), "distinct users, not events");
    // a replayed batch (ids already applied) changes nothing
    fs.apply(new EventBatch(batch));
    assertEquals(2, fs.popular(5).get(0).getValue());
    assertEquals(2, fs.popular(5).size());
  }

  @Test
  void bulkLoadAndStreamOverlapWithoutDoubleCounting(@org.junit.jupiter.api.io.TempDir Path dir) {
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir))) {
      io.vertx.core.json.JsonArray batch = new io.vertx.core.json.JsonArray();
      for (int k = 0; k < 12; k++) {
        batch.add(TestEnv.click("e" + k, "u" + (k % 3), "i" + k));
      }
      IngestService.on(store.pool(), Config.defaults()).ingestEvents(batch).await();
      org.causalrec.store.EventRepository events = new org.causalrec.store.EventRepository(store.pool());
      List<Event> stored = events.scan(0, 100).await();
      FeatureStore fs = new FeatureStore(TestEnv.config(dir));
      // the stream delivers ids 9..12 while the bulk load (up to id 10) is still running
      fs.accept(new EventBatch(stored.subList(8, 12)));
      fs.load(events, stored.get(9).id());
      assertTrue(fs.ready());
      assertEquals(12, fs.lastEventId());
      assertEquals(List.of("i0", "i3", "i6", "i9"), fs.history("u0"));
      assertEquals(12, fs.popular(100).size(), "each item counted once");
      assertTrue(fs.popular(100).stream().allMatch(e -> e.getValue() == 1));
    }
  }

  @Test
  void historiesAreCapped() {
    FeatureStore fs = new FeatureStore(TestEnv.config(Path.of("unused")));
    List<Event> batch = new ArrayList<>();
    for (int k = 0; k < FeatureStore.HISTORY + 20; k++) {
      batch.add(event("heavy", "item-" + k, "click", null));
    }
    fs.apply(new EventBatch(batch));
    List<String> h = fs.history("heavy");
    assertEquals(FeatureStore.HISTORY, h.size());
    assertEquals("item-" + (FeatureStore.HISTORY + 19), h.get(h.size() - 1));
    assertEquals("item-20", h.get(0));
  }
}
