package org.causalrec.api;

import org.causalrec.core.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import org.causalrec.serve.Recommender;
import org.causalrec.serve.UpliftServing;
import org.causalrec.store.ModelRepository;
import org.causalrec.train.TrainingService;

/** Recommendations, what-if answers, training and the model registry. */
final class ModelRoutes {

  private final Recommender recommender;
  private final UpliftServing uplift;
  private final TrainingService training;
  private final ModelRepository models;

  ModelRoutes(Recommender recommender, UpliftServing uplift, TrainingService training, ModelRepository models) {
    this.recommender = recommender;
    this.uplift = uplift;
    this.training = training;
    this.models = models;
  }

  void mount(Router router) {
    router.get("/v1/users/:id/recommendations").handler(this::recommend);
    router.get("/v1/users/:id/what-if").handler(this::whatIf);
    router.post("/v1/models/:kind/train").handler(this::train);
    router.get("/v1/models").handler(this::list);
    router.post("/v1/evaluate").handler(this::evaluate);
  }

  /** {@code GET /v1/stats/propensities?bins=}: the logged propensities' spread, for the dashboard. */
  static void propensities(RoutingContext ctx, org.causalrec.store.EventRepository events) {
    int bins = Params.intParam(ctx, "bins", 20, 2, 200);
    events.propensityHistogram(bins)
        .onSuccess(h -> Errors.send(ctx, 200, new JsonObject().put("source", "logged impressions")
            .put("scale", "log10").put("bins", h)))
        .onFailure(ctx::fail);
  }

  private void recommend(RoutingContext ctx) {
    String user = Params.pathId(ctx);
    int n = Params.intParam(ctx, "n", 10, 1, 1_000);
    String category = ctx.queryParams().get("category");
    if (category != null && (category.isBlank() || category.length() > 128)) {
      throw Params.invalid("category", "category must be 1..128 characters");
    }
    Set<String> exclude = new LinkedHashSet<>();
    String ex = ctx.queryParams().get("exclude");
    if (ex != null && !ex.isBlank()) {
      exclude.addAll(Arrays.asList(ex.split(",")));
      if (exclude.size() > 1_000) {
        throw Params.invalid("exclude", "at most 1000 excluded item ids");
      }
    }
    String objective = ctx.queryParams().get("objective");
    if (objective != null && !objective.equals("relevance") && !objective.equals("uplift")) {
      throw Params.invalid("objective", "objective must be relevance (default) or uplift");
    }
    if ("uplift".equals(objective)) {
      if (category != null) {
        throw Params.invalid("category", "category filters apply to objective=relevance only");
      }
      uplift.recommend(user, n, exclude).onSuccess(r -> Errors.send(ctx, 200, r)).onFailure(ctx::fail);
      return;
    }
    recommender.recommend(user, n, category, exclude)
        .onSuccess(r -> Errors.send(ctx, 200, r))
        .onFailure(ctx::fail);
  }

  /** {@code GET /v1/users/{id}/what-if?item=}: both conversion probabilities, the uplift and its interval. */
  private void whatIf(RoutingContext ctx) {
    String user = Params.pathId(ctx);
    String item = ctx.queryParams().get("item");
    if (item == null || item.isBlank()) {
      throw Params.invalid("item", "item is required: /v1/users/{id}/what-if?item=ITEM_ID");
    }
    if (item.length() > 256) {
      throw Params.invalid("item", "item must be at most 256 characters");
    }
    uplift.whatIf(user, item).onSuccess(r -> Errors.send(ctx, 200, r)).onFailure(ctx::fail);
  }

  private void train(RoutingContext ctx) {
    String kind = ctx.pathParam("kind");
    Integer epochs = null;
    String objective = null;
    String propensity = null;
    if (ctx.body() != null && ctx.body().length() > 0) {
      JsonObject body = jsonBody(ctx);
      Object e = body.getValue("epochs");
      if (e != null && !(e instanceof Integer)) {
        throw Params.invalid("epochs", "epochs must be an integer");
      }
      epochs = (Integer) e;
      objective = stringField(body, "objective");
      propensity = stringField(body, "propensity");
    }
    training.start(kind, epochs, objective, propensity)
        .onSuccess(version -> Errors.send(ctx, 202, new JsonObject().put("version", version).put("kind", kind)
            .put("status", "training")))
        .onFailure(ctx::fail);
  }

