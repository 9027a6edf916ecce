package org.causalrec.serve;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.causalrec.data.Interactions;

/**
 * The Mult-VAE's fold-ins, micro-batched on one scoring thread ({@link MicroBatcher}): each pass
 * folds the histories that arrived meanwhile into the version current when it runs.
 */
final class ScoringQueue {

  /** Scores of one history under one model version. */
  record Scored(MultVaeVersion model, float[] scores) {}

  private static final int MAX_BATCH = 256;

  private final Supplier<MultVaeVersion> current;
  private final MicroBatcher<List<String>, Scored> batcher;

  ScoringQueue(Supplier<MultVaeVersion> current, int torchThreads) {
    this.current = current;
    this.batcher = new MicroBatcher<>("causalrec-scoring", torchThreads, MAX_BATCH, this::pass);
  }

  /**
   * Scores one history (item ids; those the model does not know are ignored) with the model
   * current when the pass runs; completes on the caller's context.
   */
  Future<Scored> score(Vertx vertx, List<String> history) {
    return batcher.submit(vertx, history);
  }

  /**
   * Runs {@code task} on the scoring thread, between forward passes: how a model switch swaps the
   * current version and closes the old one after every pass that may use it.
   */
  Future<Void> run(Runnable task) {
    return batcher.run(task);
  }

  /** Tells {@code o} of every forward pass. */
  void observe(PassObserver o) {
    batcher.observe(o);
  }

  /** Forward passes run and histories scored since start. */
  long[] counters() {
    return batcher.counters();
  }

  private List<Scored> pass(List<List<String>> histories) {
    MultVaeVersion m = current.get();
    if (m == null) {
      throw new IllegalStateException("no model is loaded");
    }
    Interactions.Builder b = new Interactions.Builder(histories.size(), m.items().size());
    for (int r = 0; r < histories.size(); r++) {
      for (String id : histories.get(r)) {
        int col = m.items().indexOf(id);
        if (col >= 0) {
          b.add(r, col, 1f);
        }
      }
    }
    float[][] scores = m.model().score(b.build(), 0, histories.size());
    List<Scored> out = new ArrayList<>(histories.size());
    for (float[] s : scores) {
      out.add(new Scored(m, s));
    }
    return out;
  }

  /** Stops the scoring thread once the tasks queued before it ran. */
  void close() {
    batcher.close();
  }
}
