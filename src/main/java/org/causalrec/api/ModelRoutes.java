package org.causalrec.api;

import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.causalrec.core.ApiException;
import org.causalrec.serve.ServedModels;
import org.causalrec.store.ModelRepository;
import org.causalrec.train.Jobs;
import org.causalrec.train.TrainingJobs;
import org.causalrec.train.TrainingRequest;

/** Training as jobs, the model registry, and which version serves (switching and pinning it). */
final class ModelRoutes {

  private final TrainingJobs training;
  private final ModelRepository models;
  private final Jobs jobs;
  private final ServedModels served;

  ModelRoutes(TrainingJobs training, ModelRepository models, Jobs jobs, ServedModels served) {
    this.training = training;
    this.models = models;
    this.jobs = jobs;
    this.served = served;
  }

  void mount(Router router) {
    router.post("/v1/models/:kind/train").handler(this::train);
    router.get("/v1/models").handler(this::list);
    router.post("/v1/models/:version/serve").handler(this::serve);
    router.delete("/v1/models/:kind/pin").handler(this::unpin);
  }

  /**
   * {@code POST /v1/models/{kind}/train} with an optional body {"epochs", "objective", "propensity"}:
   * 202 with the job and the version it trains; the job's progress follows the run's epochs.
   */
  private void train(RoutingContext ctx) {
    String kind = ctx.pathParam("kind");
    JsonObject body = Bodies.optionalObject(ctx);
    Object e = body.getValue("epochs");
    if (e != null && !(e instanceof Integer)) {
      throw Params.invalid("epochs", "epochs must be an integer");
    }
    training.launch(kind, new TrainingRequest((Integer) e, Bodies.string(body, "objective"),
            Bodies.string(body, "propensity")))
        .compose(run -> jobs.submit("train", body.copy().put("kind", kind).put("version", run.version()),
                progress -> follow(ctx, run, progress))
            .map(id -> new JsonObject().put("job_id", id).put("job_url", "/v1/jobs/" + id)
                .put("version", run.version()).put("kind", kind).put("status", "training")))
        .onSuccess(answer -> Responses.send(ctx, 202, answer))
        .onFailure(ctx::fail);
  }

  /** The run's epochs as the job's progress; its registry row (status, metrics) as the result. */
  private Future<JsonObject> follow(RoutingContext ctx, TrainingJobs.Launch run, Jobs.Progress progress) {
    MessageConsumer<JsonObject> epochs = ctx.vertx().eventBus().consumer(TrainingJobs.PROGRESS_ADDRESS, m -> {
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

  private void list(RoutingContext ctx) {
    Responses.reply(ctx, models.list().map(rows -> {
      JsonArray arr = new JsonArray();
      rows.forEach(r -> arr.add(r.toJson()));
      return new JsonObject().put("models", arr).put("serving", served.status());
    }));
  }

  /**
   * {@code POST /v1/models/{version}/serve}: serves that ready version at once (a promotion or a
   * rollback) and pins its kind to it, on every node and across restarts, until
   * {@code DELETE /v1/models/{kind}/pin}.
   */
  private void serve(RoutingContext ctx) {
    String version = Params.pathParam(ctx, "version");
    Responses.reply(ctx, models.list().compose(rows -> {
      ModelRepository.ModelRow row = rows.stream().filter(r -> r.version().equals(version)).findFirst().orElse(null);
      if (row == null) {
        return Future.failedFuture(ApiException.notFound("not_found", "version", "no model version '" + version + "'"));
      }
      if (!row.status().equals("ready")) {
        return Future.failedFuture(ApiException.conflict("not_ready", "version",
            version + " is " + row.status() + (row.error() == null ? "" : " (" + row.error() + ")")
                + "; only a ready version can serve"));
      }
      return served.pin(row.kind(), version).recover(err -> Future.failedFuture(err instanceof ApiException
          ? err : ApiException.conflict("not_loadable", "version", version + " does not load: " + err.getMessage()
              + "; the current version keeps serving")));
    }));
  }

  /** {@code DELETE /v1/models/{kind}/pin}: the newest ready version of the kind serves again. */
  private void unpin(RoutingContext ctx) {
    Responses.reply(ctx, served.unpin(Params.pathParam(ctx, "kind")));
  }
}
