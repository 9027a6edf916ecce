package org.causalrec.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.MessageConsumer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.causalrec.Server;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.causalrec.ingest.EventBatch;
import org.causalrec.ingest.EventTailer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer whose transaction commits late must not be skipped by the tailer: ids become visible
 * in id order because writers serialise on the insert lock.
 */
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

  @Test
  void aSlowTransactionIsNotOvertakenByALaterOne() throws Exception {
    try (Server.Store store = Server.Store.open(TestEnv.config(dir))) {
      EventRepository repo = new EventRepository(store.pool());
      List<Long> seen = new CopyOnWriteArrayList<>();
      MessageConsumer<EventBatch> consumer = store.vertx().eventBus().consumer(EventTailer.ADDRESS,
          m -> m.body().events().forEach(e -> seen.add(e.id())));
      consumer.completion().await();
      String tailer = store.vertx().deployVerticle(new EventTailer(repo, new CursorRepository(store.pool()),
          store.database().connectOptions(), new Config.StreamConfig("ordering", 100, 20))).await();

      Promise<Void> releaseSlow = Promise.promise();
      Future<EventRepository.InsertResult> slow = repo.insert(events("slow", 5), releaseSlow::future);
      Thread.sleep(200); // the slow writer now holds its transaction open
      Future<EventRepository.InsertResult> fast = repo.insert(events("fast", 5));
      Thread.sleep(500); // the tailer polls every 20 ms meanwhile
      releaseSlow.complete();
      assertEquals(5, slow.await().accepted());
      assertEquals(5, fast.await().accepted());

      List<Long> all = new ArrayList<>();
      store.pool().query("SELECT id FROM events ORDER BY id").execute().await().forEach(r -> all.add(r.getLong(0)));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (seen.size() < all.size() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(200);
      assertEquals(all, seen, "every committed event delivered once, in id order");
      store.vertx().undeploy(tailer).await();
      consumer.unregister().await();
    }
  }
}
