package org.causalrec.serve;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.causalrec.model.Devices;

/**
 * Micro-batched scoring on one dedicated thread (DJL predictors are not thread-safe): requests
 * that arrive while a pass runs are scored together in the next one. Model switches and closes go
 * through the same thread ({@link #run}), so no pass ever uses a closed model. The thread sets its
 * own PyTorch intra-op threads when it starts.
 *
 * @param <Q> a request
 * @param <R> its answer
 */
final class MicroBatcher<Q, R> {

  private record Pending<Q, R>(Q request, Promise<R> promise, Context context) {}

  private final int maxBatch;
  private final Function<List<Q>, List<R>> pass;
  private final ExecutorService thread;
  private final ConcurrentLinkedQueue<Pending<Q, R>> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile long batches;
  private volatile PassObserver observer = (n, nanos) -> { };
  private volatile long scored;

  /**
   * @param name the thread's name
   * @param torchThreads the PyTorch intra-op threads of its passes
   * @param maxBatch requests per pass at most
   * @param pass scores a batch (on the thread): one answer per request, in order
   */
  MicroBatcher(String name, int torchThreads, int maxBatch, Function<List<Q>, List<R>> pass) {
    this.maxBatch = maxBatch;
    this.pass = pass;
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(() -> {
        Devices.useThreads(torchThreads);
        r.run();
      }, name);
      t.setDaemon(true);
      return t;
    });
  }

  /** Scores {@code request} in the next pass; completes on the caller's context. */
  Future<R> submit(Vertx vertx, Q request) {
    Context ctx = vertx.getOrCreateContext();
    Promise<R> p = Promise.promise();
    pending.add(new Pending<>(request, p, ctx));
    if (scheduled.compareAndSet(false, true)) {
      thread.execute(this::drain);
    }
    return p.future();
  }

  /** Runs {@code task} on the scoring thread, between passes. */
  Future<Void> run(Runnable task) {
    Promise<Void> done = Promise.promise();
    thread.execute(() -> {
      try {
        task.run();
        done.complete();
      } catch (RuntimeException e) {
        done.fail(e);
      }
    });
    return done.future();
  }

  /** Tells {@code o} of every pass from now on. */
  void observe(PassObserver o) {
    this.observer = o;
  }

  /** Passes run and requests scored since start. */
  long[] counters() {
    return new long[] {batches, scored};
  }

  private void drain() {
    scheduled.set(false);
    while (!pending.isEmpty()) {
      List<Pending<Q, R>> batch = new ArrayList<>();
      Pending<Q, R> p;
      while (batch.size() < maxBatch && (p = pending.poll()) != null) {
        batch.add(p);
      }
      try {
        long t0 = System.nanoTime();
        List<R> out = pass.apply(batch.stream().map(Pending::request).toList());
        observer.pass(batch.size(), System.nanoTime() - t0);
        batches++;
        scored += batch.size();
        for (int r = 0; r < batch.size(); r++) {
          Pending<Q, R> q = batch.get(r);
          R answer = out.get(r);
          q.context().runOnContext(v -> q.promise().complete(answer));
        }
      } catch (RuntimeException e) {
        for (Pending<Q, R> q : batch) {
          q.context().runOnContext(v -> q.promise().fail(e));
        }
      }
    }
  }

  /** Stops the thread once the tasks queued before it ran. */
  void close() {
    thread.shutdown();
  }
}
