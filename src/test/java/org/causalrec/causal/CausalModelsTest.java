package org.causalrec.causal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.causalrec.config.EventTypes;
import org.causalrec.data.Feedback;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import org.causalrec.eval.Calibration;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.model.PairModel;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learned exposure and uplift models on the tiny simulated world, against its ground truth:
 * exposure tracks the true propensities and is calibrated; uplift recovers the sign and the
 * ordering of the planted effect.
 */
class CausalModelsTest {

  static World world;
  static Impressions log;
  static Sessions sessions;
  static Feedback feedback;
  static ExposureModel exposure;
  static float[][] itemText;
  static MultVae cf;
  static UpliftModel uplift;
  /** The user weights each member's exposure model was refitted with. */
  static final List<float[]> REFITS = new ArrayList<>();

  @BeforeAll
  static void fit() {
    // the tiny world's users and items with a longer log (30 sessions each instead of 4): conversions
    // are rare, and the uplift needs a few thousand sessions to show
    WorldSpec tiny = WorldSpec.named("tiny");
    world = World.generate(new WorldSpec("tiny-long", tiny.users(), tiny.items(), tiny.dim(), 30, tiny.slateSize(),
        tiny.randomShare(), tiny.browseRate()), 11);
    Simulator sim = new Simulator(world);
    List<Event> events = new ArrayList<>();
    for (int u = 0; u < world.users(); u++) {
      sim.simulateUser(u).events().forEach(e -> events.add(Simulator.toEvent(e)));
    }
    log = Impressions.of(events);
    sessions = Sessions.of(log);
    feedback = Feedback.of(events, EventTypes.defaults());
    // the exposure model takes the items' text embeddings (all-MiniLM-L6-v2 of the simulator's titles)
    java.util.Map<String, String> texts = new java.util.HashMap<>();
    for (io.vertx.core.json.JsonObject it : sim.items()) {
      texts.put(it.getString("id"), it.getString("title") + ". " + it.getString("description"));
    }
    List<String> ordered = new ArrayList<>();
    for (int i = 0; i < log.items().size(); i++) {
      ordered.add(texts.get(log.items().id(i)));
    }
    try (org.causalrec.text.MiniLmEmbedder text = new org.causalrec.text.MiniLmEmbedder()) {
      itemText = text.embed(ordered);
    }
    exposure = ExposureModel.KIND.train(new ExposureModel.Data(log, sessions, itemText), PairModel.Params.defaults(20, 1),
        Device.cpu(), m -> { });
    cf = MultVae.KIND.train(MultVae.Data.naive(feedback.matrix()), MultVaeParams.forData(20, feedback.users().size(), 1),
        Device.cpu(), r -> { });
    CfFeatures features = CfFeatures.of(cf, feedback, log.items());
    // each member refits the exposure model to its own bootstrap of the users; the floor is the
    // uplift model's default, 0.001
    uplift = UpliftModel.KIND.train(new UpliftModel.Data(log, sessions, exposure, features, 0.001,
        (weight, seed) -> {
          REFITS.add(weight.clone());
          return ExposureModel.KIND.train(new ExposureModel.Data(log, sessions, itemText, weight),
              PairModel.Params.defaults(20, seed), Device.cpu(), m -> { });
        }), UpliftModel.Params.defaults(8, 1, 4), Device.cpu(), m -> { });
  }

  @AfterAll
  static void close() {
    uplift.close();
    cf.close();
    exposure.close();
  }

  static int worldIndex(String id) {
    return Integer.parseInt(id.substring(1));
  }

  @Test
  void exposureTracksTheTruePropensitiesAndIsCalibrated() {
    List<double[]> pairs = new ArrayList<>();
    for (int u = 0; u < log.users().size(); u++) {
      double[] truth = world.propensities(worldIndex(log.users().id(u)));
      float[] e = exposure.sessionForUser(u);
      for (int i = 0; i < e.length; i++) {
        pairs.add(new double[] {e[i], truth[worldIndex(log.items().id(i))]});
      }
    }
    double rho = spearman(pairs);
    System.out.printf("exposure spearman %.3f%n", rho);
    Calibration cal = exposure.calibration(log, sessions);
    System.out.println("calibration " + cal);
    assertTrue(rho > 0.4, "learned propensities rank like the true ones: " + rho);
    assertEquals(10, cal.deciles().size());
    assertTrue(cal.expectedCalibrationError() < 0.02, "calibrated: " + cal.expectedCalibrationError());
    Calibration.Decile top = cal.deciles().get(9);
    Calibration.Decile bottom = cal.deciles().get(0);
    assertTrue(top.observed() > 5 * bottom.observed(), "the top decile is shown far more often: " + cal.deciles());
  }

