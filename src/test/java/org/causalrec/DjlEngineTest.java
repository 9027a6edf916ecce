package org.causalrec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** The build ships a working PyTorch engine that loads offline from the bundled natives. */
class DjlEngineTest {

  @Test
  void pytorchRunsOfflineOnTheCpu() {
    Engine engine = Engine.getEngine("PyTorch");
    assertEquals("2.3.1", engine.getVersion());
    try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      NDArray a = manager.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
      NDArray b = manager.create(new float[] {1, 0, 0, 1}, new ai.djl.ndarray.types.Shape(2, 2));
      assertArrayEquals(new float[] {1, 2, 3, 4}, a.matMul(b).toFloatArray());
    }
  }
}
