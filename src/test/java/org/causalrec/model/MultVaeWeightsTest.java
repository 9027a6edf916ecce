package org.causalrec.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
    float[] first = MultVae.weighted(X, USERS, new int[] {0}, Objective.IPS, INVERSE, mean);
    float[] second = MultVae.weighted(X, USERS, new int[] {1}, Objective.IPS, INVERSE, mean);
    assertArrayEquals(new float[] {0.25f, 0.75f, 0f}, first, 1e-6f);
    assertArrayEquals(new float[] {0f, 0f, 2f}, second, 1e-6f);
  }

  @Test
  void snipsDividesByTheBatchsMeanWeight() {
    float[] both = MultVae.weighted(X, USERS, new int[] {0, 1}, Objective.SNIPS, INVERSE, 1);
    assertArrayEquals(new float[] {0.25f, 0.75f, 0f, 0f, 0f, 2f}, both, 1e-6f);
    float[] alone = MultVae.weighted(X, USERS, new int[] {1}, Objective.SNIPS, INVERSE, 1);
    assertArrayEquals(new float[] {0f, 0f, 1f}, alone, 1e-6f);
  }
}
