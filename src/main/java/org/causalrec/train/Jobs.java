package org.causalrec.train;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.causalrec.core.ApiException;
import org.causalrec.store.JobRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Long runs an API call started (training, evaluation), as jobs in PostgreSQL: registered as
 * running, their progress stored at most once a second, then succeeded with their result or failed
 * with the reason, or interrupted when its node stopped it (a {@link java.util.concurrent.CancellationException}).
 * Any node answers for any job. A job still running when its node died is marked interrupted when
 * that node starts again, or, once its node has sent no heartbeat for {@link #SILENT_AFTER_S}, by
 * any node still up ({@link #followLiveness}).
 */
public final class Jobs {

  /** Reports a running job's progress (the newest report is stored, at most once a second). */
  @FunctionalInterface
  public interface Progress {
    void report(JsonObject progress);
  }

  private static final Logger LOG = LoggerFactory.getLogger(Jobs.class);
  private static final long PROGRESS_EVERY_MS = 1_000;
  /** How often a node says its running jobs are alive (and looks for silent ones). */
  static final long HEARTBEAT_MS = 10_000;
  /** A running job whose node has said nothing for this long is taken as interrupted. */
  static final int SILENT_AFTER_S = 60;

  private final Vertx vertx;
  private final JobRepository repo;
  /** Jobs run (and their progress timers tick) here, not on the context of the request that started them. */
  private final org.causalrec.core.OwnContext own;
  /** Each running job's record: completes once its end is stored. */
  private final java.util.Set<Future<Void>> recording = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private long heartbeats = -1;

  public Jobs(Vertx vertx, JobRepository repo) {
    this.vertx = vertx;
    this.repo = repo;
    this.own = new org.causalrec.core.OwnContext(vertx);
  }

  /** Marks the jobs a previous stop interrupted; call once at start. */
  public Future<Integer> interruptLeftovers() {
    return repo.interruptRunning().onSuccess(n -> {
      if (n > 0) {
        LOG.warn("{} job(s) were interrupted by the last stop and are marked so", n);
      }
    });
  }

  /**
   * From now on, every {@link #HEARTBEAT_MS}: says this node's running jobs are alive, and marks
   * interrupted the running jobs of nodes silent for {@link #SILENT_AFTER_S}.
   */
  public void followLiveness() {
    heartbeats = vertx.setPeriodic(HEARTBEAT_MS, t -> sweep());
  }

  /** One heartbeat and one look for silent nodes' jobs; completes with how many were marked. */
  Future<Integer> sweep() {
    return repo.heartbeat().compose(v -> repo.interruptSilent(SILENT_AFTER_S)).onSuccess(n -> {
      if (n > 0) {
        LOG.warn("{} job(s) of a node that stopped answering are marked interrupted", n);
      }
    }).onFailure(err -> LOG.debug("job heartbeat failed: {}", err.toString()));
  }

  /**
   * Registers a {@code type} job with {@code params} and runs {@code work} (which gets the job id
   * and a progress sink); completes with the job id once it is registered, while the work goes on.
   */
  public Future<String> submit(String type, JsonObject params, Function<Progress, Future<JsonObject>> work) {
    String id = type + "-" + UUID.randomUUID();
    return repo.start(id, type, params).onSuccess(v -> own.run(() -> {
      run(id, work);
      return Future.succeededFuture();
    })).map(id);
  }

  private void run(String id, Function<Progress, Future<JsonObject>> work) {
    AtomicReference<JsonObject> pending = new AtomicReference<>();
    long timer = vertx.setPeriodic(PROGRESS_EVERY_MS, t -> {
      JsonObject p = pending.getAndSet(null);
      if (p != null) {
        repo.progress(id, p).onFailure(err -> LOG.debug("progress of {} not stored: {}", id, err.toString()));
      }
    });
    Future<JsonObject> done;
    try {
      done = work.apply(pending::set);
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    io.vertx.core.Promise<Void> recorded = io.vertx.core.Promise.promise();
    recording.add(recorded.future());
    done.onComplete(ar -> {
      vertx.cancelTimer(timer);
      JsonObject last = pending.getAndSet(null);
      Future<Void> flushed = last == null ? Future.succeededFuture() : repo.progress(id, last);
      flushed.transform(x -> ar.succeeded() ? repo.finish(id, "succeeded", ar.result(), null)
              : repo.finish(id, ar.cause() instanceof java.util.concurrent.CancellationException ? "interrupted"
                  : "failed", null, reason(ar.cause())))
          .onFailure(err -> LOG.warn("job {} ended but could not be recorded: {}", id, err.toString()))
          .onComplete(x -> {
            recording.remove(recorded.future());
            recorded.complete();
          });
      if (ar.failed()) {
        LOG.warn("job {} failed: {}", id, ar.cause().toString());
      }
    });
  }

  /** Completes once every job that has ended has its end stored (call after the runs were stopped). */
  public Future<Void> drain() {
    if (heartbeats >= 0) {
      vertx.cancelTimer(heartbeats);
    }
    return Future.join(new java.util.ArrayList<>(recording)).mapEmpty();
  }

  private static String reason(Throwable err) {
    if (err instanceof ApiException e) {
      return (e.toJson().getString("field") == null ? "" : e.toJson().getString("field") + ": ")
          + e.toJson().getString("detail");
    }
    return String.valueOf(err.getMessage());
  }

  /** A job: {@code {"id", "type", "status", "params", "progress", "result", "error", ...}}; 404 when unknown. */
  public Future<JsonObject> get(String id) {
    return repo.get(id).compose(j -> j != null ? Future.succeededFuture(j)
        : Future.failedFuture(ApiException.notFound("not_found", "id", "no job with id '" + id + "'")));
  }

  /** The newest {@code limit} jobs, without their results: {@code {"jobs": [...]}}. */
  public Future<JsonObject> recent(int limit) {
    return repo.recent(limit).map((JsonArray a) -> new JsonObject().put("jobs", a));
  }
}
