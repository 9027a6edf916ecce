package org.causalrec.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The synthetic world is deterministic, and its logging policy is confounded as designed. */
class SimulatorTest {

  private static final WorldSpec TINY = WorldSpec.named("tiny");

  private static List<JsonObject> allEvents(Simulator sim) {
    List<JsonObject> out = new ArrayList<>();
    for (int u = 0; u < sim.world().users(); u++) {
      out.addAll(sim.simulateUser(u).events());
    }
    return out;
  }

  @Test
  void theSameSeedGivesTheSameWorldAndLog() {
    Simulator a = new Simulator(World.generate(TINY, 7));
    Simulator b = new Simulator(World.generate(TINY, 7));
    assertEquals(a.items(), b.items());
    assertEquals(a.users(), b.users());
    assertEquals(allEvents(a), allEvents(b));
    assertEquals(a.simulateUser(3).truth(), b.simulateUser(3).truth());
    // A user's log does not depend on the order users are simulated in.
    assertEquals(a.simulateUser(11), new Simulator(World.generate(TINY, 7)).simulateUser(11));

    Simulator c = new Simulator(World.generate(TINY, 8));
    assertNotEquals(allEvents(a), allEvents(c));
  }

  @Test
  void theTinyWorldHasTheExpectedShape() {
    Simulator sim = new Simulator(World.generate(TINY, 1));
    List<JsonObject> events = allEvents(sim);
    assertTrue(events.size() > 3_000 && events.size() < 15_000, "events: " + events.size());
    long purchases = events.stream().filter(e -> e.getString("type").equals("purchase")).count();
    long organic = events.stream().filter(e -> e.getString("type").equals("purchase")
        && !e.getJsonObject("context").getBoolean("recommended")).count();
    assertTrue(purchases > 100, "purchases: " + purchases);
    assertTrue(organic > 0 && organic < purchases, "both organic and recommended conversions occur");
    assertTrue(events.stream().anyMatch(e -> e.getString("type").equals("rating")));
    assertTrue(events.stream().anyMatch(e -> e.getJsonObject("context") != null
        && "explore".equals(e.getJsonObject("context").getString("surface"))), "a random-exposure slice exists");
    JsonObject item = sim.items().get(0);
    assertTrue(item.getString("title").length() > 5 && item.getString("description").length() > 20);
  }

  @Test
  void loggedPropensitiesAreTheTrueOnes() {
    World w = World.generate(TINY, 3);
    Simulator sim = new Simulator(w);
    int u = 5;
    double[] truth = w.propensities(u);
    for (JsonObject e : sim.simulateUser(u).events()) {
      if (e.getString("type").equals("impression")) {
        int i = Integer.parseInt(e.getString("item_id").substring(1));
        assertEquals(truth[i], e.getJsonObject("context").getDouble("propensity"), 1e-12);
      }
    }
  }

  /** Over thousands of sessions, each item is shown in the share of sessions its propensity says. */
  @Test
  void propensitiesMatchHowOftenItemsAreReallyShown() {
    World w = World.generate(new WorldSpec("monte-carlo", 3, 40, 8, 6_000, 6, 0.0, 0.0), 9);
    Simulator sim = new Simulator(w);
    for (int u = 0; u < w.users(); u++) {
      int[] shown = new int[w.items()];
      int sessions = 0;
      for (JsonObject e : sim.simulateUser(u).events()) {
        if (e.getString("type").equals("impression")) {
          shown[Integer.parseInt(e.getString("item_id").substring(1))]++;
          if (e.getJsonObject("context").getInteger("position") == 0) {
            sessions++;
          }
        }
      }
      assertTrue(sessions > 1_000, "sessions: " + sessions);
      double[] p = w.propensities(u);
      for (int i = 0; i < w.items(); i++) {
        double observed = shown[i] / (double) sessions;
        double sd = Math.sqrt(p[i] * (1 - p[i]) / sessions);
        assertEquals(p[i], observed, 4.5 * sd + 1e-3, "user " + u + " item " + i);
      }
    }
  }

