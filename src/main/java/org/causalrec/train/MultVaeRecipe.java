package org.causalrec.train;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;
import org.causalrec.config.Config;
import org.causalrec.core.ApiException;
import org.causalrec.data.Feedback;
import org.causalrec.eval.HoldoutEvaluator;
import org.causalrec.eval.HoldoutSplit;
import org.causalrec.model.ModelKind;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.model.Objective;
import org.causalrec.model.PairWeights;
import org.causalrec.model.Popularity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Mult-VAE on every user's feedback: held-out validation users pick the best epoch (NDCG@100),
 * held-out test users measure it against popularity; debiased with popularity-power or learned
 * exposure propensities when the objective is ips or snips.
 */
final class MultVaeRecipe implements Recipe {

  private static final Logger LOG = LoggerFactory.getLogger(MultVaeRecipe.class);

  @Override
  public ModelKind<?, ?, ?> kind() {
    return MultVae.KIND;
  }

  @Override
  public int defaultEpochs(Config config) {
    return config.models().epochs();
  }

  @Override
  public JsonObject options(TrainingRequest request, Config config) {
    Objective o = Objectives.parse(request.objective(), config.causal().vaeObjective());
    if (o.doublyRobust()) {
      throw ApiException.badField("objective", "the Mult-VAE takes naive, ips or snips;"
          + " dr (DR-JL) and mrdr are defined for pointwise losses and apply to click-mlp");
    }
    // a requested source is checked even where the objective does not use it: a misspelt one is a 400, not ignored
    String source = request.propensity() != null ? request.propensity() : config.causal().propensity();
    if (!source.equals("popularity") && !source.equals("learned")) {
      throw ApiException.badField("propensity", "propensity must be popularity or learned");
    }
    JsonObject options = new JsonObject().put("objective", o.wireName());
    if (o.debiased()) {
      options.put("propensity", source);
    }
    return options;
  }

  @Override
  public Trained train(TrainingRun run) throws IOException {
    Feedback fb = Feedback.load(run.events(), run.config().eventTypes());
    if (fb.users().size() < 10 || fb.items().size() < 2) {
      throw new IllegalStateException("not enough feedback to train: " + fb.users().size() + " users, "
          + fb.items().size() + " items with positive events");
    }
    int heldOut = Math.min(1_000, Math.max(1, fb.users().size() / 10));
    HoldoutSplit split = HoldoutSplit.strongGeneralization(fb.matrix(), heldOut, 0.8, 1);
    int epochs = run.epochs();
    MultVaeParams p = MultVaeParams.forData(epochs, split.train().users(), MultVaeParams.DEFAULT_SEED);
    Objective objective = Objective.parse(run.objective());
    PairWeights weights = null;
    if (objective.debiased()) {
      PairWeights all = new CausalInputs(run).vaeWeights(fb, run.options().getString("propensity"));
      int[] rows = split.trainRows();
      weights = (u, i) -> all.weight(rows[u], i);
    }
    JsonArray curve = new JsonArray();
    MultVae.Data data = new MultVae.Data(split.train(), objective, weights,
        m -> HoldoutEvaluator.evaluate(m, split.valFoldIn(), split.valTarget()).get("ndcg@100"));
    try (MultVae vae = MultVae.KIND.train(data, p, run.device(), r -> {
      curve.add(new JsonObject().put("epoch", r.epoch()).put("loss", r.loss())
          .put("validation_ndcg@100", r.validation()));
      run.report(new JsonObject().put("epoch", r.epoch()).put("epochs", epochs).put("loss", r.loss())
          .put("beta", p.beta(r.steps())).put("validation_ndcg@100", r.validation())
          .put("users_per_second", r.examplesPerSecond()));
      if (r.epoch() == 1 || r.epoch() % 10 == 0 || r.epoch() == epochs) {
        LOG.info("{} epoch {}/{}: loss {} validation ndcg@100 {} ({} users/s)", run.version(), r.epoch(), epochs,
            String.format("%.4f", r.loss()), String.format("%.4f", r.validation()),
            String.format("%.0f", r.examplesPerSecond()));
      }
    })) {
      JsonObject metrics = new JsonObject();
      HoldoutEvaluator.evaluate(vae, split.testFoldIn(), split.testTarget()).forEach(metrics::put);
      JsonObject baseline = new JsonObject();
      Map<String, Double> pop = HoldoutEvaluator.evaluate(Popularity.fit(split.train()), split.testFoldIn(),
          split.testTarget());
      pop.forEach(baseline::put);
      metrics.put("popularity", baseline);
      // the learning curve, for the dashboard's plot of a finished version
      metrics.put("curve", curve);
      vae.save(run.dir());
      fb.items().write(run.dir().resolve("items.json"));
      JsonObject params = run.options().copy().put("epochs", epochs).put("hidden", p.hidden())
          .put("latent", p.latent()).put("dropout", p.dropout()).put("beta_cap", p.betaCap())
          .put("anneal_steps", p.annealSteps()).put("learning_rate", p.learningRate())
          .put("batch_size", p.batchSize()).put("train_users", split.train().users()).put("items", fb.items().size());
      return new Trained(params, metrics, fb.maxEventId(), run.dir());
    }
  }
}
