package org.causalrec.core;

import java.util.SplittableRandom;

/** Poisson draws: the simulator's event counts and the uplift model's bootstrap weights. */
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
}