  /**
   * Exposure correlates with popularity beyond relevance: the partial correlation of an item's
   * impression count with its log popularity, controlling for its mean true relevance, is above 0.5
   * positive; promoted items are shown more than unpromoted ones of the same relevance.
   */
  @Test
  void theLoggingPolicyIsConfoundedByPopularityAndPromotion() {
    World w = World.generate(WorldSpec.named("tiny"), 11);
    Simulator sim = new Simulator(w);
    int ni = w.items();
    double[] shown = new double[ni];
    for (int u = 0; u < w.users(); u++) {
      if (w.randomExposure(u)) {
        continue;
      }
      for (JsonObject e : sim.simulateUser(u).events()) {
        if (e.getString("type").equals("impression")) {
          shown[Integer.parseInt(e.getString("item_id").substring(1))]++;
        }
      }
    }
    double[] logPop = new double[ni];
    double[] meanRel = new double[ni];
    for (int i = 0; i < ni; i++) {
      logPop[i] = Math.log(w.popularity(i));
      for (int u = 0; u < w.users(); u++) {
        meanRel[i] += w.relevance(u, i) / w.users();
      }
    }
    double[] exposure = new double[ni];
    for (int i = 0; i < ni; i++) {
      exposure[i] = Math.log1p(shown[i]);
    }
    double partial = partialCorrelation(exposure, logPop, meanRel);
    assertTrue(partial > 0.5, "partial correlation of exposure with popularity given relevance: " + partial);

    // Promotion: residual exposure (after relevance and popularity) is higher for promoted items.
    double[] residual = residuals(exposure, logPop, meanRel);
    double promoted = 0;
    double plain = 0;
    int np = 0;
    for (int i = 0; i < ni; i++) {
      if (w.promoted(i)) {
        promoted += residual[i];
        np++;
      } else {
        plain += residual[i];
      }
    }
    assertTrue(np > 5, "enough promoted items: " + np);
    assertTrue(promoted / np > plain / (ni - np) + 0.2,
        "promoted residual " + promoted / np + " vs " + plain / (ni - np));
  }

  @Test
  void upliftIsHeterogeneousAndLargestForRelevantLittleKnownItems() {
    World w = World.generate(TINY, 5);
    double knownUplift = 0;
    double nicheUplift = 0;
    int known = 0;
    int niche = 0;
    for (int u = 0; u < w.users(); u++) {
      for (int i = 0; i < w.items(); i++) {
        if (w.relevance(u, i) < 0.5) {
          continue;
        }
        double tau = w.uplift(u, i);
        if (w.popularity(i) > 0.25) {
          knownUplift += tau;
          known++;
        } else if (w.popularity(i) < 0.05) {
          nicheUplift += tau;
          niche++;
        }
      }
    }
    assertTrue(known > 0 && niche > 0);
    assertTrue(nicheUplift / niche > 1.5 * knownUplift / known,
        "niche " + nicheUplift / niche + " vs known " + knownUplift / known);
  }

  static double correlation(double[] x, double[] y) {
    double mx = mean(x);
    double my = mean(y);
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int k = 0; k < x.length; k++) {
      sxy += (x[k] - mx) * (y[k] - my);
      sxx += (x[k] - mx) * (x[k] - mx);
      syy += (y[k] - my) * (y[k] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  static double partialCorrelation(double[] x, double[] y, double[] z) {
    double rxy = correlation(x, y);
    double rxz = correlation(x, z);
    double ryz = correlation(y, z);
    return (rxy - rxz * ryz) / Math.sqrt((1 - rxz * rxz) * (1 - ryz * ryz));
  }

  /** Residuals of least squares y ~ 1 + a + b. */
  static double[] residuals(double[] y, double[] a, double[] b) {
    double ma = mean(a);
    double mb = mean(b);
    double my = mean(y);
    double saa = 0;
    double sbb = 0;
    double sab = 0;
    double say = 0;
    double sby = 0;
    for (int k = 0; k < y.length; k++) {
      double da = a[k] - ma;
      double db = b[k] - mb;
      double dy = y[k] - my;
      saa += da * da;
      sbb += db * db;
      sab += da * db;
      say += da * dy;
      sby += db * dy;
    }
    double det = saa * sbb - sab * sab;
    double ca = (say * sbb - sby * sab) / det;
    double cb = (sby * saa - say * sab) / det;
    double[] r = new double[y.length];
    for (int k = 0; k < y.length; k++) {
      r[k] = (y[k] - my) - ca * (a[k] - ma) - cb * (b[k] - mb);
    }
    return r;
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }
}