  /**
   * Body: {"protocol", "models", "epochs", "heldout_users", "train_share", "seed"}, all optional; or
   * {"ope": {"policy", "temperature", "reward", "min_propensity"}} for an off-policy evaluation of a
   * Mult-VAE version from the logged impressions.
   */
  private void evaluate(RoutingContext ctx) {
    JsonObject body = ctx.body() == null || ctx.body().length() == 0 ? new JsonObject() : jsonBody(ctx);
    if (body.containsKey("ope")) {
      evaluateOffPolicy(ctx, body.getValue("ope"));
      return;
    }
    String protocol = body.getValue("protocol", "strong-generalization") instanceof String p ? p : null;
    if (protocol == null) {
      throw Params.invalid("protocol", "protocol must be a string");
    }
    java.util.List<String> models = new java.util.ArrayList<>();
    Object m = body.getValue("models", new JsonArray().add("popularity").add("ease").add("mult-vae"));
    if (!(m instanceof JsonArray arr) || arr.isEmpty()) {
      throw Params.invalid("models", "models must be a non-empty array of model kinds");
    }
    arr.forEach(o -> models.add(String.valueOf(o)));
    int epochs = intField(body, "epochs", 50, 1, 1_000);
    Integer heldOut = body.getValue("heldout_users") == null ? null : intField(body, "heldout_users", 0, 1, 1_000_000);
    Object share = body.getValue("train_share", 0.8);
    if (!(share instanceof Number sn) || !(sn.doubleValue() > 0 && sn.doubleValue() < 1)) {
      throw Params.invalid("train_share", "train_share must be a number in (0, 1)");
    }
    long seed = intField(body, "seed", 1, 0, Integer.MAX_VALUE);
    training.evaluate(protocol, models, epochs, heldOut, sn.doubleValue(), seed)
        .onSuccess(r -> Errors.send(ctx, 200, r))
        .onFailure(ctx::fail);
  }

  private void evaluateOffPolicy(RoutingContext ctx, Object spec) {
    if (!(spec instanceof JsonObject o)) {
      throw Params.invalid("ope", "ope must be an object: {\"policy\", \"temperature\", \"reward\"}");
    }
    String policy = stringField(o, "policy");
    Object t = o.getValue("temperature", 1.0);
    if (!(t instanceof Number tn) || !(tn.doubleValue() > 0 && tn.doubleValue() <= 1_000)) {
      throw Params.invalid("temperature", "temperature must be a number in (0, 1000]");
    }
    String reward = o.getValue("reward", "conversion") instanceof String r ? r : "";
    if (!reward.equals("conversion") && !reward.equals("click")) {
      throw Params.invalid("reward", "reward must be conversion or click");
    }
    Object mp = o.getValue("min_propensity", 1e-4);
    if (!(mp instanceof Number mn) || !(mn.doubleValue() > 0 && mn.doubleValue() < 1)) {
      throw Params.invalid("min_propensity", "min_propensity must be a number in (0, 1)");
    }
    training.evaluateOffPolicy(policy, new org.causalrec.experiment.OpeRun.Settings(tn.doubleValue(), reward,
            mn.doubleValue(), 200, 1))
        .onSuccess(r -> Errors.send(ctx, 200, r))
        .onFailure(ctx::fail);
  }

  private static JsonObject jsonBody(RoutingContext ctx) {
    try {
      return ctx.body().asJsonObject();
    } catch (io.vertx.core.json.DecodeException | ClassCastException e) {
      throw ApiException.badRequest("invalid_json", null, "body must be a JSON object");
    }
  }

  private static String stringField(JsonObject body, String name) {
    Object v = body.getValue(name);
    if (v != null && !(v instanceof String)) {
      throw Params.invalid(name, name + " must be a string");
    }
    return (String) v;
  }

  private static int intField(JsonObject body, String name, int dflt, int min, int max) {
    Object v = body.getValue(name);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Integer i) || i < min || i > max) {
      throw Params.invalid(name, name + " must be an integer in " + min + ".." + max);
    }
    return i;
  }

  private void list(RoutingContext ctx) {
    models.list()
        .onSuccess(rows -> {
          JsonArray arr = new JsonArray();
          rows.forEach(r -> arr.add(r.toJson()));
          Errors.send(ctx, 200, new JsonObject().put("models", arr));
        })
        .onFailure(ctx::fail);
  }
}
