package org.causalrec.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.causalrec.store.StoreHandle;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.causalrec.store.CursorRepository;
import org.causalrec.store.EventRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tailer against a real PostgreSQL: NOTIFY wake-ups, persisted cursor, restarts, concurrent writers. */
@TestDatabase
class EventTailerTest {

  @TempDir
  static Path dir;

  static StoreHandle store;
  static EventRepository events;
  static CursorRepository cursors;

  final List<Long> seen = new CopyOnWriteArrayList<>();
  MessageConsumer<EventBatch> consumer;

  @BeforeAll
  static void open() {
    store = StoreHandle.open(TestEnv.config(dir));
    events = new EventRepository(store.pool());
    cursors = new CursorRepository(store.pool());
  }

  @AfterAll
  static void close() {
    store.close();
  }

  @BeforeEach
  void listen() {
    consumer = store.vertx().eventBus().consumer(EventTailer.ADDRESS,
        m -> m.body().events().forEach(e -> seen.add(e.id())));
    consumer.completion().await();
  }

  @AfterEach
  void unlisten() {
    consumer.unregister().await();
  }

  private EventTailer tailer(String cursor, int batchSize, long pollMs) {
    return new EventTailer(events, cursors, store.database().connectOptions(),
        new Config.StreamConfig(cursor, batchSize, pollMs));
  }

  private static void ingest(String prefix, int n) {
    JsonArray batch = new JsonArray();
    for (int k = 0; k < n; k++) {
      batch.add(TestEnv.click(prefix + "-" + k, "user-" + (k % 7), "item-" + k));
    }
    assertEquals(n, IngestService.on(store.pool(), Config.defaults()).ingestEvents(batch).await().accepted());
  }

  private static List<Long> allIds() {
    List<Long> ids = new ArrayList<>();
    store.pool().query("SELECT id FROM events ORDER BY id").execute().await().forEach(r -> ids.add(r.getLong(0)));
    return ids;
  }

  @Test
  void aRestartResumesAfterTheLastDeliveredIdAndMissesNothing() throws Exception {
    // A long poll interval: only NOTIFY can wake it in time.
    String first = store.vertx().deployVerticle(tailer("restart", 7, 60_000)).await();
    ingest("before", 10);
    ingest("before2", 10);
    ingest("before3", 10);
    int total = allIds().size();
    TestEnv.waitFor(() -> seen.size() == total, Duration.ofSeconds(20), total + " events before the stop");
    store.vertx().undeploy(first).await();
    long cursorAtStop = cursors.load("restart").await();
    assertEquals(allIds().get(total - 1), cursorAtStop, "the cursor is persisted at the last delivered id");

    ingest("while-stopped", 25);
    Thread.sleep(300);
    assertEquals(total, seen.size(), "nothing is delivered while the tailer is stopped");

    String second = store.vertx().deployVerticle(tailer("restart", 7, 60_000)).await();
    List<Long> expected = allIds();
    TestEnv.waitFor(() -> seen.size() >= expected.size(), Duration.ofSeconds(20),
        expected.size() + " events after the restart");
    Thread.sleep(200);
    assertEquals(expected, seen, "every id exactly once, in order");
    store.vertx().undeploy(second).await();
  }

  @Test
  void concurrentWritersNeverLetTheCursorSkipALateCommit() throws Exception {
    String id = store.vertx().deployVerticle(tailer("concurrent", 50, 60_000)).await();
    List<Future<IngestService.EventsResult>> writes = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      JsonArray batch = new JsonArray();
      for (int k = 0; k < 150; k++) {
        batch.add(TestEnv.click(null, "writer-" + w, "item-" + k));
      }
      writes.add(IngestService.on(store.pool(), Config.defaults()).ingestEvents(batch));
    }
    Future.all(writes).await();
    List<Long> expected = allIds();
    TestEnv.waitFor(() -> seen.size() >= expected.size(), Duration.ofSeconds(20),
        "all events of the concurrent writers");
    Thread.sleep(200);
    assertEquals(expected, seen);
    for (int k = 1; k < seen.size(); k++) {
      assertTrue(seen.get(k) > seen.get(k - 1), "ids strictly increase");
    }
    store.vertx().undeploy(id).await();
  }
}
