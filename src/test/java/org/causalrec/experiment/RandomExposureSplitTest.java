package org.causalrec.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.causalrec.config.EventTypes;
import org.causalrec.data.Feedback;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.Event;
import org.junit.jupiter.api.Test;

/**
 * The random-exposure split of a simulated world: the biased log the models train on and fold users
 * in from holds none of the randomly exposed test pairs.
 */
class RandomExposureSplitTest {

  @Test
  void theBiasedLogHoldsNoTestPair() {
    List<Event> events = new Simulator(World.generate(WorldSpec.named("tiny"), 42)).events();
    Feedback train = Feedback.of(events.stream().filter(RandomExposureRun.biased("explore")).toList(),
        EventTypes.defaults());
    Map<String, Map<String, Boolean>> raw = RandomExposureRun.testPairs(events, "explore");
    // a rating follows its purchase on the purchase's surface, so an explore purchase's rating is no training pair
    long rated = raw.values().stream().mapToLong(m -> m.size()).sum();
    Map<String, Map<String, Boolean>> test = RandomExposureRun.unseen(raw, train);
    long left = test.values().stream().mapToLong(m -> m.size()).sum();
    assertTrue(rated - left < 0.05 * rated, (rated - left) + " of " + rated + " test pairs are training pairs");
    int pairs = 0;
    int positives = 0;
    List<String> seen = new ArrayList<>();
    for (Map.Entry<String, Map<String, Boolean>> u : test.entrySet()) {
      int row = train.users().indexOf(u.getKey());
      for (Map.Entry<String, Boolean> p : u.getValue().entrySet()) {
        pairs++;
        positives += p.getValue() ? 1 : 0;
        int i = train.items().indexOf(p.getKey());
        if (row >= 0 && i >= 0 && java.util.Arrays.stream(train.matrix().row(row)).anyMatch(c -> c == i)) {
          seen.add(u.getKey() + "/" + p.getKey() + (p.getValue() ? "+" : "-"));
        }
      }
    }
    assertTrue(pairs > 100 && positives > 10, pairs + " test pairs, " + positives + " positive");
    assertEquals(List.of(), seen, "test pairs in the training log of " + pairs);
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
