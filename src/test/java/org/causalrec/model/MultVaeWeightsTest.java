package org.causalrec.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.causalrec.data.Interactions;
import org.junit.jupiter.api.Test;

/** The Mult-VAE's debiased targets by hand: ips keeps 1/p (one global scale), snips divides by the batch's mean. */
class MultVaeWeightsTest {

  // user 0 consumed items 0 and 1, user 1 item 2; 1/p = 1, 3 and 8
  private static final Interactions X = new Interactions.Builder(2, 3).add(0, 0, 1f).add(0, 1, 1f).add(1, 2, 1f)
      .build();
  private static final PairWeights INVERSE = (u, i) -> new float[] {1f, 3f, 8f}[i];
  private static final int[] USERS = {0, 1};

  @Test
  void ipsKeepsTheInverseWeightsUpToOneGlobalScale() {
    double mean = MultVae.meanWeight(X, USERS, INVERSE);
    assertEquals(4.0, mean, 1e-9);
    // each user alone in a batch: the weights keep their ratios across users (no per-user renormalisation)
    assertArrayEquals(new float[] {0.25f, 0.75f, 0f}, target(new int[] {0}, Objective.IPS, mean), 1e-6f);
    assertArrayEquals(new float[] {0f, 0f, 2f}, target(new int[] {1}, Objective.IPS, mean), 1e-6f);
  }

  @Test
  void snipsDividesByTheBatchsMeanWeight() {
    float[] both = target(new int[] {0, 1}, Objective.SNIPS, 1);
    assertArrayEquals(new float[] {0.25f, 0.75f, 0f, 0f, 0f, 2f}, both, 1e-6f);
    assertArrayEquals(new float[] {0f, 0f, 1f}, target(new int[] {1}, Objective.SNIPS, 1), 1e-6f);
  }

  @Test
  void naiveWeighsEveryConsumedItemOne() {
    assertArrayEquals(new float[] {1f, 1f, 0f, 0f, 0f, 1f}, target(new int[] {0, 1}, Objective.NAIVE, 1), 0f);
  }

  /** The batch's target written out densely: each flat position's weight, zero where nothing was consumed. */
  private static float[] target(int[] rows, Objective objective, double ipsScale) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDList t = MultVae.target(m, X, USERS, rows, objective, objective.debiased() ? INVERSE : null, ipsScale);
      long[] index = t.get(0).toLongArray();
      float[] weight = t.get(1).toFloatArray();
      float[] dense = new float[rows.length * X.items()];
      for (int k = 0; k < index.length; k++) {
        dense[(int) index[k]] += weight[k];
      }
      return dense;
    }
  }
}
