package org.causalrec.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.causalrec.store.ModelRepository;
import org.causalrec.train.TrainingJobs;
import org.causalrec.train.TrainingRequest;

/** Training jobs and the model registry. */
final class ModelRoutes {

  private final TrainingJobs training;
  private final ModelRepository models;

  ModelRoutes(TrainingJobs training, ModelRepository models) {
    this.training = training;
    this.models = models;
  }

  void mount(Router router) {
    router.post("/v1/models/:kind/train").handler(this::train);
    router.get("/v1/models").handler(this::list);
  }

  /** {@code POST /v1/models/{kind}/train} with an optional body {"epochs", "objective", "propensity"}: 202. */
  private void train(RoutingContext ctx) {
    String kind = ctx.pathParam("kind");
    JsonObject body = Bodies.optionalObject(ctx);
    Object e = body.getValue("epochs");
    if (e != null && !(e instanceof Integer)) {
      throw Params.invalid("epochs", "epochs must be an integer");
    }
    training.start(kind, new TrainingRequest((Integer) e, Bodies.string(body, "objective"),
            Bodies.string(body, "propensity")))
        .onSuccess(version -> Responses.send(ctx, 202, new JsonObject().put("version", version).put("kind", kind)
            .put("status", "training")))
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    Responses.reply(ctx, models.list().map(rows -> {
      JsonArray arr = new JsonArray();
      rows.forEach(r -> arr.add(r.toJson()));
      return new JsonObject().put("models", arr);
    }));
  }
}
