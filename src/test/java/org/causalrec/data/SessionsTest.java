package org.causalrec.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.causalrec.store.Event;
import org.junit.jupiter.api.Test;

/** Impressions group into sessions by time gaps; unshown samples never contain a shown item. */
class SessionsTest {

  private static Event impression(String user, String item, long second, int position, double propensity) {
    return new Event(null, null, user, item, "impression", null, Instant.ofEpochSecond(second), position, "home", true,
        propensity, "v1");
  }

  private static Event event(String user, String item, String type, long second) {
    return new Event(null, null, user, item, type, null, Instant.ofEpochSecond(second), null, null, null, null, null);
  }

  @Test
  void groupsEachUsersImpressionsByTheGapBetweenThem() {
    long t = 1_800_000_000L;
    List<Event> events = new ArrayList<>(List.of(
        impression("a", "x", t, 0, 0.5), impression("a", "y", t + 5, 1, 0.25),
        impression("a", "x", t + 4_000, 0, 0.5), // more than 30 minutes later: a second session
        impression("b", "z", t + 10, 0, 0.1),
        event("a", "y", "purchase", t + 60), event("b", "q", "purchase", t + 20)));
    Impressions log = Impressions.of(events);
    Sessions s = Sessions.of(log);
    assertEquals(3, s.size());
    int a = log.users().indexOf("a");
    int b = log.users().indexOf("b");
    assertEquals(2, s.perUser()[a]);
    assertEquals(1, s.perUser()[b]);
    assertEquals(a, s.user()[0]);
    assertEquals(2, s.rows()[0].length);
    assertEquals(t, s.start()[0]);
    assertEquals(t + 5 + Impressions.CLICK_WINDOW.getSeconds(), s.end()[0]);
    // the purchase 55 s after y's impression labels it converted; propensities are kept
    int y = log.items().indexOf("y");
    for (int r = 0; r < log.size(); r++) {
      if (log.item()[r] == y) {
        assertTrue(log.converted()[r] && log.clicked()[r]);
        assertEquals(0.25f, log.propensity()[r]);
      }
    }
    assertArrayEquals(new int[] {log.items().indexOf("q")}, log.purchases()[b]);
  }

  @Test
  void unshownPairsAreNeverShownInTheirSession() {
    List<Event> events = new ArrayList<>();
    long t = 1_800_000_000L;
    for (int s = 0; s < 20; s++) {
      for (int k = 0; k < 3; k++) {
        events.add(impression("u" + (s % 4), "i" + ((s + k) % 12), t + s * 10_000L + k, k, 0.3));
      }
    }
    Impressions log = Impressions.of(events);
    Sessions s = Sessions.of(log);
    Sessions.Unshown un = s.unshown(log, 4, 9);
    assertEquals(s.size() * 4, un.pairs().size());
    for (int k = 0; k < un.pairs().size(); k++) {
      int session = k / 4;
      int item = un.pairs().item()[k];
      for (int r : s.rows()[session]) {
        assertFalse(log.item()[r] == item, "a shown item was sampled as unshown");
      }
      assertEquals(un.pairs().user()[k], s.user()[session]);
      assertEquals((12 - 3) / 4f, un.weight()[k], 1e-6);
      assertFalse(un.pairs().clicked()[k]);
    }
  }
}
