package org.causalrec.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.causalrec.data.Interactions;

/**
 * EASE (Steck, WWW 2019): a closed-form item-item model. B = I - P diag(1/diag(P)) with
 * P = (X'X + lambda I)^-1 and diag(B) = 0; scores = x B. Dense in items, so it is meant for
 * catalogues up to {@link #MAX_ITEMS} items on the CPU.
 */
public final class Ease implements CfModel {

  /** Above this many items the I x I matrices no longer fit a small machine comfortably. */
  public static final int MAX_ITEMS = 12_000;

  private final int items;
  private final float[] b; // row-major I x I
  private final double lambda;

  private Ease(int items, float[] b, double lambda) {
    this.items = items;
    this.b = b;
    this.lambda = lambda;
  }

  /** Fits B on the binarised training rows with L2 weight {@code lambda}. */
  public static Ease fit(Interactions train, double lambda) {
    int n = train.items();
    if (n > MAX_ITEMS) {
      throw new IllegalArgumentException("EASE needs a dense " + n + " x " + n + " matrix; limit is " + MAX_ITEMS);
    }
    double[] gram = new double[n * n];
    for (int u = 0; u < train.users(); u++) {
      int[] row = train.row(u);
      for (int a : row) {
        int base = a * n;
        for (int c : row) {
          gram[base + c] += 1.0;
        }
      }
    }
    for (int i = 0; i < n; i++) {
      gram[i * n + i] += lambda;
    }
    double[] p;
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      NDArray g = m.create(gram, new Shape(n, n));
      p = g.inverse().toType(DataType.FLOAT64, false).toDoubleArray();
    }
    float[] b = new float[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        b[i * n + j] = i == j ? 0f : (float) (-p[i * n + j] / p[j * n + j]);
      }
    }
    return new Ease(n, b, lambda);
  }

  /** The L2 weight it was fitted with. */
  public double lambda() {
    return lambda;
  }

  @Override
  public String kind() {
    return "ease";
  }

  @Override
  public float[][] score(Interactions history, int from, int to) {
    float[][] out = new float[to - from][items];
    for (int r = from; r < to; r++) {
      float[] s = out[r - from];
      for (int i : history.row(r)) {
        int base = i * items;
        for (int j = 0; j < items; j++) {
          s[j] += b[base + j];
        }
      }
    }
    return out;
  }
}
