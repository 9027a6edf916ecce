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
import java.util.function.Supplier;
import org.causalrec.data.Interactions;

/**
 * Micro-batched scoring on one dedicated thread (DJL predictors are not thread-safe): requests
 * that arrive while a forward pass runs are scored together in the next one. Model switches and
 * closes go through the same thread, so no pass ever uses a closed model.
 */
final class ScoringQueue {

  /** Scores of one history under one model version. */
  record Scored(MultVaeVersion model, float[] scores) {}

  private record Pending(List<String> history, Promise<Scored> promise, Context context) {}

  private static final int MAX_BATCH = 256;

  private final Supplier<MultVaeVersion> current;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "causalrec-scoring");
    t.setDaemon(true);
    return t;
  });
  private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile long batches;
  private volatile long scored;

  ScoringQueue(Supplier<MultVaeVersion> current) {
    this.current = current;
  }

  /**
   * Scores one history (item ids; those the model does not know are ignored) with the model
   * current when the pass runs; completes on the caller's context.
   */
  Future<Scored> score(Vertx vertx, List<String> history) {
    Context ctx = vertx.getOrCreateContext();
    Promise<Scored> p = Promise.promise();
    pending.add(new Pending(history, p, ctx));
    if (scheduled.compareAndSet(false, true)) {
      thread.execute(this::drain);
    }
    return p.future();
  }

  /**
   * Runs {@code task} on the scoring thread, between forward passes: how a model switch swaps the
   * current version and closes the old one after every pass that may use it.
   */
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

  /** Forward passes run and histories scored since start. */
  long[] counters() {
    return new long[] {batches, scored};
  }

  private void drain() {
    scheduled.set(false);
    while (!pending.isEmpty()) {
      List<Pending> batch = new ArrayList<>();
      Pending p;
      while (batch.size() < MAX_BATCH && (p = pending.poll()) != null) {
        batch.add(p);
      }
      MultVaeVersion m = current.get();
      try {
        if (m == null) {
          throw new IllegalStateException("no model is loaded");
        }
        Interactions.Builder b = new Interactions.Builder(batch.size(), m.items().size());
        for (int r = 0; r < batch.size(); r++) {
          for (String id : batch.get(r).history()) {
            int col = m.items().indexOf(id);
            if (col >= 0) {
              b.add(r, col, 1f);
            }
          }
        }
        float[][] scores = m.model().score(b.build(), 0, batch.size());
        batches++;
        scored += batch.size();
        for (int r = 0; r < batch.size(); r++) {
          Pending q = batch.get(r);
          Scored s = new Scored(m, scores[r]);
          q.context().runOnContext(v -> q.promise().complete(s));
        }
      } catch (RuntimeException e) {
        for (Pending q : batch) {
          q.context().runOnContext(v -> q.promise().fail(e));
        }
      }
    }
  }

  /** Stops the scoring thread once the tasks queued before it ran. */
  void close() {
    thread.shutdown();
  }
}
