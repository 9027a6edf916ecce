package org.causalrec.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.causalrec.core.ApiException;
import org.causalrec.serve.ServedModels;
import org.causalrec.store.ModelRepository;
import org.causalrec.train.TrainingDesk;

/** Training as jobs, the model registry, and which version serves (switching and pinning it). */
final class ModelRoutes {

  private final TrainingDesk training;
  private final ModelRepository models;
  private final ServedModels served;

  ModelRoutes(TrainingDesk training, ModelRepository models, ServedModels served) {
    this.training = training;
    this.models = models;
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
   * 202 with the job and the version it trains; the job's progress follows the run's epochs. On an
   * API node of a cluster the run starts on a trainer.
   */
  private void train(RoutingContext ctx) {
    String kind = ctx.pathParam("kind");
    JsonObject body = Bodies.optionalObject(ctx);
    training.submit(kind, body)
        .onSuccess(answer -> Responses.send(ctx, 202, answer))
        .onFailure(ctx::fail);
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
