package org.causalrec.causal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The slate estimators equal their closed forms by hand, and IPS and DR recover a simulated policy's value. */
class SlateOpeTest {

  @Test
  void estimatorsEqualTheirClosedForms() {
    // session 1 showed two items, session 2 one
    List<SlateOpe.Session> log = List.of(
        new SlateOpe.Session(new double[] {0.5, 0.25}, new double[] {0.25, 0.5}, new double[] {1, 1},
            new double[] {0.5, 0.25}, 0.4, 1.0),
        new SlateOpe.Session(new double[] {0.5}, new double[] {1.0}, new double[] {0}, new double[] {0.2}, 0.3, 2.0));
    OffPolicy.Report r = SlateOpe.evaluate(log, 1e-4, 100, 1);
    // weights 0.5, 2 | 2; session IPS 0.5 + 2 = 2.5 | 0
    assertEquals((2.5 + 0) / 2, value(r, "ips"), 1e-12);
    // SNIPS: sum w r / sum w = 2.5 / 4.5, times the mean candidate slate size 1.5
    assertEquals(2.5 / 4.5 * 1.5, value(r, "snips"), 1e-12);
    assertEquals((0.4 + 0.3) / 2, value(r, "dm"), 1e-12);
    // DR: 0.4 + 0.5 * 0.5 + 2 * 0.75 = 2.15 | 0.3 + 2 * (-0.2) = -0.1
    assertEquals((2.15 - 0.1) / 2, value(r, "dr"), 1e-12);
    assertEquals(4.5 * 4.5 / (0.25 + 4 + 4), r.effectiveSampleSize(), 1e-12);
    assertEquals(2.0, r.maxWeight(), 1e-12);
  }

  /**
   * Conversions that do not depend on the position, on Plackett-Luce slates whose inclusion
   * probabilities are exact: IPS and DR cover the candidate's true conversions per slate, computed
   * from the world, not from the estimator's own model of the log.
   */
  @Test
  void recoversTheTrueConversionsOfACandidateOnRankedSlates() {
    RankingWorld world = RankingWorld.standard();
    double[] logging = {1, 1.5, 2, 3, 4, 5};
    double[] candidate = {5, 4, 3, 2, 1.5, 1};
    double[] b = RankingWorld.inclusion(world.marginals(logging));
    double[] e = RankingWorld.inclusion(world.marginals(candidate));
    double truth = world.conversionsPerSlate(world.marginals(candidate));
    double direct = 0;
    double size = 0;
    for (int i = 0; i < world.items(); i++) {
      direct += e[i] * (world.conversion()[i] + 0.05); // a biased reward model
      size += e[i];
    }
    SplittableRandom rng = new SplittableRandom(7);
    List<SlateOpe.Session> log = new ArrayList<>();
    for (int s = 0; s < 20_000; s++) {
      int[] slate = world.slate(logging, rng);
      double[] bs = new double[slate.length];
      double[] es = new double[slate.length];
      double[] rs = new double[slate.length];
      double[] qs = new double[slate.length];
      for (int p = 0; p < slate.length; p++) {
        int i = slate[p];
        bs[p] = b[i];
        es[p] = e[i];
        rs[p] = rng.nextDouble() < world.conversion()[i] ? 1 : 0;
        qs[p] = world.conversion()[i] + 0.05;
      }
      log.add(new SlateOpe.Session(bs, es, rs, qs, direct, size));
    }
    OffPolicy.Report r = SlateOpe.evaluate(log, 1e-4, 200, 3);
    for (String name : List.of("ips", "dr")) {
      OffPolicy.Estimate x = r.estimate(name);
      assertTrue(x.low() <= truth && truth <= x.high(), name + " covers the truth " + truth + ": " + x);
    }
    assertTrue(Math.abs(r.estimate("dm").value() - truth) > 0.05 * truth, "the biased reward model alone is off");
  }

  @Test
  void refusesPropensitiesOutsideTheUnitInterval() {
    assertThrows(IllegalArgumentException.class, () -> new SlateOpe.Session(new double[] {0}, new double[] {1},
        new double[] {1}, new double[] {0}, 0, 1));
  }

  private static double value(OffPolicy.Report r, String name) {
    return r.estimates().stream().filter(x -> x.estimator().equals(name)).findFirst().orElseThrow().value();
  }
}
