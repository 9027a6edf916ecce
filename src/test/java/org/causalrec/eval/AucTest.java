package org.causalrec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AucTest {

  @Test
  void handComputedCases() {
    // positives 0.9, 0.4; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) = 3 of 4
    assertEquals(0.75, Auc.of(new float[] {0.9f, 0.5f, 0.4f, 0.1f}, new boolean[] {true, false, true, false}), 1e-12);
    assertEquals(1.0, Auc.of(new float[] {3, 2, 1}, new boolean[] {true, false, false}), 1e-12);
    assertEquals(0.0, Auc.of(new float[] {1, 2, 3}, new boolean[] {true, false, false}), 1e-12);
    // a tie between a positive and a negative counts half
    assertEquals(0.5, Auc.of(new float[] {1, 1}, new boolean[] {true, false}), 1e-12);
    assertTrue(Double.isNaN(Auc.of(new float[] {1, 2}, new boolean[] {true, true})));
  }
}
