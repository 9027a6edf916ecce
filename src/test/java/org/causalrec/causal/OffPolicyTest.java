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
      new OffPolicy.Logged(0.5, 1.0, 1.0, 0.6, 0.7, 0),
      new OffPolicy.Logged(0.25, 0.0, 1.0, 0.5, 0.2, 1),
      new OffPolicy.Logged(0.5, 0.5, 0.0, 0.4, 0.3, 2),
      new OffPolicy.Logged(0.2, 0.4, 1.0, 0.9, 0.8, 3));

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
    List<OffPolicy.Logged> log = List.of(new OffPolicy.Logged(0.001, 1.0, 1.0, 0.5, 0.5, 4),
        new OffPolicy.Logged(0.9, 0.1, 0.0, 0.5, 0.5, 5));
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
      log.add(new OffPolicy.Logged(logging[a], candidate[a], r, q[a], qTarget, k));
    }
    OffPolicy.Report rep = OffPolicy.evaluate(log, 0.01, 200, 5);
    for (String e : List.of("ips", "snips", "dr")) {
      assertEquals(truth, value(rep, e), 0.02, e);
    }
    assertTrue(Math.abs(value(rep, "dm") - truth) > 0.03, "the biased reward model alone is off");
    OffPolicy.Estimate dr = rep.estimate("dr");
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
    for (int k = 0; k < rows.length; k++) {
      double[] r = rows[k];
      // behaviour, target, reward; the reward model's value of the candidate's action
      zero.add(new OffPolicy.Logged(r[0], r[1], r[2], 0, 0, k));
      exact.add(new OffPolicy.Logged(r[0], r[1], r[2], r[2], r[3], k));
    }
    OffPolicy.Report z = OffPolicy.evaluate(zero, 1e-3, 50, 1);
    assertEquals(value(z, "ips"), value(z, "dr"), 1e-12, "q = 0: the correction is all of IPS");
    assertEquals(0.0, value(z, "dm"), 1e-12);
    OffPolicy.Report e = OffPolicy.evaluate(exact, 1e-3, 50, 1);
    assertEquals(value(e, "dm"), value(e, "dr"), 1e-12, "q = the logged reward: the correction vanishes");
    assertEquals((0.9 + 0.1 + 0.7 + 0.3 + 0.2) / 5, value(e, "dm"), 1e-12);
    assertTrue(Math.abs(value(e, "ips") - value(e, "dm")) > 0.1, "and IPS differs: the two cases are not the same");
  }

  @Test
  void switchAndShrinkageChangeOnlyTheCorrectionOfLargeWeights() {
    assertEquals(3.0, OffPolicy.switched(3, 5), 1e-12);
    assertEquals(0.0, OffPolicy.switched(20, 5), 1e-12, "w above tau: the reward model alone");
    assertEquals(10 * 20 / (400.0 + 10), OffPolicy.shrunk(20, 10), 1e-12);
    assertEquals(0.5 * 1e6 / (0.25 + 1e6), OffPolicy.shrunk(0.5, 1e6), 1e-12);
    assertEquals(0.5, OffPolicy.shrunk(0.5, 1e6), 1e-6, "small weights barely change");
    assertEquals(20.0, OffPolicy.shrunk(20, Double.POSITIVE_INFINITY), 1e-12);
  }

  /** A candidate that favours an action the logger almost never takes: the tuned estimators trade a little bias for variance. */
  @Test
  void heavyWeightsAreSwitchedOrShrunkAndTheTuningIsReported() {
    SplittableRandom rng = new SplittableRandom(11);
    double[] reward = {0.2, 0.4, 0.9};
    double[] logging = {0.6, 0.398, 0.002};
    double[] candidate = {0.3, 0.2, 0.5};
    double[] q = {0.22, 0.38, 0.85};
    double qTarget = 0;
    double truth = 0;
    for (int a = 0; a < 3; a++) {
      qTarget += candidate[a] * q[a];
      truth += candidate[a] * reward[a];
    }
    List<OffPolicy.Logged> log = new ArrayList<>();
    for (int k = 0; k < 3000; k++) {
      double u = rng.nextDouble();
      int a = u < 0.6 ? 0 : u < 0.998 ? 1 : 2;
      log.add(new OffPolicy.Logged(logging[a], candidate[a], rng.nextDouble() < reward[a] ? 1 : 0, q[a], qTarget, k));
    }
    OffPolicy.Report rep = OffPolicy.evaluate(log, 1e-4, 300, 2);
    assertEquals(250.0, rep.maxWeight(), 1e-9);
    assertTrue(rep.tuning().get("switch_tau") < 250, rep.tuning().toString());
    assertTrue(rep.tuning().get("dr_os_lambda") < 1e6, rep.tuning().toString());
    for (String e : List.of("switch-dr", "dr-os")) {
      OffPolicy.Estimate x = rep.estimate(e);
      assertEquals(truth, x.value(), 0.05, e);
      assertTrue(x.high() - x.low() < rep.estimate("dr").high() - rep.estimate("dr").low(), e + " narrower than dr");
    }
  }

  @Test
  void theBootstrapResamplesClustersNotRecords() {
    List<OffPolicy.Logged> one = new ArrayList<>();
    for (int k = 0; k < 50; k++) {
      one.add(new OffPolicy.Logged(0.5, 0.25 + (k % 3) * 0.25, k % 2, 0.3, 0.4, 7));
    }
    for (OffPolicy.Estimate e : OffPolicy.evaluate(one, 1e-3, 50, 1).estimates()) {
      assertEquals(e.value(), e.low(), 1e-12, "a single cluster has nothing to resample: " + e);
      assertEquals(e.value(), e.high(), 1e-12, e.toString());
    }
  }
}
