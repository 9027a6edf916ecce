package org.causalrec.sim;

import java.util.SplittableRandom;

/** The few vector operations the world's latent space needs. */
final class Vectors {

  private Vectors() {}

  /** d independent N(0, sd²) draws. */
  static float[] gaussian(SplittableRandom r, int d, double sd) {
    float[] v = new float[d];
    for (int k = 0; k < d; k++) {
      v[k] = (float) (r.nextGaussian() * sd);
    }
    return v;
  }

  /** v += w · c, element-wise. */
  static void add(float[] v, float[] c, double w) {
    for (int k = 0; k < v.length; k++) {
      v[k] += (float) (w * c[k]);
    }
  }

  /** Scales v to unit length, in place; returns it. */
  static float[] normalize(float[] v) {
    double n = 0;
    for (float x : v) {
      n += x * x;
    }
    n = Math.sqrt(n);
    for (int k = 0; k < v.length; k++) {
      v[k] /= (float) n;
    }
    return v;
  }
}
