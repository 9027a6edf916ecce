package org.causalrec.train;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import org.causalrec.config.Config;
import org.causalrec.data.Impressions;
import org.causalrec.model.ClickMlp;
import org.causalrec.model.ModelKind;
import org.causalrec.model.Objective;

/**
 * The click MLP on the logged impressions (one in five held out: half to fit the Platt scaling of
 * its probabilities, half for its AUC against a position baseline and its calibration; see
 * {@link ClickMlpFit}), with the items' text embeddings as an input when they exist and the
 * collaborative view of each pair from a Mult-VAE fitted inline ({@link PairFeatures}: what lets it
 * re-rank the serving Mult-VAE's candidates); debiased by the impressions' logged propensities (the
 * exposure model's where none was logged).
 */
final class ClickMlpRecipe implements Recipe {

  /** Default epochs (it sees every impression each epoch). */
  static final int EPOCHS = 12;

  @Override
  public ModelKind<?, ?, ?> kind() {
    return ClickMlp.KIND;
  }

  @Override
  public int defaultEpochs(Config config) {
    return EPOCHS;
  }

  @Override
  public JsonObject options(TrainingRequest request, Config config) {
    Recipe.refusePropensity(request);
    return new JsonObject().put("objective",
        Objectives.parse(request.objective(), config.causal().clickObjective()).wireName());
  }

  @Override
  public Trained train(TrainingRun run) throws IOException {
    long maxEventId = run.snapshot();
    Impressions all = Impressions.load(run.events());
    if (all.size() < 100) {
      throw new IllegalStateException("not enough impressions to train a click model: " + all.size());
    }
    int epochs = run.epochs();
    ClickMlp.Params p = ClickMlp.Params.defaults(epochs);
    Objective objective = Objective.parse(run.objective());
    try (PairFeatures pf = new CausalInputs(run).pairFeatures(all.items());
        ClickMlpFit.Fitted fitted = ClickMlpFit.fit(all, objective,
        train -> new CausalInputs(run).impressionPropensities(train), (float) run.config().causal().minPropensity(),
        run.itemText(), pf.features(), p, run.device(),
        r -> run.report(new JsonObject().put("epoch", r.epoch()).put("epochs", epochs).put("loss", r.loss())
            .put("examples_per_second", r.examplesPerSecond())))) {
      ClickMlp mlp = fitted.mlp();
      Impressions train = fitted.train();
      JsonObject metrics = fitted.metrics();
      mlp.save(run.dir());
      train.items().write(run.dir().resolve("items.json"));
      train.surfaces().write(run.dir().resolve("surfaces.json"));
      pf.saveCounts(run.dir());
      JsonObject params = new JsonObject().put("objective", objective.wireName()).put("epochs", epochs)
          .put("embedding", p.embedding())
          .put("hidden", p.hidden()).put("learning_rate", p.learningRate()).put("batch_size", p.batchSize())
          .put("train_impressions", train.size()).put("feature_vae_epochs", PairFeatures.EPOCHS)
          .put("text_features", !mlp.usesItemFeatures() ? null : run.itemTextModel());
      return new Trained(params, metrics, maxEventId, run.dir());
    }
  }
}
