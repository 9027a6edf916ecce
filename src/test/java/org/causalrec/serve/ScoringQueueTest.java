package org.causalrec.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Interactions;
import org.causalrec.model.CfModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The micro-batching scorer: requests that wait while the scoring thread is busy are scored
 * together in one forward pass (at most 256 rows), each gets its own row back on its own context,
 * tasks run between passes, and a failed pass fails only its own requests.
 */
class ScoringQueueTest {

  static final IdIndex ITEMS = IdIndex.of(List.of("a", "b", "c", "d", "e"));

  /**
   * A model artifact stand-in: item i scores {@code base + 1} when the row holds it, {@code base}
   * otherwise; it records the rows of each pass and refuses to score once closed.
   */
  static final class EchoModel implements CfModel {
    final float base;
    final List<Integer> passes = Collections.synchronizedList(new ArrayList<>());
    final List<String> threads = Collections.synchronizedList(new ArrayList<>());
    volatile boolean closed;
    volatile RuntimeException failure;

    EchoModel(float base) {
      this.base = base;
    }

    @Override
    public String kind() {
      return "echo";
    }

    @Override
    public float[][] score(Interactions history, int from, int to) {
      if (closed) {
        throw new IllegalStateException("a closed model was used");
      }
      if (failure != null) {
        throw failure;
      }
      passes.add(to - from);
      threads.add(Thread.currentThread().getName());
      float[][] out = new float[to - from][history.items()];
      for (int r = from; r < to; r++) {
        java.util.Arrays.fill(out[r - from], base);
        for (int i : history.row(r)) {
          out[r - from][i] = base + 1;
        }
      }
      return out;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  static Vertx vertx;
  final AtomicReference<MultVaeVersion> current = new AtomicReference<>();
  ScoringQueue queue;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close().await();
  }

  @BeforeEach
  void newQueue() {
    queue = new ScoringQueue(current::get, 1);
  }

  @AfterEach
  void closeQueue() {
    queue.close();
  }

  static MultVaeVersion serving(String version, EchoModel m) {
    return new MultVaeVersion(version, m, ITEMS, new String[ITEMS.size()], Collections.nCopies(ITEMS.size(), List.of()));
  }

