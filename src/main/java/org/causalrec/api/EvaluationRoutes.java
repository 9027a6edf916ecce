package org.causalrec.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import org.causalrec.experiment.Evaluations;
import org.causalrec.experiment.OpeRun;
import org.causalrec.train.Jobs;

/** Offline and off-policy evaluation runs, as jobs. */
final class EvaluationRoutes {

  private final Evaluations evaluations;
  private final Jobs jobs;

  EvaluationRoutes(Evaluations evaluations, Jobs jobs) {
    this.evaluations = evaluations;
    this.jobs = jobs;
  }

  void mount(Router router) {
    router.post("/v1/evaluate").handler(this::evaluate);
  }

  /**
   * Body: {"protocol", "models", "epochs", "heldout_users", "train_share", "seed"}, all optional; or
   * {"ope": {"policy", "temperature", "reward", "min_propensity"}} for an off-policy evaluation of a
   * Mult-VAE version from the logged impressions.
   */
  private void evaluate(RoutingContext ctx) {
    JsonObject body = Bodies.optionalObject(ctx);
    if (body.containsKey("ope")) {
      evaluateOffPolicy(ctx, body.getValue("ope"));
      return;
    }
    String protocol = body.getValue("protocol", "strong-generalization") instanceof String p ? p : null;
    if (protocol == null) {
      throw Params.invalid("protocol", "protocol must be a string");
    }
    List<String> models = new ArrayList<>();
    Object m = body.getValue("models", new JsonArray().add("popularity").add("ease").add("mult-vae"));
    if (!(m instanceof JsonArray arr) || arr.isEmpty()) {
      throw Params.invalid("models", "models must be a non-empty array of model kinds");
    }
    arr.forEach(o -> models.add(String.valueOf(o)));
    for (String name : models) {
      if (!Evaluations.OFFLINE_MODELS.contains(name)) {
        throw Params.invalid("models", "unknown model " + name + "; models: " + Evaluations.OFFLINE_MODELS);
      }
    }
    int epochs = Bodies.integer(body, "epochs", 50, 1, 1_000);
    Integer heldOut = body.getValue("heldout_users") == null ? null
        : Bodies.integer(body, "heldout_users", 0, 1, 1_000_000);
    Object share = body.getValue("train_share", 0.8);
    if (!(share instanceof Number sn) || !(sn.doubleValue() > 0 && sn.doubleValue() < 1)) {
      throw Params.invalid("train_share", "train_share must be a number in (0, 1)");
    }
    long seed = Bodies.integer(body, "seed", 1, 0, Integer.MAX_VALUE);
    if (!Evaluations.PROTOCOLS.contains(protocol)) {
      throw Params.invalid("protocol", "protocol must be one of " + Evaluations.PROTOCOLS);
    }
    double trainShare = sn.doubleValue();
    submit(ctx, body, p -> evaluations.offline(protocol, models, epochs, heldOut, trainShare, seed));
  }

  private void evaluateOffPolicy(RoutingContext ctx, Object spec) {
    if (!(spec instanceof JsonObject o)) {
      throw Params.invalid("ope", "ope must be an object: {\"policy\", \"temperature\", \"reward\"}");
    }
    String policy = Bodies.string(o, "policy");
    Object t = o.getValue("temperature", 1.0);
    if (!(t instanceof Number tn) || !(tn.doubleValue() >= 0 && tn.doubleValue() <= 1_000)) {
      throw Params.invalid("temperature", "temperature must be a number in [0, 1000] (0: a deterministic ranking,"
          + " which needs per-position propensities)");
    }
    String reward = o.getValue("reward", "conversion") instanceof String r ? r : "";
    if (!reward.equals("conversion") && !reward.equals("click")) {
      throw Params.invalid("reward", "reward must be conversion or click");
    }
    Object mp = o.getValue("min_propensity", 1e-4);
    if (!(mp instanceof Number mn) || !(mn.doubleValue() > 0 && mn.doubleValue() < 1)) {
      throw Params.invalid("min_propensity", "min_propensity must be a number in (0, 1)");
    }
    OpeRun.Settings settings = new OpeRun.Settings(tn.doubleValue(), reward, mn.doubleValue(), 200, 1);
    // an unknown version is refused now (404); what the log cannot weigh shows in the job's result
    evaluations.policy(policy).onFailure(ctx::fail).onSuccess(row ->
        submit(ctx, new JsonObject().put("ope", o.copy().put("policy", row.version())),
            p -> evaluations.offPolicy(row, settings)));
  }

  /** Runs the evaluation as a job: 202 with its id; {@code GET /v1/jobs/{id}} gives its result. */
  private void submit(RoutingContext ctx, JsonObject params,
      java.util.function.Function<Jobs.Progress, io.vertx.core.Future<JsonObject>> work) {
    jobs.submit("evaluate", params, work)
        .onSuccess(id -> Responses.send(ctx, 202, new JsonObject().put("job_id", id).put("job_url", "/v1/jobs/" + id)
            .put("status", "running")))
        .onFailure(ctx::fail);
  }
}
