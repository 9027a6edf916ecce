package org.causalrec.train;

import ai.djl.Device;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;
import java.util.function.Function;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import org.causalrec.eval.Auc;
import org.causalrec.eval.Calibration;
import org.causalrec.eval.ClickEvaluation;
import org.causalrec.model.ClickMlp;
import org.causalrec.model.ImpressionFeatures;
import org.causalrec.model.Objective;
import org.causalrec.model.PlattScaling;
import org.causalrec.model.TrainingLoop;

/**
 * The click MLP fitted to four in five of a log's impressions, Platt-scaled on half of the fifth and
 * measured on the other half: what the trainer registers and what {@code evaluate --protocol clicks}
 * prints.
 */
public final class ClickMlpFit {

  private ClickMlpFit() {}

  /** Share of the impressions held out: half to fit the calibration on, half to measure on. */
  public static final double HELD_OUT_SHARE = 0.2;

  /**
   * A click MLP fitted to the training impressions and calibrated, and its measures on the test ones.
   *
   * @param mlp the model, its Platt scaling set (the caller closes it)
   * @param train the impressions it was fitted to
   * @param metrics {@code auc}, {@code position_baseline_auc}, {@code test_impressions},
   *     {@code click_rate}, {@code platt} (its {@code a}, {@code b}, {@code impressions}, whether
   *     they were {@code weighted} and whether it was {@code fitted}: not when they lack a click or a
   *     non-click), {@code uncalibrated_expected_calibration_error},
   *     {@code expected_calibration_error}, {@code log_loss} and {@code calibration} (predicted
   *     against observed click rate by decile of the predictions); where every test impression
   *     logged its propensity, {@code propensity_weighted_calibration} (the same weighted by 1/p:
   *     against the click rate of every pair had it been shown, which is what a debiased model predicts)
   */
  public record Fitted(ClickMlp mlp, Impressions train, JsonObject metrics) implements AutoCloseable {
    @Override
    public void close() {
      mlp.close();
    }
  }

  /**
   * Fits a click MLP with {@code objective} to four in five of {@code all}'s impressions (a seeded
   * split), fits its Platt scaling on half of the fifth and measures it on the other half. The
   * scaling of a debiased objective is fitted with 1/p weights (where every calibration impression
   * logged its propensity), so that it calibrates against every pair as the objective does.
   *
   * @param propensities the training impressions' exposure propensities, asked only for a debiased objective
   * @param minPropensity the clipping floor of a debiased objective and of the 1/p weights
   * @param itemText text embeddings of the training items, or null for none
   * @param pairFeatures the collaborative view of each impression's pair, an input of the network; null for none
   */
  public static Fitted fit(Impressions all, Objective objective, Function<Impressions, float[]> propensities,
      float minPropensity, Function<IdIndex, float[][]> itemText, ImpressionFeatures pairFeatures, ClickMlp.Params p,
      Device device, Consumer<TrainingLoop.Epoch> progress) {
    int[][] split = ClickEvaluation.split(all.size(), HELD_OUT_SHARE, 1);
    int[][] halves = ClickEvaluation.split(split[1].length, 0.5, 2);
    Impressions train = all.select(split[0]);
    Impressions calibrationSet = all.select(java.util.Arrays.stream(halves[0]).map(k -> split[1][k]).toArray());
    Impressions test = all.select(java.util.Arrays.stream(halves[1]).map(k -> split[1][k]).toArray());
    ClickMlp.Debiasing debiasing = ClickMlp.Debiasing.NONE;
    if (objective.debiased()) {
      Sessions.Unshown unshown = objective.doublyRobust() ? Sessions.of(train).unshown(train, 10, 1) : null;
      debiasing = new ClickMlp.Debiasing(objective, propensities.apply(train), minPropensity,
          unshown == null ? null : unshown.pairs(), unshown == null ? null : unshown.weight());
    }
    float[][] text = itemText.apply(train.items());
    ClickMlp mlp = ClickMlp.KIND.train(new ClickMlp.Data(train, text, debiasing, pairFeatures), p, device, progress);
    try {
      float[] calibrationWeights = objective.debiased() ? inverse(calibrationSet, minPropensity) : null;
      boolean weighted = calibrationWeights != null;
      if (!weighted) {
        calibrationWeights = new float[calibrationSet.size()];
        java.util.Arrays.fill(calibrationWeights, 1f);
      }
      // a held-out set without both outcomes (a tiny log) cannot fit a scaling: the network's own
      // probabilities are kept, and the metrics say so
      boolean fitted = hasBoth(calibrationSet.clicked());
      PlattScaling platt = !fitted ? PlattScaling.IDENTITY
          : PlattScaling.fit(mlp.predict(calibrationSet), calibrationSet.clicked(), calibrationWeights);
      float[] raw = mlp.predict(test);
      double uncalibrated = Calibration.of(raw, test.clicked()).expectedCalibrationError();
      mlp.calibrate(platt);
      float[] predicted = new float[raw.length]; // what predict now returns, without a second pass
      for (int k = 0; k < raw.length; k++) {
        predicted[k] = platt.apply(raw[k]);
      }
      Calibration calibration = Calibration.of(predicted, test.clicked());
      JsonObject metrics = new JsonObject()
          .put("auc", Auc.of(predicted, test.clicked()))
          .put("position_baseline_auc", Auc.of(ClickEvaluation.positionBaseline(train, test), test.clicked()))
          .put("test_impressions", test.size())
          .put("click_rate", all.clickRate())
          .put("platt", new JsonObject().put("a", platt.a()).put("b", platt.b())
              .put("impressions", calibrationSet.size()).put("weighted", weighted).put("fitted", fitted))
          .put("uncalibrated_expected_calibration_error", uncalibrated)
          .put("expected_calibration_error", calibration.expectedCalibrationError())
          .put("log_loss", calibration.logLoss())
          .put("calibration", Recipe.json(calibration).getJsonArray("deciles"));
      float[] inverse = inverse(test, minPropensity);
      if (inverse != null && inverse.length > 0) {
        metrics.put("propensity_weighted_calibration",
            Recipe.json(Calibration.weighted(predicted, test.clicked(), inverse)));
      }
      return new Fitted(mlp, train, metrics);
    } catch (RuntimeException e) {
      mlp.close();
      throw e;
    }
  }

  private static boolean hasBoth(boolean[] outcomes) {
    boolean yes = false;
    boolean no = false;
    for (boolean o : outcomes) {
      yes |= o;
      no |= !o;
    }
    return yes && no;
  }

  /** 1/p of each impression's logged propensity, clipped at {@code floor}; null unless every one logged it. */
  private static float[] inverse(Impressions imp, float floor) {
    float[] out = new float[imp.size()];
    for (int k = 0; k < out.length; k++) {
      float e = imp.propensity()[k];
      if (Float.isNaN(e)) {
        return null;
      }
      out[k] = 1f / Math.max(floor, Math.min(1f, e));
    }
    return out;
  }
}
