package org.causalrec.causal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Collaborative pair features by hand. */
class CfFeaturesTest {

  @Test
  void standardisesScoresRanksThemAndScalesPopularity() {
    // scores 1, 3, NaN (unknown item); counts 0, 3, 7 -> popularity log1p(n) / log1p(7) = 0, 2 log 2 / 3 log 2, 1
    float[] x = CfFeatures.of(new float[] {1f, 3f, Float.NaN}, CfFeatures.popularity(new int[] {0, 3, 7}));
    // known scores: mean 2, sd 1 -> z = -1, +1; unknown -> -3
    assertEquals(-1f, x[0], 1e-6);
    assertEquals(1f, x[3], 1e-6);
    assertEquals(-3f, x[6], 1e-6);
    // percentile ranks: unknown lowest (0), then 1 (0.5), then 3 (1)
    assertEquals(0.5f, x[1], 1e-6);
    assertEquals(1f, x[4], 1e-6);
    assertEquals(0f, x[7], 1e-6);
    assertArrayEquals(new float[] {0f, 2f / 3f, 1f}, new float[] {x[2], x[5], x[8]}, 1e-6f);
  }

  @Test
  void aFewItemsGetTheFeaturesTheWholeTableGivesThem() {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
    int n = 2_000;
    float[] scores = new float[n];
    int[] counts = new int[n];
    for (int i = 0; i < n; i++) {
      scores[i] = i % 97 == 0 ? Float.NaN : (float) rng.nextGaussian(); // a few unknown items, no ties
      counts[i] = rng.nextInt(50);
    }
    CfFeatures f = new CfFeatures(null, CfFeatures.popularity(counts));
    float[] all = CfFeatures.of(scores, f.popularity());
    int[] asked = {5, 1_999, 0, 1_234, 17, 97 * 3, 808};
    float[] few = f.forItems(scores, asked);
    for (int k = 0; k < asked.length; k++) {
      int i = asked[k];
      boolean unknown = Float.isNaN(scores[i]);
      assertEquals(all[i * CfFeatures.DIM], few[k * CfFeatures.DIM], 1e-5, "z of item " + i);
      // an unknown item ranks lowest: 0 here, its place among the unknown items in the table
      assertEquals(unknown ? 0f : all[i * CfFeatures.DIM + 1], few[k * CfFeatures.DIM + 1], 1e-6, "rank of " + i);
      assertEquals(all[i * CfFeatures.DIM + 2], few[k * CfFeatures.DIM + 2], 1e-6, "popularity of " + i);
    }
  }

  @Test
  void anEmptyHistoryGetsNeutralFeatures() {
    CfFeatures f = new CfFeatures(h -> {
      throw new AssertionError("nothing to score");
    }, CfFeatures.popularity(new int[] {1, 1}));
    assertArrayEquals(new float[] {0f, 0.5f, 1f, 0f, 0.5f, 1f}, f.forHistory(new int[0]), 1e-6f);
  }

  @Test
  void eachItemsRowComesFromTheHistoryWithoutIt() {
    // the score of an item is 1 when the scored history holds it: a row shows whether its item was an input
    CfFeatures f = new CfFeatures(hs -> {
      float[][] out = new float[hs.length][4];
      for (int r = 0; r < hs.length; r++) {
        for (int i : hs[r]) {
          out[r][i] = 1f;
        }
      }
      return out;
    }, CfFeatures.popularity(new int[] {1, 1, 1, 1}));
    float[] x = f.forHistory(new int[] {0, 2});
    // item 0's row: history {2} -> 0 is not in it; item 1's row: history {0, 2} -> 1 is not in it either
    for (int i = 0; i < 4; i++) {
      assertEquals(true, x[i * CfFeatures.DIM] < 0, "item " + i + " scored from a history holding it");
    }
  }
}
