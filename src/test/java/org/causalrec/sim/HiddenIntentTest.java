package org.causalrec.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.causalrec.store.Event;
import org.junit.jupiter.api.Test;

/** The hidden-intent world: strength 0 is today's world exactly; otherwise each session moves policy and relevance. */
class HiddenIntentTest {

  private static final WorldSpec TINY = WorldSpec.named("tiny");

  @Test
  void zeroStrengthIsTheWorldWithoutIntent() {
    List<Event> plain = new Simulator(World.generate(TINY, 7)).events();
    List<Event> zero = new Simulator(World.generate(TINY.withIntent(0, 0), 7)).events();
    assertEquals(plain, zero);
    World w = World.generate(TINY.withIntent(0, 0), 7);
    World p = World.generate(TINY, 7);
    assertEquals(p.relevance(3, 5), w.relevance(3, 5));
  }

  @Test
  void eachSessionsIntentMovesWhatIsShownAndWhatIsLiked() {
    World w = World.generate(TINY.withIntent(2, 2), 7);
    List<Event> events = new Simulator(w).events();
    assertNotEquals(new Simulator(World.generate(TINY, 7)).events(), events);
    // the logged propensity of one (user, item) changes from session to session
    Map<String, Set<Double>> propensities = new HashMap<>();
    for (Event e : events) {
      if (e.type().equals("impression") && "home".equals(e.surface())) {
        propensities.computeIfAbsent(e.userId() + "/" + e.itemId(), k -> new HashSet<>()).add(e.propensity());
      }
    }
    assertTrue(propensities.values().stream().anyMatch(s -> s.size() > 1), "propensities move with the intent");
    // the truth is the mean over the intent: between the relevance at eps = 0 and 1, and not equal to it
    double base = w.relevanceAt(w.affinity(3, 5), 5);
    double mean = w.relevance(3, 5);
    assertTrue(mean > 0 && mean < 1);
    assertNotEquals(base, mean, 1e-6);
    double[] p = w.propensities(3);
    assertTrue(java.util.Arrays.stream(p).allMatch(x -> x > 0 && x <= 1));
  }

  @Test
  void naiveTrainingsTargetIsTheRelevanceOfTheSessionsThatShowedTheItem() {
    World control = World.generate(TINY, 7);
    assertArrayEquals(java.util.stream.IntStream.range(0, control.items()).mapToDouble(i -> control.relevance(3, i))
        .toArray(), control.relevanceWhenShown(3), 1e-12);
    World w = World.generate(TINY.withIntent(2, 2), 7);
    Simulator sim = new Simulator(w);
    // over every impression of the policy-driven users: the relevance the session really had, the
    // world's relevance-when-shown and the true (intent-averaged) relevance of the same pair
    double session = 0;
    double whenShown = 0;
    double truth = 0;
    int n = 0;
    for (int u = 0; u < w.spec().users(); u++) {
      if (w.randomExposure(u)) {
        continue;
      }
      double[] shown = w.relevanceWhenShown(u);
      for (String row : sim.simulateUser(u).truth()) {
        String[] c = row.split("\t");
        if (c[3].equals("1")) {
          int i = Integer.parseInt(c[1].substring(1));
          session += Double.parseDouble(c[5]);
          whenShown += shown[i];
          truth += w.relevance(u, i);
          n++;
        }
      }
    }
    assertTrue(n > 2000, "impressions: " + n);
    assertEquals(session / n, whenShown / n, 0.015, "the log's own relevance of what it showed");
    assertTrue(session / n > truth / n + 0.05, "shown in the sessions that wanted them: " + session / n
        + " against the true relevance " + truth / n);
  }
}
