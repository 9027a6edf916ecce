package org.causalrec.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Event batches written with COPY: stored as given with the ids reported, duplicates through the insert. */
@TestDatabase(perMethod = true)
class EventCopyTest {

  @TempDir
  Path dir;

  private static Event event(String id, String user, String item, Instant ts) {
    return new Event(null, id, user, item, "click", id == null ? 4.5 : null, ts, 3, "home", true, 0.25, "vae-1");
  }

  private static List<Event> stored(StoreHandle store) {
    List<Event> out = new ArrayList<>();
    new EventRepository(store.pool()).forEachBlocking(out::add);
    return out;
  }

  @Test
  void aCopiedBatchIsStoredAsGivenWithTheIdsItReports() {
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir))) {
      EventRepository repo = new EventRepository(store.pool(), store.copy());
      // nanoseconds the database cannot keep, a user and an item seen for the first time, no event id
      Instant ts = Instant.parse("2026-05-01T10:00:00.123456789Z");
      List<Event> batch = List.of(event("a", "u1", "i1", ts), event("b", "u2", "i1", ts), event(null, "u1", "i2", ts),
          new Event(null, "c", "u3", "i3", "impression", null, ts, null, null, null, null, null));
      EventRepository.InsertResult r = repo.insert(batch).await();
      assertEquals(4, r.accepted());
      assertEquals(List.of(), r.duplicateEventIds());
      assertEquals(4, r.unknownItemEvents(), "no item is in the catalogue");
      assertEquals(stored(store), r.stored(), "reported exactly as stored, ids included");
      assertEquals(Instant.parse("2026-05-01T10:00:00.123456Z"), r.stored().get(0).ts());
      long users = store.pool().query("SELECT count(*) FROM users WHERE id IN ('u1', 'u2', 'u3')").execute().await()
          .iterator().next().getLong(0);
      assertEquals(3, users);
    }
  }

  @Test
  void aBatchHoldingAStoredEventIdStoresOnlyTheNewOnesOnce() {
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir))) {
      EventRepository repo = new EventRepository(store.pool(), store.copy());
      Instant ts = Instant.parse("2026-05-01T10:00:00Z");
      repo.insert(List.of(event("a", "u1", "i1", ts), event("b", "u1", "i2", ts))).await();
      EventCopy.Outcome direct = store.copy().copy(List.of(event("b", "u1", "i2", ts), event("c", "u1", "i3", ts)),
          java.util.Set.of()).await();
      assertTrue(direct.duplicates(), "COPY refuses the whole batch");
      assertEquals(2, stored(store).size(), "and stores nothing of it");

      EventRepository.InsertResult r = repo.insert(List.of(event("b", "u1", "i2", ts), event("c", "u1", "i3", ts),
          event("c", "u1", "i3", ts))).await();
      assertEquals(1, r.accepted());
      assertEquals(List.of("b", "c"), r.duplicateEventIds(), "the stored one, and the repeat within the batch");
      assertEquals(List.of("a", "b", "c"), stored(store).stream().map(Event::eventId).toList());
    }
  }

  @Test
  void copyingAfterTheInsertKeepsIdsIncreasing() {
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir))) {
      Instant ts = Instant.parse("2026-05-01T10:00:00Z");
      new EventRepository(store.pool()).insert(List.of(event("a", "u1", "i1", ts))).await();
      EventRepository.InsertResult r = new EventRepository(store.pool(), store.copy())
          .insert(List.of(event("b", "u1", "i1", ts), event("c", "u1", "i1", ts))).await();
      new EventRepository(store.pool()).insert(List.of(event("d", "u1", "i1", ts))).await();
      List<Long> ids = stored(store).stream().map(Event::id).toList();
      assertEquals(4, ids.size());
      for (int k = 1; k < ids.size(); k++) {
        assertTrue(ids.get(k) > ids.get(k - 1), ids.toString());
      }
      assertEquals(List.of(ids.get(1), ids.get(2)), r.stored().stream().map(Event::id).toList());
    }
  }
}
