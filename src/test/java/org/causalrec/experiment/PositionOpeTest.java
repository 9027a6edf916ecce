package org.causalrec.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.causalrec.causal.OffPolicy;
import org.causalrec.causal.PolicyFile;
import org.causalrec.causal.RankingWorld;
import org.causalrec.causal.SlateOpe;
import org.causalrec.data.Impressions;
import org.causalrec.store.Event;
import org.junit.jupiter.api.Test;

/**
 * Position-aware off-policy evaluation against a simulated world whose truth is exact: clicks =
 * relevance x examination of the position, slates ranked by a logging policy that puts the
 * relevant items low, a candidate (a policy file) that puts them high.
 */
class PositionOpeTest {

  static final RankingWorld WORLD = RankingWorld.standard();
  static final double[] LOGGING = {1, 1, 2, 3, 5, 8};
  static final double[] CANDIDATE = {8, 5, 3, 2, 1, 1};
  static final Instant START = Instant.parse("2024-01-01T00:00:00Z");

  /** The candidate's per-position marginals as a context-free policy file. */
  static PolicyFile candidateFile() {
    double[][] m = WORLD.marginals(CANDIDATE);
    StringBuilder csv = new StringBuilder("item_id,position,probability\n");
    for (int i = 0; i < WORLD.items(); i++) {
      for (int p = 0; p < WORLD.positions(); p++) {
        csv.append(String.format(Locale.ROOT, "i%d,%d,%.17g%n", i, p + 1, m[i][p]));
      }
    }
    return PolicyFile.read(new BufferedReader(new StringReader(csv.toString())), "candidate.csv");
  }

  /**
   * {@code slates} logged slates, one an hour (each its own session), with per-position propensities
   * when {@code logVersion} ends in @position; the slates drawn go into {@code drawn} and the clicks into {@code clicks}.
   */
  static List<Event> log(int slates, long seed, String logVersion, List<int[]> drawn, List<boolean[]> clicks) {
    double[][] b = WORLD.marginals(LOGGING);
    double[] inc = RankingWorld.inclusion(b);
    boolean perPosition = logVersion.endsWith(Impressions.PER_POSITION_SUFFIX);
    SplittableRandom rng = new SplittableRandom(seed);
    List<Event> events = new ArrayList<>();
    for (int s = 0; s < slates; s++) {
      int[] slate = WORLD.slate(LOGGING, rng);
      boolean[] clicked = new boolean[slate.length];
      Instant t = START.plusSeconds(3600L * s);
      String user = "u" + (s % 40);
      for (int p = 0; p < slate.length; p++) {
        int i = slate[p];
        double propensity = perPosition ? b[i][p] : inc[i];
        events.add(new Event(null, null, user, "i" + i, "impression", null, t, p, "home", true, propensity,
            logVersion));
        clicked[p] = rng.nextDouble() < WORLD.relevance()[i] * WORLD.examination()[p];
        if (clicked[p]) {
          events.add(new Event(null, null, user, "i" + i, "click", null, t.plusSeconds(5), p, "home", true,
              propensity, logVersion));
        }
      }
      if (drawn != null) {
        drawn.add(slate);
        clicks.add(clicked);
      }
    }
    return events;
  }

  static JsonObject evaluate(List<Event> events, int resamples, long seed) {
    return OpeRun.run(Impressions.of(events), candidateFile(), "candidate.csv",
        new OpeRun.Settings(1.0, "click", 1e-4, resamples, seed));
  }

