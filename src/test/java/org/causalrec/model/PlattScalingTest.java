package org.causalrec.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Platt scaling recovers a known miscalibration and weighs its examples. */
class PlattScalingTest {

  private static double logit(double p) {
    return Math.log(p / (1 - p));
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  @Test
  void recoversTheSlopeAndShiftOfAnOverconfidentModel() {
    // the model says p; the truth is sigmoid(0.5 logit(p) - 0.3): over-confident and too high
    SplittableRandom rng = new SplittableRandom(7);
    int n = 100_000;
    float[] p = new float[n];
    boolean[] y = new boolean[n];
    float[] w = new float[n];
    for (int k = 0; k < n; k++) {
      p[k] = (float) sigmoid(3 * rng.nextGaussian());
      y[k] = rng.nextDouble() < sigmoid(0.5 * logit(p[k]) - 0.3);
      w[k] = 1f;
    }
    PlattScaling s = PlattScaling.fit(p, y, w);
    assertEquals(0.5, s.a(), 0.03);
    assertEquals(-0.3, s.b(), 0.03);
    assertEquals(sigmoid(0.5 * logit(0.8) - 0.3), s.apply(0.8f), 0.01);
    assertEquals(0.37f, PlattScaling.IDENTITY.apply(0.37f), "the identity leaves a probability as it is");
  }

  @Test
  void weightsCountAsRepeatedExamples() {
    // one example of weight 3 fits as three copies of it
    float[] p = {0.2f, 0.7f, 0.4f, 0.9f};
    boolean[] y = {false, true, true, false};
    PlattScaling weighted = PlattScaling.fit(p, y, new float[] {1, 3, 1, 1});
    PlattScaling copies = PlattScaling.fit(new float[] {0.2f, 0.7f, 0.7f, 0.7f, 0.4f, 0.9f},
        new boolean[] {false, true, true, true, true, false}, new float[] {1, 1, 1, 1, 1, 1});
    assertEquals(copies.a(), weighted.a(), 1e-6);
    assertEquals(copies.b(), weighted.b(), 1e-6);
    assertThrows(IllegalArgumentException.class,
        () -> PlattScaling.fit(new float[] {0.1f, 0.2f}, new boolean[] {true, true}, new float[] {1, 1}));
  }
}
