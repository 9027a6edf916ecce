package org.causalrec.core;

import java.util.SplittableRandom;

/** Poisson draws: the simulator's event counts and the uplift ensemble's bootstrap weights. */
public final class Poisson {

  private Poisson() {}

  /** A Poisson({@code mean}) draw (Knuth's product of uniforms; a rounded normal above a mean of 30). */
  public static int draw(SplittableRandom rng, double mean) {
    if (mean <= 0) {
      return 0;
    }
    if (mean > 30) {
      return (int) Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.nextGaussian()));
    }
    double l = Math.exp(-mean);
    int k = 0;
    double p = 1;
    do {
      k++;
      p *= rng.nextDouble();
    } while (p > l);
    return k - 1;
  }

  /** A Poisson(1) bootstrap of {@code n} units (how many times each is drawn), reproducible from {@code seed}. */
  public static float[] bootstrap(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
    float[] w = new float[n];
    for (int u = 0; u < n; u++) {
      w[u] = draw(rng, 1);
    }
    return w;
  }
}
