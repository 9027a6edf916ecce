package org.causalrec.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The network of an {@link ExplicitModel}: a logit for a (user, item) pair from user and item
 * embeddings P_u, Q_i and biases b_u, b_i, b. Matrix factorisation takes the inner product
 * ⟨P_u, Q_i⟩ (the debiasing papers' MF); the MLP passes [P_u; Q_i] through one ReLU layer (NCF's
 * MLP tower). Gradients are accumulated per example and applied per batch with Adam; the
 * embedding rows a batch did not touch are left alone (lazy Adam), so a step costs the batch, not
 * the vocabulary. L2 applies to what a batch touches.
 */
final class PairNet {

  /** One parameter array with its gradient and Adam moments; rows of {@code width} values. */
  private static final class Tensor {
    final float[] w;
    final float[] g;
    final float[] m;
    final float[] v;
    final int width;
    final boolean sparse;
    final boolean[] touched;
    final int[] rows;
    int touchedCount;

    Tensor(int rows, int width, boolean sparse) {
      this.w = new float[rows * width];
      this.g = new float[w.length];
      this.m = new float[w.length];
      this.v = new float[w.length];
      this.width = width;
      this.sparse = sparse;
      this.touched = new boolean[sparse ? rows : 0];
      this.rows = new int[sparse ? rows : 0];
    }

    void touch(int row) {
      if (sparse && !touched[row]) {
        touched[row] = true;
        rows[touchedCount++] = row;
      }
    }
  }

  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPS = 1e-8f;

  final ExplicitModel.Arch arch;
  final int dim;
  final int hidden;
  private final Tensor p;
  private final Tensor q;
  private final Tensor bu;
  private final Tensor bi;
  private final Tensor b;
  private final Tensor w1;
  private final Tensor b1;
  private final Tensor w2;
  private final List<Tensor> all = new ArrayList<>();
  private long steps;

  PairNet(ExplicitModel.Arch arch, int users, int items, int dim, int hidden, long seed) {
    this.arch = arch;
    this.dim = dim;
    this.hidden = arch == ExplicitModel.Arch.MLP ? hidden : 0;
    SplittableRandom r = new SplittableRandom(seed);
    p = add(new Tensor(users, dim, true));
    q = add(new Tensor(items, dim, true));
    bu = add(new Tensor(users, 1, true));
    bi = add(new Tensor(items, 1, true));
    b = add(new Tensor(1, 1, false));
    float scale = arch == ExplicitModel.Arch.MF ? 0.1f : (float) Math.sqrt(1.0 / dim);
    gaussian(p.w, scale, r);
    gaussian(q.w, scale, r);
    if (this.hidden > 0) {
      w1 = add(new Tensor(this.hidden, 2 * dim, false));
      b1 = add(new Tensor(this.hidden, 1, false));
      w2 = add(new Tensor(this.hidden, 1, false));
      gaussian(w1.w, (float) Math.sqrt(2.0 / (2 * dim)), r);
      gaussian(w2.w, (float) Math.sqrt(1.0 / this.hidden), r);
    } else {
      w1 = null;
      b1 = null;
      w2 = null;
    }
  }

  private Tensor add(Tensor t) {
    all.add(t);
    return t;
  }

