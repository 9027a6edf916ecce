package org.causalrec.train;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.causalrec.core.ApiException;
import org.causalrec.store.ModelRepository;

/**
 * Where a request to train goes. A node that trains starts the run as a job here and also takes
 * requests other nodes send on {@link #ADDRESS}; an API node sends its requests there (the
 * clustered event bus hands each to one trainer) and answers with the trainer's answer, or its
 * error. Either way the answer names a job stored in PostgreSQL, which every node can report on.
 */
public final class TrainingDesk {

  /** Event-bus address of training requests: {@code {"kind", "body"}}, answered like the train route. */
  public static final String ADDRESS = "causalrec.training.requests";
  /** How long an API node waits for a trainer to register a run. */
  static final long SEND_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final TrainingJobs training;
  private final Jobs jobs;
  private final ModelRepository models;
  private MessageConsumer<JsonObject> consumer;

  /**
   * @param training this node's training runs, or null when it does not train (an API node)
   */
  public TrainingDesk(Vertx vertx, TrainingJobs training, Jobs jobs, ModelRepository models) {
    this.vertx = vertx;
    this.training = training;
    this.jobs = jobs;
    this.models = models;
  }

  /** Takes the requests other nodes send, when this node trains. */
  public Future<Void> start() {
    if (training == null) {
      return Future.succeededFuture();
    }
    consumer = vertx.eventBus().consumer(ADDRESS, m -> {
      JsonObject req = m.body();
      local(req.getString("kind"), req.getJsonObject("body", new JsonObject())).onComplete(ar -> {
        if (ar.succeeded()) {
          m.reply(ar.result());
        } else {
          ApiException e = ar.cause() instanceof ApiException a ? a
              : ApiException.unavailable("training_failed", "kind", String.valueOf(ar.cause().getMessage()));
          m.fail(e.status(), e.toJson().encode());
        }
      });
    });
    return consumer.completion();
  }

  /**
   * Trains a {@code kind} model as asked by {@code body} ({@code epochs}, {@code objective},
   * {@code propensity}): {@code {"job_id", "job_url", "version", "kind", "status"}} once the run is
   * registered. Fails with the same errors as a local run; on an API node with 503
   * {@code no_trainer} when no trainer is up.
   */
  public Future<JsonObject> submit(String kind, JsonObject body) {
    ApiException bad = invalid(body);
    if (bad != null) {
      return Future.failedFuture(bad); // here, before any trainer is asked
    }
    if (training != null) {
      return local(kind, body);
    }
    return vertx.eventBus().<JsonObject>request(ADDRESS, new JsonObject().put("kind", kind).put("body", body),
            new DeliveryOptions().setSendTimeout(SEND_TIMEOUT_MS))
        .map(m -> m.body())
        .recover(err -> Future.failedFuture(remoteError(err)));
  }

  private static ApiException remoteError(Throwable err) {
    if (err instanceof ReplyException r) {
      if (r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        try {
          return ApiException.fromJson(r.failureCode(), new JsonObject(r.getMessage()));
        } catch (RuntimeException notJson) {
          return ApiException.unavailable("training_failed", "kind", r.getMessage());
        }
      }
      if (r.failureType() == ReplyFailure.NO_HANDLERS) {
        return ApiException.unavailable("no_trainer", "kind",
            "no trainer node is up: this node does not train (cluster.role api); start a trainer");
      }
      return ApiException.unavailable("no_trainer", "kind", "no trainer answered in " + SEND_TIMEOUT_MS + " ms");
    }
    return ApiException.unavailable("no_trainer", "kind", String.valueOf(err.getMessage()));
  }

  /** What is wrong with a train request's body (400 {@code invalid_parameter} naming the field), or null. */
  private static ApiException invalid(JsonObject body) {
    Object e = body.getValue("epochs");
    if (e != null && !(e instanceof Integer)) {
      return ApiException.badRequest("invalid_parameter", "epochs", "epochs must be an integer");
    }
    for (String name : new String[] {"objective", "propensity"}) {
      Object v = body.getValue(name);
      if (v != null && !(v instanceof String)) {
        return ApiException.badRequest("invalid_parameter", name, name + " must be a string");
      }
    }
    return null;
  }

  /** Starts the run on this node; {@code body} was checked by the {@link #submit} that took it. */
  private Future<JsonObject> local(String kind, JsonObject body) {
    String objective = body.getString("objective");
    String propensity = body.getString("propensity");
    return training.launch(kind, new TrainingRequest(body.getInteger("epochs"), objective, propensity))
        .compose(run -> jobs.submit("train", body.copy().put("kind", kind).put("version", run.version()),
                progress -> follow(run, progress))
            .map(id -> new JsonObject().put("job_id", id).put("job_url", "/v1/jobs/" + id)
                .put("version", run.version()).put("kind", kind).put("status", "training")));
  }

  /** The run's epochs as the job's progress; its registry row (status, metrics) as the result. */
  private Future<JsonObject> follow(TrainingJobs.Launch run, Jobs.Progress progress) {
    MessageConsumer<JsonObject> epochs = vertx.eventBus().localConsumer(TrainingJobs.PROGRESS_ADDRESS, m -> {
      JsonObject p = m.body();
      if (run.version().equals(p.getString("version")) && p.containsKey("epoch")) {
        progress.report(p.copy().put("fraction", p.getInteger("epochs", 0) > 0
            ? p.getInteger("epoch") / (double) p.getInteger("epochs") : null));
      }
    });
    return run.done().eventually(epochs::unregister)
        .compose(v -> models.list())
        .map(rows -> rows.stream().filter(r -> r.version().equals(run.version())).findFirst()
            .map(ModelRepository.ModelRow::toJson).orElse(new JsonObject().put("version", run.version())));
  }

  /** Stops taking other nodes' requests. */
  public Future<Void> close() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
