package org.causalrec.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Set;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.Event;
import org.junit.jupiter.api.Test;

/**
 * The random-exposure split of a simulated world: a rating made on the random surface labels a test pair (the
 * models never train on it), and the log has almost no test pair as a positive.
 */
class RandomExposureSplitTest {

  @Test
  void aRandomSurfaceRatingIsATestLabel() {
    List<Event> events = new Simulator(World.generate(WorldSpec.named("tiny"), 42)).events();
    ExplicitLog log = ExplicitLog.of(events, "explore", 0.05, 1);
    Set<String> scored = new HashSet<>(pairs(log.test, false));
    scored.addAll(pairs(log.sample, false));
    int ratings = 0;
    for (Event e : events) {
      if (e.type().equals("rating") && "explore".equals(e.surface())) {
        assertTrue(scored.contains(e.userId() + "/" + e.itemId()), "explore rating " + e.eventId() + " is a test label");
        ratings++;
      }
    }
    assertTrue(ratings > 5, ratings + " explore ratings");
    // a rating follows its purchase on the purchase's surface, so what is left in common is the
    // user's own organic interaction with the item in another session, which the published protocol keeps
    Set<String> positiveInLog = new HashSet<>(pairs(log.observed, true));
    long both = pairs(log.test, false).stream().filter(positiveInLog::contains).count();
    long all = log.test.size();
    assertTrue(all > 100, all + " test pairs");
    assertTrue(both < 0.05 * all, both + " of " + all + " test pairs are positive in the log");
  }

  private static List<String> pairs(ExplicitLog.Pairs p, boolean positiveOnly) {
    List<String> out = new ArrayList<>();
    for (int k = 0; k < p.size(); k++) {
      if (!positiveOnly || p.label()[k]) {
        out.add(p.userIds()[k] + "/" + p.itemIds()[k]);
      }
    }
    return out;
  }

  @Test
  void aRatingCarriesTheContextOfThePurchaseItFollows() {
    List<Event> events = new Simulator(World.generate(WorldSpec.named("tiny"), 42)).events();
    int ratings = 0;
    for (int k = 1; k < events.size(); k++) {
      Event e = events.get(k);
      if (e.type().equals("rating")) {
        Event bought = events.get(k - 1);
        assertEquals("purchase", bought.type());
        assertEquals(bought.itemId(), e.itemId());
        assertEquals(bought.surface(), e.surface(), "rating " + k);
        assertEquals(bought.position(), e.position(), "rating " + k);
        ratings++;
      }
    }
    assertTrue(ratings > 50, ratings + " ratings");
  }
}