  private static void gaussian(float[] w, float scale, SplittableRandom r) {
    for (int k = 0; k < w.length; k++) {
      double u1 = 1 - r.nextDouble();
      double u2 = r.nextDouble();
      w[k] = (float) (scale * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
  }

  /** A scratch buffer for one example's hidden activations. */
  float[] scratch() {
    return new float[Math.max(1, hidden)];
  }

  /**
   * The logit of (u, i); {@code h} receives the hidden activations (MLP). A user or item index
   * of -1 (unseen in training) contributes no embedding and no bias.
   */
  float logit(int u, int i, float[] h) {
    return logit(u, i, h, null, null);
  }

  /**
   * The logit with some embedding dimensions dropped: where {@code keepUser[k]} (or
   * {@code keepItem[k]}) is false, P_u's (Q_i's) k-th value counts as 0, unscaled (Monte Carlo
   * dropout at prediction time). A null mask keeps every dimension. Nothing is learned from it.
   */
  float logit(int u, int i, float[] h, boolean[] keepUser, boolean[] keepItem) {
    double z = b.w[0] + (u >= 0 ? bu.w[u] : 0) + (i >= 0 ? bi.w[i] : 0);
    if (u < 0 || i < 0) {
      return (float) z;
    }
    int pu = u * dim;
    int qi = i * dim;
    if (hidden == 0) {
      for (int k = 0; k < dim; k++) {
        if ((keepUser == null || keepUser[k]) && (keepItem == null || keepItem[k])) {
          z += p.w[pu + k] * q.w[qi + k];
        }
      }
      return (float) z;
    }
    for (int j = 0; j < hidden; j++) {
      int row = j * 2 * dim;
      double a = b1.w[j];
      for (int k = 0; k < dim; k++) {
        a += (keepUser == null || keepUser[k] ? w1.w[row + k] * p.w[pu + k] : 0)
            + (keepItem == null || keepItem[k] ? w1.w[row + dim + k] * q.w[qi + k] : 0);
      }
      h[j] = a > 0 ? (float) a : 0f;
      z += w2.w[j] * h[j];
    }
    return (float) z;
  }

  /** Accumulates the gradient of an example whose loss has derivative {@code dz} in its logit. */
  void backward(int u, int i, float[] h, float dz) {
    b.g[0] += dz;
    bu.g[u] += dz;
    bu.touch(u);
    bi.g[i] += dz;
    bi.touch(i);
    p.touch(u);
    q.touch(i);
    int pu = u * dim;
    int qi = i * dim;
    if (hidden == 0) {
      for (int k = 0; k < dim; k++) {
        p.g[pu + k] += dz * q.w[qi + k];
        q.g[qi + k] += dz * p.w[pu + k];
      }
      return;
    }
    for (int j = 0; j < hidden; j++) {
      w2.g[j] += dz * h[j];
      if (h[j] <= 0) {
        continue;
      }
      float da = dz * w2.w[j];
      b1.g[j] += da;
      int row = j * 2 * dim;
      for (int k = 0; k < dim; k++) {
        w1.g[row + k] += da * p.w[pu + k];
        w1.g[row + dim + k] += da * q.w[qi + k];
        p.g[pu + k] += da * w1.w[row + k];
        q.g[qi + k] += da * w1.w[row + dim + k];
      }
    }
  }

  /** One Adam step on the accumulated gradients (plus L2 {@code l2} on embeddings and weights), then clears them. */
  void step(float learningRate, float l2) {
    steps++;
    float c1 = (float) (1 - Math.pow(BETA1, steps));
    float c2 = (float) (1 - Math.pow(BETA2, steps));
    for (Tensor t : all) {
      boolean decay = t != b && t != b1 && t != bu && t != bi;
      if (t.sparse) {
        for (int r = 0; r < t.touchedCount; r++) {
          int row = t.rows[r];
          t.touched[row] = false;
          update(t, row * t.width, (row + 1) * t.width, learningRate, decay ? l2 : 0, c1, c2);
        }
        t.touchedCount = 0;
      } else {
        update(t, 0, t.w.length, learningRate, decay ? l2 : 0, c1, c2);
      }
    }
  }

  private static void update(Tensor t, int from, int to, float lr, float l2, float c1, float c2) {
    for (int k = from; k < to; k++) {
      float g = t.g[k] + l2 * t.w[k];
      t.m[k] = BETA1 * t.m[k] + (1 - BETA1) * g;
      t.v[k] = BETA2 * t.v[k] + (1 - BETA2) * g * g;
      t.w[k] -= lr * (t.m[k] / c1) / ((float) Math.sqrt(t.v[k] / c2) + EPS);
      t.g[k] = 0;
    }
  }

  /** A copy of the parameters (for keeping the best epoch). */
  float[][] snapshot() {
    float[][] out = new float[all.size()][];
    for (int k = 0; k < out.length; k++) {
      out[k] = all.get(k).w.clone();
    }
    return out;
  }

  /** Restores parameters taken by {@link #snapshot()}. */
  void restore(float[][] saved) {
    for (int k = 0; k < saved.length; k++) {
      System.arraycopy(saved[k], 0, all.get(k).w, 0, saved[k].length);
    }
  }
}
