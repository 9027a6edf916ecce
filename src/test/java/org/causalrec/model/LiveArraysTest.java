package org.causalrec.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The live NDArray count the node reports, against arrays made and closed here. */
class LiveArraysTest {

  @Test
  void countsTheArraysOfEveryOpenManagerAndForgetsClosedOnes() {
    int before = Devices.liveArrays();
    try (NDManager outer = NDManager.newBaseManager()) {
      outer.zeros(new Shape(3));
      try (NDManager inner = outer.newSubManager()) {
        inner.ones(new Shape(2, 2));
        inner.ones(new Shape(4)).close();
        assertEquals(before + 2, Devices.liveArrays());
      }
      assertEquals(before + 1, Devices.liveArrays());
    }
    assertEquals(before, Devices.liveArrays());
  }
}
