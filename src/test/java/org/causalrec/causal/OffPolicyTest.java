package org.causalrec.causal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The estimators equal their closed forms on small hand-checkable logs, and recover a known value. */
class OffPolicyTest {

  // Four logged decisions: (pi_b, pi_e, r, q(x,a), sum_a pi_e q)
  private static final List<OffPolicy.Logged> LOG = List.of(
      new OffPolicy.Logged(0.5, 1.0, 1.0, 0.6, 0.7),
      new OffPolicy.Logged(0.25, 0.0, 1.0, 0.5, 0.2),
      new OffPolicy.Logged(0.5, 0.5, 0.0, 0.4, 0.3),
      new OffPolicy.Logged(0.2, 0.4, 1.0, 0.9, 0.8));

  @Test
  void estimatorsEqualTheirClosedForms() {
    OffPolicy.Report r = OffPolicy.evaluate(LOG, 0.01, 200, 1);
    // weights 2, 0, 1, 2; w*r = 2, 0, 0, 2
    assertEquals(4.0 / 4, value(r, "ips"), 1e-12);
    assertEquals(4.0 / 5, value(r, "snips"), 1e-12);
    assertEquals((0.7 + 0.2 + 0.3 + 0.8) / 4, value(r, "dm"), 1e-12);
    // dr terms: 0.7 + 2*(0.4), 0.2 + 0, 0.3 + 1*(-0.4), 0.8 + 2*(0.1)
    assertEquals((1.5 + 0.2 - 0.1 + 1.0) / 4, value(r, "dr"), 1e-12);
    assertEquals(25.0 / 9, r.effectiveSampleSize(), 1e-12); // (2+0+1+2)^2 / (4+0+1+4)
    assertEquals(2.0, r.maxWeight(), 1e-12);
    assertEquals(0, r.clipped());
    for (OffPolicy.Estimate e : r.estimates()) {
      assertTrue(e.low() <= e.high(), e.toString());
    }
  }

  @Test
  void smallPropensitiesAreClippedAndWarnedAbout() {
    List<OffPolicy.Logged> log = List.of(new OffPolicy.Logged(0.001, 1.0, 1.0, 0.5, 0.5),
        new OffPolicy.Logged(0.9, 0.1, 0.0, 0.5, 0.5));
    OffPolicy.Report r = OffPolicy.evaluate(log, 0.05, 100, 1);
    assertEquals(1, r.clipped());
    assertEquals(20.0, r.maxWeight(), 1e-12); // 1 / 0.05
    assertTrue(r.warnings().stream().anyMatch(w -> w.contains("clipped")));
  }

  /** A simulated bandit with known rewards: every estimator lands near the candidate's true value. */
  @Test
  void recoversTheTrueValueOfACandidatePolicy() {
    SplittableRandom rng = new SplittableRandom(3);
    double[] reward = {0.1, 0.3, 0.6, 0.2};   // true click rate of each of 4 actions
    double[] logging = {0.4, 0.3, 0.2, 0.1};  // the logging policy
    double[] candidate = {0.1, 0.1, 0.7, 0.1}; // the policy to evaluate
    double truth = 0;
    for (int a = 0; a < 4; a++) {
      truth += candidate[a] * reward[a];
    }
    double[] q = {0.15, 0.25, 0.5, 0.25}; // a biased reward model
    double qTarget = 0;
    for (int a = 0; a < 4; a++) {
      qTarget += candidate[a] * q[a];
    }
    List<OffPolicy.Logged> log = new ArrayList<>();
    for (int k = 0; k < 20_000; k++) {
      double u = rng.nextDouble();
      int a = u < 0.4 ? 0 : u < 0.7 ? 1 : u < 0.9 ? 2 : 3;
      double r = rng.nextDouble() < reward[a] ? 1 : 0;
      log.add(new OffPolicy.Logged(logging[a], candidate[a], r, q[a], qTarget));
    }
    OffPolicy.Report rep = OffPolicy.evaluate(log, 0.01, 200, 5);
    for (String e : List.of("ips", "snips", "dr")) {
      assertEquals(truth, value(rep, e), 0.02, e);
    }
    assertTrue(Math.abs(value(rep, "dm") - truth) > 0.03, "the biased reward model alone is off");
    OffPolicy.Estimate dr = rep.estimates().get(3);
    assertTrue(dr.low() < truth && truth < dr.high(), "the 95% interval covers the truth: " + dr);
  }

  private static double value(OffPolicy.Report r, String name) {
    return r.estimates().stream().filter(e -> e.estimator().equals(name)).findFirst().orElseThrow().value();
  }

  @Test
  void doublyRobustIsIpsWithAZeroImputationAndDirectWithTheExactOne() {
    double[][] rows = {{0.5, 0.2, 1, 0.9}, {0.25, 0.5, 0, 0.1}, {0.2, 0.6, 1, 0.7}, {0.8, 0.1, 0, 0.3},
        {0.1, 0.9, 1, 0.2}};
    List<OffPolicy.Logged> zero = new java.util.ArrayList<>();
    List<OffPolicy.Logged> exact = new java.util.ArrayList<>();
    for (double[] r : rows) {
      // behaviour, target, reward; the reward model's value of the candidate's action
      zero.add(new OffPolicy.Logged(r[0], r[1], r[2], 0, 0));
      exact.add(new OffPolicy.Logged(r[0], r[1], r[2], r[2], r[3]));
    }
    OffPolicy.Report z = OffPolicy.evaluate(zero, 1e-3, 50, 1);
    assertEquals(value(z, "ips"), value(z, "dr"), 1e-12, "q = 0: the correction is all of IPS");
    assertEquals(0.0, value(z, "dm"), 1e-12);
    OffPolicy.Report e = OffPolicy.evaluate(exact, 1e-3, 50, 1);
    assertEquals(value(e, "dm"), value(e, "dr"), 1e-12, "q = the logged reward: the correction vanishes");
    assertEquals((0.9 + 0.1 + 0.7 + 0.3 + 0.2) / 5, value(e, "dm"), 1e-12);
    assertTrue(Math.abs(value(e, "ips") - value(e, "dm")) > 0.1, "and IPS differs: the two cases are not the same");
  }
}
