package org.causalrec.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.causalrec.config.EventTypes;
import org.causalrec.data.Feedback;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.Event;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The debiasing objectives do what their formulas say: with equal propensities IPS and SNIPS are
 * the naive objective, with unequal ones the weights change the model, and DR-JL's loss is the
 * IPS estimate with a zero imputation and the true mean error with a perfect one.
 */
class DebiasedTrainingTest {

  static Impressions log;
  static Feedback feedback;

  @BeforeAll
  static void simulate() {
    World world = World.generate(WorldSpec.named("tiny"), 5);
    Simulator sim = new Simulator(world);
    List<Event> events = new ArrayList<>();
    for (int u = 0; u < world.users(); u++) {
      sim.simulateUser(u).events().forEach(e -> events.add(Simulator.toEvent(e)));
    }
    log = Impressions.of(events);
    feedback = Feedback.of(events, EventTypes.defaults());
  }

  private static float[][] vaeScores(Objective o, PairWeights w) {
    MultVaeParams p = MultVaeParams.forData(3, feedback.users().size(), 1);
    try (MultVae vae = MultVae.KIND.train(new MultVae.Data(feedback.matrix(), o, w, null), p, Device.cpu(), r -> { })) {
      return vae.score(feedback.matrix(), 0, 5);
    }
  }

  @Test
  void multVaeWithEqualWeightsIsTheNaiveModel() {
    float[][] naive = vaeScores(Objective.NAIVE, null);
    float[][] ips = vaeScores(Objective.IPS, (u, i) -> 7f);
    float[][] snips = vaeScores(Objective.SNIPS, (u, i) -> 7f);
    for (int r = 0; r < naive.length; r++) {
      assertArrayEquals(naive[r], ips[r], 1e-5f, "ips divides by the mean weight: constant weights change nothing");
      assertArrayEquals(naive[r], snips[r], 1e-5f, "snips divides by the batch's mean weight: constant weights change nothing");
    }
    float[][] weighted = vaeScores(Objective.IPS, (u, i) -> 1f + (i % 7));
    assertTrue(Math.abs(weighted[0][0] - naive[0][0]) > 1e-4 || Math.abs(weighted[1][3] - naive[1][3]) > 1e-4,
        "unequal weights change the model");
  }

  @Test
  void multVaeRefusesDrAndDebiasingWithoutPropensities() {
    assertThrows(IllegalArgumentException.class,
        () -> new MultVae.Data(feedback.matrix(), Objective.DR, (u, i) -> 1f, null));
    assertThrows(IllegalArgumentException.class,
        () -> new MultVae.Data(feedback.matrix(), Objective.IPS, null, null));
  }

  private static float[] clickPredictions(ClickMlp.Debiasing d) {
    ClickMlp.Params p = new ClickMlp.Params(16, 32, 1e-3f, 512, 2, 3);
    try (ClickMlp mlp = ClickMlp.KIND.train(new ClickMlp.Data(log, null, d), p, Device.cpu(), r -> { })) {
      return mlp.predict(log.select(new int[] {0, 1, 2, 3, 4, 5, 6, 7}));
    }
  }

  @Test
  void clickModelWithEqualPropensitiesIsTheNaiveModel() {
    float[] constant = new float[log.size()];
    Arrays.fill(constant, 0.2f);
    float[] naive = clickPredictions(ClickMlp.Debiasing.NONE);
    float[] ips = clickPredictions(new ClickMlp.Debiasing(Objective.IPS, constant, 0.01f, null, null));
    float[] snips = clickPredictions(new ClickMlp.Debiasing(Objective.SNIPS, constant, 0.01f, null, null));
    assertArrayEquals(naive, ips, 2e-3f);
    assertArrayEquals(naive, snips, 2e-3f);
    float[] varying = log.propensity().clone();
    float[] logged = clickPredictions(new ClickMlp.Debiasing(Objective.IPS, varying, 0.01f, null, null));
    double diff = 0;
    for (int k = 0; k < naive.length; k++) {
      diff = Math.max(diff, Math.abs(logged[k] - naive[k]));
    }
    assertTrue(diff > 2e-3, "logged propensities reweigh the impressions: " + diff);
  }

  @Test
  void doublyRobustNeedsUnshownPairsAndParsesItsNames() {
    assertThrows(IllegalArgumentException.class,
        () -> new ClickMlp.Debiasing(Objective.DR, log.propensity(), 0.05f, null, null));
    assertEquals(Objective.DR, Objective.parse("DR-JL"));
    assertThrows(IllegalArgumentException.class, () -> Objective.parse("magic"));
  }

  @Test
  void doublyRobustLossByHand() {
    // three shown pairs (errors 0.2, 0.4, 0.6; propensities 0.5, 0.25, 1) and two unshown samples
    // standing for 3 and 2 pairs (their true errors 0.1 and 0.3, which the log never sees)
    float[] e = {0.2f, 0.4f, 0.6f, 0.1f, 0.3f};
    float[] obs = {1, 1, 1, 0, 0};
    float[] inv = {2, 4, 1, 0, 0};
    float[] w = {1, 1, 1, 3, 2};
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(Device.cpu())) {
      ai.djl.ndarray.NDArray err = m.create(e);
      ai.djl.ndarray.NDArray o = m.create(obs);
      ai.djl.ndarray.NDArray p = m.create(inv);
      ai.djl.ndarray.NDArray n = m.create(w);
      // zero imputation: the IPS estimate over every pair the batch stands for, sum O e / p / sum w
      float zero = ClickBatches.doublyRobust(err, m.zeros(err.getShape()), o, p, n).getFloat();
      assertEquals((0.4f + 1.6f + 0.6f) / 8f, zero, 1e-6f);
      // a perfect imputation: the true mean error over all pairs, whatever the propensities
      float perfect = ClickBatches.doublyRobust(err, err, o, p, n).getFloat();
      assertEquals((0.2f + 0.4f + 0.6f + 3 * 0.1f + 2 * 0.3f) / 8f, perfect, 1e-6f);
      // a constant imputation 0.3: 0.3 plus the IPS-weighted residuals of the shown pairs
      float constant = ClickBatches.doublyRobust(err, m.full(err.getShape(), 0.3f), o, p, n).getFloat();
      assertEquals(0.3f + (2 * -0.1f + 4 * 0.1f + 1 * 0.3f) / 8f, constant, 1e-6f);
    }
  }
}
