package org.causalrec.core;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.function.Supplier;

/**
 * An event-loop context owned by no verticle, for work that must outlive the request that started
 * it. Blocking work and timers started on a verticle's context belong to it: undeploying the HTTP
 * verticle (at shutdown) would wait for a training run started from a request, or cancel a job's
 * timer. Started here, they belong to the component that runs them, which stops them itself.
 */
public final class OwnContext {

  private final Context context;

  public OwnContext(Vertx vertx) {
    this.context = ((VertxInternal) vertx).createEventLoopContext();
  }

  /** Starts {@code work} on this context; completes with its result. */
  public <T> Future<T> run(Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> {
      try {
        work.get().onComplete(done);
      } catch (RuntimeException e) {
        done.fail(e);
      }
    });
    return done.future();
  }
}
