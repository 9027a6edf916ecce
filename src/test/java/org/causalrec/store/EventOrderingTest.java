package org.causalrec.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import io.vertx.core.eventbus.MessageConsumer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.causalrec.ingest.EventBatch;
import org.causalrec.ingest.EventTailer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers commit concurrently, so ids become visible out of order: the tailer must still deliver
 * every committed event once, in id order, and skip only ids that will never commit.
 */
@TestDatabase(perMethod = true)
class EventOrderingTest {

  @TempDir
  Path dir;

  private static List<Event> events(String user, int n) {
    List<Event> out = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      out.add(new Event(null, null, user, "item-" + k, "click", null, Instant.now(), null, null, null, null, null));
    }
    return out;
  }

  /** A store with a tailer whose deliveries land in {@code seen}. */
  private record Tailed(StoreHandle store, EventRepository repo, List<Long> seen) implements AutoCloseable {
    static Tailed open(Path dir) {
      StoreHandle store = StoreHandle.open(TestEnv.config(dir));
      EventRepository repo = new EventRepository(store.pool());
      List<Long> seen = new CopyOnWriteArrayList<>();
      MessageConsumer<EventBatch> consumer = store.vertx().eventBus().consumer(EventTailer.ADDRESS,
          m -> m.body().events().forEach(e -> seen.add(e.id())));
      consumer.completion().await();
      store.vertx().deployVerticle(new EventTailer(repo, new CursorRepository(store.pool()),
          store.database().connectOptions(), new Config.StreamConfig("ordering", 100, 20))).await();
      return new Tailed(store, repo, seen);
    }

    List<Long> storedIds() {
      List<Long> all = new ArrayList<>();
      store.pool().query("SELECT id FROM events ORDER BY id").execute().await().forEach(r -> all.add(r.getLong(0)));
      return all;
    }

    /** Waits until the tailer has delivered every stored id, then checks order and completeness. */
    void assertAllDeliveredInOrder() throws InterruptedException {
      List<Long> all = storedIds();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (seen.size() < all.size() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(200);
      assertEquals(all, seen, "every committed event delivered once, in id order");
    }

    @Override
    public void close() {
      store.close();
    }
  }

  @Test
  void aSlowTransactionIsNotOvertakenByALaterOne() throws Exception {
    try (Tailed t = Tailed.open(dir)) {
      EventRepository repo = t.repo();

      Promise<Void> releaseSlow = Promise.promise();
      Future<EventRepository.InsertResult> slow = repo.insert(events("slow", 5), releaseSlow::future);
      Thread.sleep(200); // the slow writer now holds its transaction open
      Future<EventRepository.InsertResult> fast = repo.insert(events("fast", 5));
      Thread.sleep(500); // the tailer polls every 20 ms meanwhile
      releaseSlow.complete();
      assertEquals(5, slow.await().accepted());
      assertEquals(5, fast.await().accepted());
      t.assertAllDeliveredInOrder();
    }
  }

  /**
   * The hard case: the gap's owner took its transaction id after the writer that overtakes it, so
   * it is not below the snapshot's xmax when the gap is seen. Writers follow the protocol of
   * {@link EventRepository#insert}: transaction id first, then event ids.
   */
  @Test
  void aGapOwnedByAYoungerTransactionIsWaitedFor() throws Exception {
    try (Tailed t = Tailed.open(dir)) {
      String insert = "INSERT INTO events (user_id, item_id, type, ts) VALUES ($1, 'i', 'click', now())";
      SqlConnection fast = t.store().pool().getConnection().await();
      SqlConnection slow = t.store().pool().getConnection().await();
      try {
        fast.query("BEGIN").execute().compose(v -> fast.query("SELECT pg_current_xact_id()").execute()).await();
        slow.query("BEGIN").execute().compose(v -> slow.query("SELECT pg_current_xact_id()").execute())
            .compose(v -> slow.preparedQuery(insert).execute(Tuple.of("slow"))).await();
        fast.preparedQuery(insert).execute(Tuple.of("fast")).compose(v -> fast.query("COMMIT").execute()).await();
        Thread.sleep(400); // the tailer polls every 20 ms and sees id 2 with id 1 missing
        assertEquals(List.of(), t.seen(), "nothing passes the gap while its owner is in flight");
        slow.query("COMMIT").execute().await();
        t.assertAllDeliveredInOrder();
        assertEquals(2, t.seen().size());
      } finally {
        fast.close().await();
        slow.close().await();
      }
    }
  }

  @Test
  void gapsLeftByDuplicatesAndRollbacksAreSkipped() throws Exception {
    try (Tailed t = Tailed.open(dir)) {
      List<Event> batch = new ArrayList<>();
      for (int k = 0; k < 5; k++) {
        batch.add(new Event(null, "dup-" + k, "u", "i", "click", null, Instant.now(), null, null, null, null, null));
      }
      t.repo().insert(batch).await();
      assertEquals(0, t.repo().insert(batch).await().accepted(), "the re-send burns 5 ids");
      Future<EventRepository.InsertResult> rolledBack = t.repo().insert(events("rollback", 3),
          () -> Future.failedFuture("abort"));
      assertTrue(rolledBack.transform(ar -> Future.succeededFuture(ar.failed())).await(), "the insert rolled back");
      assertEquals(0L, t.store().pool().query("SELECT count(*) FROM users WHERE id = 'rollback'").execute().await()
          .iterator().next().getLong(0), "the rolled-back batch created no user");
      t.repo().insert(events("after", 4)).await();
      t.assertAllDeliveredInOrder();
      assertEquals(9, t.seen().size());
      assertTrue(t.seen().get(8) > 13, "ids past the burnt ones were delivered: " + t.seen());
    }
  }
}