  /** Holds the scoring thread until the returned latch is counted down. */
  CountDownLatch holdScoringThread() {
    CountDownLatch release = new CountDownLatch(1);
    queue.run(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    return release;
  }

  /** The scores an {@link EchoModel} of {@code base} gives a history of {@code held} item indexes. */
  static float[] echo(float base, int... held) {
    float[] s = new float[ITEMS.size()];
    java.util.Arrays.fill(s, base);
    for (int i : held) {
      s[i] = base + 1;
    }
    return s;
  }

  @Test
  void requestsWaitingDuringAPassAreScoredTogetherEachWithItsOwnRowOnItsOwnContext() throws Exception {
    EchoModel m = new EchoModel(0);
    current.set(serving("v1", m));
    CountDownLatch release = holdScoringThread();
    int requests = 40;
    List<Promise<Void>> submitted = new ArrayList<>();
    List<Promise<ScoringQueue.Scored>> scored = new ArrayList<>();
    List<Promise<Boolean>> onOwnContext = new ArrayList<>();
    for (int k = 0; k < requests; k++) {
      submitted.add(Promise.promise());
      scored.add(Promise.promise());
      onOwnContext.add(Promise.promise());
    }
    Thread[] callers = new Thread[4];
    for (int t = 0; t < callers.length; t++) {
      int first = t * requests / callers.length;
      callers[t] = new Thread(() -> {
        for (int k = first; k < first + requests / callers.length; k++) {
          // request k holds item k mod 5, and an id the model does not know (ignored)
          List<String> history = List.of(ITEMS.id(k % ITEMS.size()), "not-in-the-model");
          Context ctx = vertx.getOrCreateContext();
          int index = k;
          ctx.runOnContext(v -> {
            queue.score(vertx, history).onComplete(ar -> {
              onOwnContext.get(index).complete(Vertx.currentContext() == ctx);
              scored.get(index).handle(ar);
            });
            submitted.get(index).complete();
          });
        }
      });
      callers[t].start();
    }
    for (Thread t : callers) {
      t.join();
    }
    submitted.forEach(p -> p.future().await());
    assertArrayEquals(new long[] {0, 0}, queue.counters(), "nothing is scored while the thread is held");
    release.countDown();
    for (int k = 0; k < requests; k++) {
      ScoringQueue.Scored s = scored.get(k).future().await();
      assertEquals("v1", s.model().version());
      assertArrayEquals(echo(0, k % ITEMS.size()), s.scores(), "request " + k + " got its own row");
      assertTrue(onOwnContext.get(k).future().await(), "request " + k + " completed on the caller's context");
    }
    assertEquals(List.of(requests), m.passes, "one forward pass for all that waited");
    assertEquals(List.of("causalrec-scoring"), m.threads);
    assertArrayEquals(new long[] {1, requests}, queue.counters());
  }

  @Test
  void moreThanABatchIsScoredInPassesOfAtMost256Rows() {
    EchoModel m = new EchoModel(0);
    current.set(serving("v1", m));
    CountDownLatch release = holdScoringThread();
    List<Future<ScoringQueue.Scored>> results = new ArrayList<>();
    for (int k = 0; k < 300; k++) {
      results.add(queue.score(vertx, List.of(ITEMS.id(k % ITEMS.size()))));
    }
    release.countDown();
    for (int k = 0; k < results.size(); k++) {
      assertArrayEquals(echo(0, k % ITEMS.size()), results.get(k).await().scores(), "request " + k);
    }
    assertEquals(List.of(256, 44), m.passes);
    assertArrayEquals(new long[] {2, 300}, queue.counters());
  }

  @Test
  void aTaskRunsBetweenPassesSoASwitchNeverClosesTheModelOfAPassInProgress() {
    EchoModel first = new EchoModel(0);
    EchoModel second = new EchoModel(10);
    current.set(serving("v1", first));
    CountDownLatch release = holdScoringThread();
    Future<ScoringQueue.Scored> before = queue.score(vertx, List.of("a"));
    List<Long> passesSeenBySwitch = new ArrayList<>();
    List<String> switchThread = new ArrayList<>();
    Future<Void> switched = queue.run(() -> {
      passesSeenBySwitch.add(queue.counters()[0]);
      switchThread.add(Thread.currentThread().getName());
      MultVaeVersion old = current.getAndSet(serving("v2", second));
      old.close();
    });
    release.countDown();
    ScoringQueue.Scored s = before.await();
    assertSame(first, s.model().model(), "the request queued before the switch is scored by the old version");
    assertArrayEquals(echo(0, 0), s.scores());
    switched.await();
    assertEquals(List.of(1L), passesSeenBySwitch, "the switch ran after the pass that used the old model");
    assertEquals(List.of("causalrec-scoring"), switchThread);
    assertTrue(first.closed);
    ScoringQueue.Scored after = queue.score(vertx, List.of("b", "c")).await();
    assertEquals("v2", after.model().version());
    assertArrayEquals(echo(10, 1, 2), after.scores());
  }

  @Test
  void aFailedPassFailsItsRequestsOnlyAndTheQueueGoesOn() {
    Throwable none = assertFails(queue.score(vertx, List.of("a")));
    assertEquals("no model is loaded", none.getMessage());
    EchoModel m = new EchoModel(0);
    current.set(serving("v1", m));
    m.failure = new IllegalStateException("native error");
    CountDownLatch release = holdScoringThread();
    Future<ScoringQueue.Scored> x = queue.score(vertx, List.of("a"));
    Future<ScoringQueue.Scored> y = queue.score(vertx, List.of("b"));
    release.countDown();
    assertSame(m.failure, assertFails(x));
    assertSame(m.failure, assertFails(y));
    assertArrayEquals(new long[] {0, 0}, queue.counters(), "failed passes are not counted");
    m.failure = null;
    assertArrayEquals(echo(0, 3), queue.score(vertx, List.of("d")).await().scores());
    assertArrayEquals(new long[] {1, 1}, queue.counters());
  }

  @Test
  void aFailingTaskFailsItsFutureAndLaterTasksAndPassesStillRun() {
    IllegalStateException boom = new IllegalStateException("boom");
    assertSame(boom, assertFails(queue.run(() -> {
      throw boom;
    })));
    List<String> ran = new ArrayList<>();
    queue.run(() -> ran.add(Thread.currentThread().getName())).await();
    assertEquals(List.of("causalrec-scoring"), ran);
    current.set(serving("v1", new EchoModel(0)));
    assertArrayEquals(echo(0, 4), queue.score(vertx, List.of("e")).await().scores());
  }

  @Test
  void closingLetsTheTasksQueuedBeforeItRun() {
    CountDownLatch release = holdScoringThread();
    List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
    List<Future<Void>> tasks = IntStream.range(0, 3).mapToObj(k -> queue.run(() -> ran.add(k))).toList();
    queue.close();
    release.countDown();
    tasks.forEach(f -> f.await());
    assertEquals(List.of(0, 1, 2), ran, "in order, after the close was asked for");
  }

  private static Throwable assertFails(Future<?> f) {
    return f.transform(ar -> Future.succeededFuture(ar.cause())).await();
  }
}
