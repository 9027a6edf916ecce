package org.causalrec.causal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PropensitiesAndUpliftTest {

  @Test
  void popularityPowerByHand() {
    // counts 100, 25, 0 with eta 0.5: 1, 0.5, floor
    assertArrayEquals(new double[] {1.0, 0.5, 0.05}, Propensities.popularityPower(new int[] {100, 25, 0}, 0.5, 0.05),
        1e-12);
  }

  @Test
  void etaIsRecoveredFromExposureThatFollowsPopularity() {
    int[] counts = {1000, 500, 200, 100, 50, 10};
    double[] rate = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      rate[i] = Math.pow(counts[i] / 1000.0, 0.7);
    }
    assertEquals(0.7, Propensities.fitEta(counts, rate), 1e-9);
  }

  @Test
  void transformedOutcomeByHandAndUnbiasedForAPlantedEffect() {
    assertEquals(4.0, Uplift.transformedOutcome(true, 1.0, 0.25), 1e-12);
    assertEquals(-1.0 / 0.75, Uplift.transformedOutcome(false, 1.0, 0.25), 1e-12);
    assertEquals(0.0, Uplift.transformedOutcome(false, 0.0, 0.25), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> Uplift.transformedOutcome(true, 1, 1.0));
    // y0 = 0.1, y1 = 0.3 (tau = 0.2), recommended with probability 0.3: the mean of Y* is about 0.2
    SplittableRandom rng = new SplittableRandom(1);
    double s = 0;
    int n = 400_000;
    for (int k = 0; k < n; k++) {
      boolean z = rng.nextDouble() < 0.3;
      double y = rng.nextDouble() < (z ? 0.3 : 0.1) ? 1 : 0;
      s += Uplift.transformedOutcome(z, y, 0.3);
    }
    assertEquals(0.2, s / n, 0.01);
  }

  @Test
  void causalPrecisionAveragesOverK() {
    boolean[] z = {true, false, true};
    double[] y = {1, 1, 0};
    double[] e = {0.5, 0.5, 0.5};
    // (2 - 2 + 0) / 3 over the top 3; the top 1 alone: 2 / 1
    assertEquals(0.0, Uplift.causalPrecision(z, y, e, 3), 1e-12);
    assertEquals(2.0, Uplift.causalPrecision(z, y, e, 1), 1e-12);
  }
}
