package org.causalrec.train;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import org.causalrec.config.Config;
import org.causalrec.core.ApiException;
import org.causalrec.eval.Calibration;
import org.causalrec.model.ModelKind;

/**
 * How one model kind is trained on the stored events: which options it takes, how many epochs by
 * default, and the blocking run itself (read the data, split, train, evaluate, save). The job
 * runner knows kinds only through their recipes, listed once in {@link Recipes}.
 */
interface Recipe {

  /** The kind it trains. */
  ModelKind<?, ?, ?> kind();

  /** Epochs when the request names none. */
  int defaultEpochs(Config config);

  /**
   * The validated options of {@code request} (objective, propensity source) as the registry records
   * them; refuses an option this kind does not take with a 400 naming it.
   */
  default JsonObject options(TrainingRequest request, Config config) {
    if (request.objective() != null) {
      throw ApiException.badField("objective", "objective applies to mult-vae and click-mlp");
    }
    refusePropensity(request);
    return new JsonObject();
  }

  /** Trains, evaluates and saves a model into {@code run.dir()}; blocking, on the training worker. */
  Trained train(TrainingRun run) throws IOException;

  /** Refuses a propensity source: only the Mult-VAE takes one. */
  static void refusePropensity(TrainingRequest request) {
    if (request.propensity() != null) {
      throw ApiException.badField("propensity", "propensity (popularity or learned) applies to mult-vae;"
          + " the click model uses the impressions' logged propensities");
    }
  }

  /**
   * {@code {"expected_calibration_error", "log_loss", "examples", "deciles": [{"decile", "examples",
   * "predicted", "observed"}]}}.
   */
  static JsonObject json(Calibration c) {
    JsonArray ds = new JsonArray();
    c.deciles().forEach(d -> ds.add(new JsonObject().put("decile", d.decile()).put("examples", d.examples())
        .put("predicted", d.predicted()).put("observed", d.observed())));
    return new JsonObject().put("expected_calibration_error", c.expectedCalibrationError()).put("log_loss", c.logLoss())
        .put("examples", c.examples()).put("deciles", ds);
  }
}
