package org.causalrec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Calibration by decile on hand-made predictions whose true rates are known. */
class CalibrationTest {

  @Test
  void predictionsThatMatchTheirRatesHaveNoCalibrationError() {
    // 1,000 examples: the k-th hundred predicted (k + 0.5) / 10 and clicked exactly that often
    float[] p = new float[1000];
    boolean[] y = new boolean[1000];
    for (int k = 0; k < 10; k++) {
      for (int j = 0; j < 100; j++) {
        p[k * 100 + j] = (k + 0.5f) / 10;
        y[k * 100 + j] = j < (k * 10 + 5);
      }
    }
    Calibration c = Calibration.of(p, y);
    assertEquals(10, c.deciles().size());
    assertEquals(1000, c.examples());
    for (int k = 0; k < 10; k++) {
      assertEquals((k + 0.5) / 10, c.deciles().get(k).predicted(), 1e-6);
      assertEquals((k + 0.5) / 10, c.deciles().get(k).observed(), 1e-12);
    }
    assertEquals(0, c.expectedCalibrationError(), 1e-6);
  }

  @Test
  void overconfidentPredictionsShowTheirGapAndLogLoss() {
    // clicks at 10 % everywhere, predicted 30 %: every decile is 0.2 off
    SplittableRandom rng = new SplittableRandom(1);
    float[] p = new float[20_000];
    boolean[] y = new boolean[p.length];
    int clicks = 0;
    for (int k = 0; k < p.length; k++) {
      p[k] = 0.3f;
      y[k] = rng.nextDouble() < 0.1;
      clicks += y[k] ? 1 : 0;
    }
    Calibration c = Calibration.of(p, y);
    double rate = clicks / (double) p.length;
    assertEquals(0.3 - rate, c.expectedCalibrationError(), 1e-6);
    assertEquals(-(rate * Math.log(0.3) + (1 - rate) * Math.log(0.7)), c.logLoss(), 1e-6);
    assertThrows(IllegalArgumentException.class, () -> Calibration.of(new float[2], new boolean[3]));
  }

  @Test
  void inversePropensityWeightsMeasureCalibrationOnEveryPairNotJustTheShownOnes() {
    // every pair predicted 0.3: half click at 0.5 and are shown with p = 0.9, half click at 0.1 and
    // are shown with p = 0.1; over all pairs the rate is 0.3, over the shown ones 0.46
    SplittableRandom rng = new SplittableRandom(2);
    int n = 0;
    float[] p = new float[40_000];
    boolean[] y = new boolean[p.length];
    float[] w = new float[p.length];
    for (int k = 0; k < 200_000 && n < p.length; k++) {
      boolean likes = k % 2 == 0;
      double shown = likes ? 0.9 : 0.1;
      if (rng.nextDouble() < shown) {
        p[n] = 0.3f;
        y[n] = rng.nextDouble() < (likes ? 0.5 : 0.1);
        w[n] = (float) (1 / shown);
        n++;
      }
    }
    p = java.util.Arrays.copyOf(p, n);
    y = java.util.Arrays.copyOf(y, n);
    w = java.util.Arrays.copyOf(w, n);
    assertEquals(0.16, Calibration.of(p, y).expectedCalibrationError(), 0.01, "as logged: off by 0.46 - 0.3");
    Calibration weighted = Calibration.weighted(p, y, w);
    assertEquals(0, weighted.expectedCalibrationError(), 0.01, "over every pair: calibrated");
    assertEquals(n, weighted.examples());
    float[] ones = new float[n];
    java.util.Arrays.fill(ones, 1f);
    assertEquals(Calibration.of(p, y).expectedCalibrationError(), Calibration.weighted(p, y, ones)
        .expectedCalibrationError(), 1e-9, "unit weights: the unweighted calibration");
  }
}
