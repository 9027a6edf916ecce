package org.causalrec.causal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** Popularity-power propensities by hand. */
class PropensitiesTest {

  @Test
  void popularityPowerByHand() {
    // counts 100, 25, 0 with eta 0.5: 1, 0.5, floor
    assertArrayEquals(new double[] {1.0, 0.5, 0.05}, Propensities.popularityPower(new int[] {100, 25, 0}, 0.5, 0.05),
        1e-12);
  }
}