  @Test
  void positionAwareEstimatesRecoverTheTrueValueWhereSlateInclusionWeightsDoNot() {
    double truth = WORLD.clicksPerImpression(WORLD.marginals(CANDIDATE));
    double logged = WORLD.clicksPerImpression(WORLD.marginals(LOGGING));
    List<int[]> drawn = new ArrayList<>();
    List<boolean[]> clicks = new ArrayList<>();
    JsonObject r = evaluate(log(4000, 3, "ranker" + Impressions.PER_POSITION_SUFFIX, drawn, clicks), 200, 1);
    assertEquals(4000 * 3, r.getJsonObject("dataset").getInteger("rounds"));
    assertEquals("per-position", r.getJsonObject("dataset").getString("propensities"));
    assertEquals(logged, r.getDouble("logging_policy_value"), 0.02, "the log's own click rate");
    assertTrue(truth > logged * 1.3, "the candidate is much better than the logger: " + truth + " vs " + logged);
    JsonObject estimates = r.getJsonObject("estimates");
    for (String e : List.of("ips", "snips", "dr", "switch-dr", "dr-os")) {
      JsonObject x = estimates.getJsonObject(e);
      assertTrue(x.getDouble("low") <= truth && truth <= x.getDouble("high"), e + " covers " + truth + ": " + x);
    }
    assertTrue(Math.abs(estimates.getJsonObject("dm").getDouble("value") - truth) < 0.1 * truth, r.encode());
    // the old estimator (items as actions, the candidate's slate-inclusion probabilities) on the same draws:
    // dividing by the logged per-position propensities, as it did on an OBD log, inflates the weights ~3x
    double[][] perPosition = WORLD.marginals(LOGGING);
    double[] b = RankingWorld.inclusion(perPosition);
    double[] e = RankingWorld.inclusion(WORLD.marginals(CANDIDATE));
    OffPolicy.Estimate asLogged = oldEstimate(drawn, clicks, (i, p) -> perPosition[i][p], e);
    assertTrue(asLogged.low() / 3 > 2 * truth, "per-position propensities as inclusion: " + asLogged + " / 3 vs " + truth);
    // and with the right inclusion probabilities it is still off: where an item is shown changes its clicks
    OffPolicy.Estimate inclusion = oldEstimate(drawn, clicks, (i, p) -> b[i], e);
    assertTrue(inclusion.high() / 3 < truth, "slate-inclusion weights miss the truth: " + inclusion + " / 3 vs " + truth);
    assertTrue(truth - inclusion.value() / 3 > 0.12 * truth, inclusion + " / 3 vs " + truth);
  }

  /** A behaviour propensity of an item shown at a position. */
  private interface Behaviour {
    double of(int item, int position);
  }

  /** The item-wise slate estimator's IPS (per slate) on the drawn slates, the candidate's inclusion probabilities {@code e}. */
  private static OffPolicy.Estimate oldEstimate(List<int[]> drawn, List<boolean[]> clicks, Behaviour b, double[] e) {
    List<SlateOpe.Session> sessions = new ArrayList<>();
    for (int s = 0; s < drawn.size(); s++) {
      int[] slate = drawn.get(s);
      double[] bs = new double[slate.length];
      double[] es = new double[slate.length];
      double[] rs = new double[slate.length];
      for (int p = 0; p < slate.length; p++) {
        bs[p] = b.of(slate[p], p);
        es[p] = e[slate[p]];
        rs[p] = clicks.get(s)[p] ? 1 : 0;
      }
      sessions.add(new SlateOpe.Session(bs, es, rs, new double[slate.length], 0, slate.length));
    }
    return SlateOpe.evaluate(sessions, 1e-4, 200, 1).estimate("ips");
  }

  @Test
  void theIntervalsCoverTheTruthAcrossRepeatedLogs() {
    double truth = WORLD.clicksPerImpression(WORLD.marginals(CANDIDATE));
    int logs = 150;
    int dr = 0;
    int ips = 0;
    for (int k = 0; k < logs; k++) {
      JsonObject est = evaluate(log(150, 100 + k, "ranker" + Impressions.PER_POSITION_SUFFIX, null, null), 200, k)
          .getJsonObject("estimates");
      dr += covers(est.getJsonObject("dr"), truth) ? 1 : 0;
      ips += covers(est.getJsonObject("ips"), truth) ? 1 : 0;
    }
    assertTrue(dr >= 0.85 * logs, "DR covered the truth in " + dr + " of " + logs + " logs");
    assertTrue(ips >= 0.85 * logs, "IPS covered the truth in " + ips + " of " + logs + " logs");
  }

  private static boolean covers(JsonObject x, double truth) {
    return x.getDouble("low") <= truth && truth <= x.getDouble("high");
  }

