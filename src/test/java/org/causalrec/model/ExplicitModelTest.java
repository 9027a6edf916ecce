package org.causalrec.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.causalrec.eval.Auc;
import org.causalrec.sim.SelfSelection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The explicit-feedback pair models against a self-selection world's truth: users rate what they
 * chose and choose what they like, so the observed positive share is far above the true one. The
 * true propensities P(O = 1 | rating) are counted from the world itself (every pair's true rating
 * and whether it was chosen), so the test checks the estimators, not a propensity estimate.
 */
class ExplicitModelTest {

  static SelfSelection.Ratings world;
  static int[] user;
  static int[] item;
  static boolean[] label;
  static float[] truePropensity;
  static double truePositiveShare;
  static int[] allUsers;
  static int[] allItems;
  static boolean[] allLabels;

  @BeforeAll
  static void draw() {
    SelfSelection shape = new SelfSelection(150, 200, 24, 16, 8);
    world = shape.generate(7);
    int[] chosen = new int[6];
    int[] total = new int[6];
    List<int[]> pairs = new ArrayList<>();
    int n = shape.users() * shape.items();
    allUsers = new int[n];
    allItems = new int[n];
    allLabels = new boolean[n];
    int positives = 0;
    for (int u = 0; u < shape.users(); u++) {
      for (int i = 0; i < shape.items(); i++) {
        int y = world.truth()[u][i];
        total[y]++;
        int k = u * shape.items() + i;
        allUsers[k] = u;
        allItems[k] = i;
        allLabels[k] = y >= 4;
        positives += y >= 4 ? 1 : 0;
        if (world.train()[u][i] > 0) {
          chosen[y]++;
          pairs.add(new int[] {u, i, y});
        }
      }
    }
    truePositiveShare = positives / (double) n;
    user = new int[pairs.size()];
    item = new int[pairs.size()];
    label = new boolean[pairs.size()];
    truePropensity = new float[pairs.size()];
    for (int k = 0; k < user.length; k++) {
      int[] p = pairs.get(k);
      user[k] = p[0];
      item[k] = p[1];
      label[k] = p[2] >= 4;
      truePropensity[k] = chosen[p[2]] / (float) total[p[2]];
    }
  }

  private static ExplicitModel train(ExplicitModel.Arch arch, Objective o, long seed) {
    return ExplicitModel.train(new ExplicitModel.Data(150, 200, user, item, label, truePropensity, 0.01f, o),
        ExplicitModel.Params.defaults(arch, 15, seed), null);
  }

  private static double meanProbability(ExplicitModel m) {
    double sum = 0;
    for (float p : m.probabilities(allUsers, allItems)) {
      sum += p;
    }
    return sum / allUsers.length;
  }

  @Test
  void debiasedObjectivesRecoverTheTruePositiveRateOverAllPairsWhereNaiveDoesNot() {
    double observedShare = 0;
    for (boolean b : label) {
      observedShare += b ? 1.0 / label.length : 0;
    }
    assertTrue(observedShare > truePositiveShare + 0.15, "the world self-selects: " + observedShare + " observed vs "
        + truePositiveShare + " true");
    double naive = meanProbability(train(ExplicitModel.Arch.MF, Objective.NAIVE, 1));
    assertTrue(Math.abs(naive - observedShare) < 0.05, "naive learns the observed share " + observedShare + ": " + naive);
    for (Objective o : List.of(Objective.IPS, Objective.SNIPS, Objective.DR, Objective.MRDR)) {
      for (ExplicitModel.Arch arch : ExplicitModel.Arch.values()) {
        double debiased = meanProbability(train(arch, o, 1));
        assertTrue(Math.abs(debiased - truePositiveShare) < 0.05, arch + " " + o + " estimates the positive share over"
            + " all pairs " + truePositiveShare + " (naive " + naive + "): " + debiased);
      }
    }
  }

  @Test
  void rankingTheRandomTestPairsBeatsChanceAndIsReproducibleFromTheSeed() {
    List<int[]> test = new ArrayList<>();
    for (int u = 0; u < 150; u++) {
      for (int i = 0; i < 200; i++) {
        if (world.test()[u][i] > 0) {
          test.add(new int[] {u, i, world.test()[u][i]});
        }
      }
    }
    int[] tu = test.stream().mapToInt(p -> p[0]).toArray();
    int[] ti = test.stream().mapToInt(p -> p[1]).toArray();
    boolean[] tl = new boolean[tu.length];
    for (int k = 0; k < tl.length; k++) {
      tl[k] = test.get(k)[2] >= 4;
    }
    for (ExplicitModel.Arch arch : ExplicitModel.Arch.values()) {
      ExplicitModel m = train(arch, Objective.DR, 3);
      double auc = Auc.of(m.probabilities(tu, ti), tl);
      assertTrue(auc > 0.62, arch + " ranks the random test pairs: AUC " + auc);
      assertArrayEquals(m.probabilities(tu, ti), train(arch, Objective.DR, 3).probabilities(tu, ti), arch + " same seed");
    }
  }

  @Test
  void theConservativeFilterFallsBackToIpsWhereItDistrustsAnImputationAndIsDrJlWhereItTrustsAll() {
    ExplicitModel.Data d = new ExplicitModel.Data(150, 200, user, item, label, truePropensity, 0.01f, Objective.DR);
    ExplicitModel.Params plain = ExplicitModel.Params.defaults(ExplicitModel.Arch.MF, 15, 5);
    ExplicitModel dr = ExplicitModel.train(d, plain, null);
    assertEquals(1.0, dr.keptShare(), "plain DR-JL uses every imputation");
    // a threshold no spread reaches: every imputation kept, and the dropout draws leave training as it was
    ExplicitModel all = ExplicitModel.train(d, plain.withCdr(1e9), null);
    assertEquals(1.0, all.keptShare());
    assertArrayEquals(dr.probabilities(allUsers, allItems), all.probabilities(allUsers, allItems));
    // η = 0 trusts nothing: only the IPS terms remain, and they still recover the positive share over all pairs
    ExplicitModel none = ExplicitModel.train(d, plain.withCdr(0), null);
    assertEquals(0.0, none.keptShare());
    double ips = meanProbability(none);
    assertTrue(Math.abs(ips - truePositiveShare) < 0.05, "IPS terms alone estimate " + truePositiveShare + ": " + ips);
    // in between, the MLP's imputations are kept where their dropout spread is small (about 0.58 of
    // them at 0.1); the MF's imputed errors hardly move under dropout (their biases carry them)
    double some = ExplicitModel.train(d, ExplicitModel.Params.defaults(ExplicitModel.Arch.MLP, 15, 5).withCdr(0.1),
        null).keptShare();
    assertTrue(some > 0.2 && some < 0.9, "MLP kept share at eta 0.1: " + some);
  }

  @Test
  void anUnseenUserOrItemIsScoredFromTheBiasesAlone() {
    ExplicitModel m = train(ExplicitModel.Arch.MLP, Objective.NAIVE, 1);
    float unseen = m.probability(-1, -1);
    assertTrue(unseen > 0 && unseen < 1, "a probability: " + unseen);
    assertEquals(unseen, m.probability(-1, 5), 0.5f);
  }

  @Test
  void debiasedObjectivesNeedOnePropensityPerPair() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ExplicitModel.Data(150, 200,
        user, item, label, null, 0.05f, Objective.IPS));
    assertTrue(e.getMessage().contains("ips needs one propensity per observed pair"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new ExplicitModel.Data(150, 200, user, item, new boolean[1],
        null, 0.05f, Objective.NAIVE));
  }
}
