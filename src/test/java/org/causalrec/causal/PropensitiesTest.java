package org.causalrec.causal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Popularity-power propensities and the clipped share, by hand. */
class PropensitiesTest {

  @Test
  void popularityPowerByHand() {
    // counts 100, 25, 0 with eta 0.5: 1, 0.5, floor
    assertArrayEquals(new double[] {1.0, 0.5, 0.05}, Propensities.popularityPower(new int[] {100, 25, 0}, 0.5, 0.05),
        1e-12);
  }

  @Test
  void clippedShareCountsKnownPropensitiesBelowTheFloor() {
    assertEquals(0.5, Propensities.clippedShare(new float[] {0.01f, 0.2f, 0.04f, 1f}, 0.05), 1e-9);
    assertEquals(0.5, Propensities.clippedShare(new float[] {0.01f, Float.NaN, 1f}, 0.05), 1e-9, "NaN is unknown");
    assertEquals(0, Propensities.clippedShare(new float[] {Float.NaN}, 0.05));
  }
}