  /**
   * A model version as the candidate: a stub whose scores rank i0 > i1 > ... (and the users' history
   * item last), deterministically (item k at position k) or as a softmax at every position.
   */
  @Test
  void aModelVersionIsEvaluatedAsARankingOrAsASoftmax() {
    List<Event> events = new ArrayList<>(log(4000, 8, "ranker" + Impressions.PER_POSITION_SUFFIX, null, null));
    for (int u = 0; u < 40; u++) { // every user has a history before the log, so the model scores them
      events.add(new Event(null, null, "u" + u, "h", "click", null, START.minusSeconds(86_400), null, "search",
          false, null, null));
    }
    org.causalrec.data.IdIndex modelItems = org.causalrec.data.IdIndex.of(List.of("h", "i0", "i1", "i2", "i3", "i4",
        "i5"));
    float[] scores = {-100, 3, 2.5f, 2, 1.5f, 1, 0.5f};
    org.causalrec.model.CfModel stub = new org.causalrec.model.CfModel() {
      @Override
      public String kind() {
        return "stub";
      }

      @Override
      public float[][] score(org.causalrec.data.Interactions history, int from, int to) {
        float[][] out = new float[to - from][];
        java.util.Arrays.setAll(out, k -> scores.clone());
        return out;
      }
    };
    Impressions log = Impressions.of(events);
    double[] theta = WORLD.examination();
    double[] rel = WORLD.relevance();
    double ranked = (rel[0] * theta[0] + rel[1] * theta[1] + rel[2] * theta[2]) / 3;
    JsonObject top = OpeRun.run(log, stub, modelItems, "stub-1", new OpeRun.Settings(0, "click", 1e-4, 200, 1));
    assertEquals("deterministic top-k", top.getJsonObject("policy").getString("ranking"));
    assertTrue(covers(top.getJsonObject("estimates").getJsonObject("dr"), ranked), ranked + " " + top.encode());
    assertTrue(covers(top.getJsonObject("estimates").getJsonObject("ips"), ranked), ranked + " " + top.encode());
    double sum = 0;
    double[] p = new double[scores.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp(scores[i] / 0.5);
      sum += p[i];
    }
    double softmax = 0;
    for (int i = 0; i < 6; i++) {
      softmax += p[i + 1] / sum * rel[i] * (theta[0] + theta[1] + theta[2]) / 3;
    }
    JsonObject soft = OpeRun.run(log, stub, modelItems, "stub-1", new OpeRun.Settings(0.5, "click", 1e-4, 200, 1));
    assertEquals("softmax at every position", soft.getJsonObject("policy").getString("ranking"));
    assertTrue(covers(soft.getJsonObject("estimates").getJsonObject("dr"), softmax), softmax + " " + soft.encode());
  }

  @Test
  void clicksAreRefusedOnALogWithOnlySlateLevelPropensities() {
    List<Event> slateLevel = log(50, 1, "simulator", null, null);
    String m = assertThrows(IllegalArgumentException.class, () -> evaluate(slateLevel, 50, 1)).getMessage();
    assertTrue(m.contains("reward click depends on the position") && m.contains("slate-level propensities"), m);
  }

  @Test
  void aPerUserFileGivingEveryUserTheSamePolicyEstimatesTheSameAsTheContextFreeOne() {
    double[][] m = WORLD.marginals(CANDIDATE);
    StringBuilder csv = new StringBuilder("user_id,item_id,position,probability\n");
    for (int u = 0; u < 40; u++) {
      for (int i = 0; i < WORLD.items(); i++) {
        for (int p = 0; p < WORLD.positions(); p++) {
          csv.append(String.format(Locale.ROOT, "u%d,i%d,%d,%.17g%n", u, i, p + 1, m[i][p]));
        }
      }
    }
    List<Event> events = log(300, 4, "ranker" + Impressions.PER_POSITION_SUFFIX, null, null);
    OpeRun.Settings settings = new OpeRun.Settings(1.0, "click", 1e-4, 100, 1);
    PolicyFile perUser = PolicyFile.read(new BufferedReader(new StringReader(csv.toString())), "users.csv");
    JsonObject a = OpeRun.run(Impressions.of(events), perUser, "users.csv", settings);
    JsonObject b = OpeRun.run(Impressions.of(events), candidateFile(), "candidate.csv", settings);
    assertEquals("per-user", a.getJsonObject("policy").getString("form"));
    assertEquals(b.getJsonObject("estimates"), a.getJsonObject("estimates"));
    PolicyFile fewer = PolicyFile.read(new BufferedReader(new StringReader(csv.toString().replaceAll("(?m)^u7,.*\n",
        ""))), "fewer.csv");
    String refusal = assertThrows(IllegalArgumentException.class, () -> OpeRun.run(Impressions.of(events), fewer,
        "fewer.csv", settings)).getMessage();
    assertTrue(refusal.contains("no probabilities for user u7"), refusal);
  }

  @Test
  void aPolicyFileMissingALoggedPositionIsRefused() {
    List<Event> events = log(20, 1, "ranker" + Impressions.PER_POSITION_SUFFIX, null, null);
    PolicyFile two = PolicyFile.read(new BufferedReader(new StringReader(
        "item_id,position,probability\ni0,1,1\ni1,2,1\n")), "two.csv");
    String m = assertThrows(IllegalArgumentException.class, () -> OpeRun.run(Impressions.of(events), two, "two.csv",
        new OpeRun.Settings(1.0, "click", 1e-4, 50, 1))).getMessage();
    assertTrue(m.contains("no probabilities for position 3"), m);
  }
}
