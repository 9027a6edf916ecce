package org.causalrec.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Sparse COO arrays whose indices and values stay valid as long as the array's manager is open.
 *
 * <p>DJL 0.29's {@code NDManager.createCoo} on the CPU wraps its two Java buffers without copying
 * them and closes the wrapping arrays before it returns, so the buffers can be garbage-collected
 * under the sparse tensor that still reads them (measured: an index of 140,349,466,329,168 in a
 * 500-row batch after a few hundred steps). Here both arrays are created in {@code manager} and
 * left open, so their buffers live until the manager closes.
 */
final class SparseArrays {

  private SparseArrays() {}

  /**
   * A [rows, columns] COO array of {@code values} at ({@code index[0][k]}, {@code index[1][k]}),
   * the first {@code n} entries of each.
   */
  static NDArray coo(NDManager manager, long[][] index, float[] values, int n, Shape shape) {
    long[][] used = {java.util.Arrays.copyOf(index[0], n), java.util.Arrays.copyOf(index[1], n)};
    NDArray indices = manager.create(used);
    NDArray data = manager.create(java.util.Arrays.copyOf(values, n));
    return JniUtils.createSparseCoo((PtNDArray) indices, (PtNDArray) data, shape);
  }
}
