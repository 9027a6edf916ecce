package org.causalrec.model;

import org.causalrec.data.Interactions;

/** Most-popular baseline: every user gets the items ranked by how many training users have them. */
public final class Popularity implements CfModel {

  private final float[] counts;

  private Popularity(float[] counts) {
    this.counts = counts;
  }

  /** Counts item popularity over the training rows. */
  public static Popularity fit(Interactions train) {
    int[] c = train.itemCounts();
    float[] f = new float[c.length];
    for (int i = 0; i < c.length; i++) {
      f[i] = c[i];
    }
    return new Popularity(f);
  }

  @Override
  public String kind() {
    return "popularity";
  }

  @Override
  public float[][] score(Interactions history, int from, int to) {
    float[][] out = new float[to - from][];
    for (int r = 0; r < out.length; r++) {
      out[r] = counts.clone();
    }
    return out;
  }
}
