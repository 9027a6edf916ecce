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

  @Test
  void recoversTheValueOfAPolicyOnASimulatedLog() {
    // 20 items, conversion y_i; logging shows each item independently with b_i, the candidate with e_i
    int items = 20;
    double[] y = new double[items];
    double[] b = new double[items];
    double[] e = new double[items];
    double truth = 0;
    double direct = 0;
    double size = 0;
    for (int i = 0; i < items; i++) {
      y[i] = 0.05 + 0.02 * i;
      b[i] = 0.1 + 0.03 * (items - i);
      e[i] = 0.05 + 0.04 * i;
      truth += e[i] * y[i];
      direct += e[i] * (y[i] + 0.05); // a biased reward model
      size += e[i];
    }
    SplittableRandom rng = new SplittableRandom(7);
    List<SlateOpe.Session> log = new ArrayList<>();
    for (int s = 0; s < 20_000; s++) {
      List<double[]> shown = new ArrayList<>();
      for (int i = 0; i < items; i++) {
        if (rng.nextDouble() < b[i]) {
          shown.add(new double[] {b[i], e[i], rng.nextDouble() < y[i] ? 1 : 0, y[i] + 0.05});
        }
      }
      log.add(new SlateOpe.Session(col(shown, 0), col(shown, 1), col(shown, 2), col(shown, 3), direct, size));
    }
    OffPolicy.Report r = SlateOpe.evaluate(log, 1e-4, 50, 3);
    assertEquals(truth, value(r, "ips"), 0.03 * truth);
    assertEquals(truth, value(r, "dr"), 0.03 * truth);
    assertTrue(Math.abs(value(r, "dm") - truth) > 0.05 * truth, "the biased reward model alone is off");
  }

  @Test
  void refusesPropensitiesOutsideTheUnitInterval() {
    assertThrows(IllegalArgumentException.class, () -> new SlateOpe.Session(new double[] {0}, new double[] {1},
        new double[] {1}, new double[] {0}, 0, 1));
  }

  private static double[] col(List<double[]> rows, int c) {
    return rows.stream().mapToDouble(r -> r[c]).toArray();
  }

  private static double value(OffPolicy.Report r, String name) {
    return r.estimates().stream().filter(x -> x.estimator().equals(name)).findFirst().orElseThrow().value();
  }
}