  @Test
  void upliftRecoversTheSignAndOrderingOfThePlantedEffect() {
    // the world's effect of recommending is positive for every pair and largest for relevant,
    // little-known items: the estimates should agree on both counts
    double topQuarter = 0;
    double bottomQuarter = 0;
    double treated = 0;
    double control = 0;
    int n = 0;
    // the interval's coverage of the true uplift is reported, not asserted: it is measured over
    // many worlds and seeds (the causal experiment's, docs/RESULTS.md); on this world 0.89 (4 members)
    int covered = 0;
    double width = 0;
    double error = 0;
    int pairs = 0;
    for (int u = 0; u < log.users().size(); u++) {
      int wu = worldIndex(log.users().id(u));
      UpliftModel.Estimate[] est = uplift.forUser(u);
      Integer[] order = new Integer[est.length];
      double[] truth = new double[est.length];
      for (int i = 0; i < est.length; i++) {
        order[i] = i;
        truth[i] = world.uplift(wu, worldIndex(log.items().id(i)));
        treated += est[i].treated();
        control += est[i].control();
        // the estimate is the members' mean, the centre of the interval
        assertTrue(est[i].low() <= est[i].uplift() + 1e-9 && est[i].uplift() <= est[i].high() + 1e-9,
            "the interval holds the estimate: " + est[i]);
        assertEquals(est[i].treated() - est[i].control(), est[i].uplift(), 1e-9, "uplift = treated - control");
        covered += est[i].low() <= truth[i] && truth[i] <= est[i].high() ? 1 : 0;
        width += est[i].high() - est[i].low();
        error += Math.abs(est[i].uplift() - truth[i]);
        pairs++;
      }
      java.util.Arrays.sort(order, (a, b) -> Double.compare(truth[b], truth[a]));
      int q = est.length / 4;
      for (int k = 0; k < q; k++) {
        topQuarter += est[order[k]].uplift();
        bottomQuarter += est[order[est.length - 1 - k]].uplift();
      }
      n += q;
    }
    System.out.printf("uplift top %.4f bottom %.4f treated %.4f control %.4f%n", topQuarter / n, bottomQuarter / n,
        treated, control);
    System.out.printf("interval coverage of the true uplift %.4f over %d pairs, mean width %.5f, mean |error| %.5f%n",
        covered / (double) pairs, pairs, width / pairs, error / pairs);
    assertTrue(treated > control, "recommending raises conversion on average");
    assertTrue(topQuarter / n > 0, "positive effect where the planted one is largest");
    // twice: measured 2.5-3.2 with the uplift floor at 0.001 and an exposure model per member (1.41
    // with the shared exposure model clipped at 0.05, whose bias flattened the estimates)
    assertTrue(topQuarter / n > 2 * Math.max(bottomQuarter / n, 1e-6),
        "items with the largest true uplift get larger estimates: " + topQuarter / n + " vs " + bottomQuarter / n);
  }

  @Test
  void savedModelsLoadAndPredictTheSame(@TempDir Path dir) throws Exception {
    exposure.save(dir.resolve("exposure"));
    uplift.save(dir.resolve("uplift"));
    try (ExposureModel e2 = ExposureModel.KIND.load(dir.resolve("exposure"), Device.cpu())) {
      assertEquals(384, e2.textDim(), "the item text rows are saved with the model");
      int[] history = log.history()[3];
      assertTrue(java.util.Arrays.equals(exposure.sessionForUser(3), e2.sessionForUser(3, history)));
    }
    try (UpliftModel u2 = UpliftModel.KIND.load(dir.resolve("uplift"), Device.cpu())) {
      assertTrue(u2.usesFeatures());
      assertEquals(uplift.members(), u2.members(), "every member is saved");
      int[] history = log.history()[3];
      float[] f = new float[log.items().size() * CfFeatures.DIM];
      java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
      for (int k = 0; k < f.length; k++) {
        f[k] = (float) rng.nextGaussian();
      }
      UpliftModel.Estimate[] before = uplift.forUser(3, history, f);
      UpliftModel.Estimate[] after = u2.forUser(3, history, f);
      for (int i = 0; i < before.length; i++) {
        assertEquals(before[i], after[i], "item " + i + " estimates the same after loading");
      }
    }
  }

  @Test
  void aModelOfTheOlderSingleNetworkLayoutFailsToLoadWithAClearError(@TempDir Path dir) throws Exception {
    // the older layout saved one network under "uplift" and no ensemble manifest
    exposure.pairModel().save(dir, "uplift");
    java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> UpliftModel.KIND.load(dir, Device.cpu()));
    assertTrue(e.getMessage().contains("older single-network layout"), e.getMessage());
    java.io.IOException none = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> UpliftModel.KIND.load(dir.resolve("nothing"), Device.cpu()));
    assertTrue(none.getMessage().contains(UpliftModel.MANIFEST), none.getMessage());
  }

  @Test
  void membersAreTrainedIndependently() {
    assertEquals(4, uplift.members());
    int users = log.users().size();
    double diff = 0;
    double size = 0;
    int n = 0;
    for (int u = 0; u < users; u++) {
      double[] first = uplift.memberUplift(0, u);
      for (int k = 1; k < uplift.members(); k++) {
        double[] other = uplift.memberUplift(k, u);
        for (int j = 0; j < first.length; j++) {
          diff += Math.abs(other[j] - first[j]);
          size += Math.abs(first[j]);
          n++;
        }
      }
    }
    System.out.printf("members differ by %.5f on average; mean |uplift| %.5f%n", diff / n, size / n);
    assertTrue(diff > 0.05 * size, "members trained apart differ: " + diff / n + " vs mean |uplift| " + size / n);
    // every member's exposure model saw that member's bootstrap: about e^-1 of the users left out
    // of each, and a different set each time
    assertEquals(uplift.members(), REFITS.size(), "one exposure model per member");
    for (int k = 0; k < REFITS.size(); k++) {
      float[] w = REFITS.get(k);
      assertEquals(users, w.length);
      long left = IntStream.range(0, users).filter(u -> w[u] == 0).count();
      assertTrue(left > 0.25 * users && left < 0.5 * users, "Poisson(1) leaves out about 37 % of the users: " + left);
      for (int j = 0; j < k; j++) {
        assertTrue(!java.util.Arrays.equals(w, REFITS.get(j)), "members " + j + " and " + k + " share a bootstrap");
      }
    }
    // the interval's width is not asserted to grow with less data: on a quarter of these sessions it
    // came out about 5 % narrower, not wider (why was not investigated: perhaps members that stop
    // earlier stay nearer their shared start), one reason its coverage is measured, not assumed
  }

  static double spearman(List<double[]> pairs) {
    return org.causalrec.eval.Correlation.pearson(pairs, true);
  }
}
