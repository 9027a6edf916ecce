package org.causalrec.causal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The ensemble interval's formula: t quantiles, its ends, and its coverage when members are normal draws. */
class IntervalTest {

  @Test
  void tQuantilesMatchTheTablesAndApproachTheNormal() {
    assertEquals(12.706, Interval.t975(1), 1e-3);
    assertEquals(2.365, Interval.t975(7), 1e-3);
    assertEquals(2.021, Interval.t975(40), 2e-3);
    assertEquals(1.984, Interval.t975(100), 2e-3);
    assertEquals(1.960, Interval.t975(100_000), 1e-3);
    assertThrows(IllegalArgumentException.class, () -> Interval.t975(0));
  }

  @Test
  void meanPlusMinusTTimesTheSdWithTheCentresOwnNoise() {
    // mean 0.03, sd sqrt(2.5e-4), t(4) = 2.776, M = 5
    Interval iv = Interval.of(new double[] {0.01, 0.02, 0.03, 0.04, 0.05});
    double half = 2.776 * Math.sqrt(2.5e-4 * 1.2);
    assertEquals(0.03 - half, iv.low(), 1e-5);
    assertEquals(0.03 + half, iv.high(), 1e-5);
    assertTrue(iv.contains(0.03) && !iv.contains(0.03 + half + 1e-4));
    assertEquals(2 * half, iv.width(), 1e-5);
    Interval clipped = Interval.of(new double[] {0.9, 1.0, 0.95});
    assertEquals(1.0, clipped.high(), "an uplift never exceeds 1");
    assertThrows(IllegalArgumentException.class, () -> Interval.of(new double[] {0.1}));
  }

  @Test
  void coversTheTruthNinetyFivePercentOfTheTimeWhenMembersAreDrawsAroundIt() {
    // members spread around the truth like independent draws: the interval covers it 95 % of the time;
    // sd/sqrt(M) in place of sd would cover about 52 %, dropping sqrt(1 + 1/M) about 94 %, the
    // normal's 1.96 in place of t about 91 %
    SplittableRandom rng = new SplittableRandom(7);
    int trials = 20_000;
    int covered = 0;
    for (int k = 0; k < trials; k++) {
      double[] members = new double[8];
      for (int m = 0; m < members.length; m++) {
        members[m] = 0.01 * rng.nextGaussian();
      }
      double mean = java.util.Arrays.stream(members).average().orElseThrow();
      // the fitted estimate lies sd from the truth as the members lie sd from the estimate
      double truth = 0.01 * rng.nextGaussian();
      covered += Interval.of(members).contains(truth) ? 1 : 0;
      assertTrue(Interval.of(members).contains(mean));
    }
    double coverage = covered / (double) trials;
    assertTrue(coverage > 0.945 && coverage < 0.955, "coverage " + coverage);
  }
}
