package org.causalrec.train;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import org.causalrec.causal.ExposureModel;
import org.causalrec.config.Config;
import org.causalrec.eval.Calibration;
import org.causalrec.model.ModelKind;
import org.causalrec.model.PairModel;

/** The exposure propensity model on the logged sessions, with its calibration on held-out sessions. */
final class ExposureRecipe implements Recipe {

  @Override
  public ModelKind<?, ?, ?> kind() {
    return ExposureModel.KIND;
  }

  @Override
  public int defaultEpochs(Config config) {
    return CausalInputs.EXPOSURE_EPOCHS;
  }

  @Override
  public Trained train(TrainingRun run) throws IOException {
    CausalInputs inputs = new CausalInputs(run);
    CausalInputs.Log l = inputs.readLog();
    try (ExposureModel m = inputs.fitExposure(l, run.epochs())) {
      Calibration cal = m.calibration(l.impressions(), l.sessions());
      m.save(run.dir());
      l.impressions().users().write(run.dir().resolve("users.json"));
      l.impressions().items().write(run.dir().resolve("items.json"));
      JsonObject c = Recipe.json(cal);
      JsonObject metrics = new JsonObject().put("expected_calibration_error", cal.expectedCalibrationError())
          .put("log_loss", cal.logLoss()).put("calibration_sessions", cal.examples() / m.items())
          .put("calibration", c.getJsonArray("deciles"))
          .put("sessions", l.sessions().size()).put("impressions", l.impressions().size());
      JsonObject params = new JsonObject().put("epochs", run.epochs())
          .put("dim", PairModel.Params.defaults(run.epochs(), 1).dim())
          .put("negatives_per_session", 20).put("text_dim", m.textDim());
      return new Trained(params, metrics, l.maxEventId(), run.dir());
    }
  }
}
