package org.causalrec.eval;

import java.util.SplittableRandom;
import org.causalrec.data.Impressions;

/**
 * Splits impressions at random and scores click models on the held-out ones: AUC against a
 * position-only baseline, and how well their probabilities are calibrated.
 */
public final class ClickEvaluation {

  private ClickEvaluation() {}

  /** Impression indexes split {@code 1 - testShare} / {@code testShare}: {train, test}. */
  public static int[][] split(int n, double testShare, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] train = new int[n];
    int[] test = new int[n];
    int a = 0;
    int b = 0;
    for (int k = 0; k < n; k++) {
      if (rng.nextDouble() < testShare) {
        test[b++] = k;
      } else {
        train[a++] = k;
      }
    }
    return new int[][] {java.util.Arrays.copyOf(train, a), java.util.Arrays.copyOf(test, b)};
  }

  /**
   * The baseline: each test impression scored by its position's click rate in {@code train}
   * (positions past 63 share a bucket, unlogged ones have their own).
   */
  public static float[] positionBaseline(Impressions train, Impressions test) {
    int max = 64;
    double[] clicks = new double[max + 1];
    double[] shown = new double[max + 1];
    for (int k = 0; k < train.size(); k++) {
      int p = bucket(train.position()[k], max);
      shown[p]++;
      if (train.clicked()[k]) {
        clicks[p]++;
      }
    }
    float[] out = new float[test.size()];
    for (int k = 0; k < test.size(); k++) {
      int p = bucket(test.position()[k], max);
      out[k] = shown[p] == 0 ? 0f : (float) (clicks[p] / shown[p]);
    }
    return out;
  }

  private static int bucket(int position, int max) {
    return position < 0 ? max : Math.min(max - 1, position);
  }
}
