package org.causalrec.causal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.causalrec.config.EventTypes;
import org.causalrec.data.Feedback;
import org.causalrec.data.Impressions;
import org.causalrec.data.Interactions;
import org.causalrec.data.Sessions;
import org.causalrec.model.CfModel;
import org.causalrec.store.Event;
import org.junit.jupiter.api.Test;

/**
 * The uplift model's collaborative features of a session's examples, from a log built through the
 * real event, impression, session and feedback classes: no example's target item and no event at
 * or after its session reaches them.
 */
class SessionFeaturesTest {

  /** Scores 1 for the items of the scored history, 0 elsewhere; remembers every history it scored (as ids). */
  private static final class Echo implements CfModel {
    final List<Set<String>> seen = new ArrayList<>();
    final Feedback feedback;

    Echo(Feedback feedback) {
      this.feedback = feedback;
    }

    @Override
    public String kind() {
      return "echo";
    }

    @Override
    public float[][] score(Interactions history, int from, int to) {
      float[][] out = new float[to - from][history.items()];
      for (int u = from; u < to; u++) {
        Set<String> ids = new HashSet<>();
        for (int i : history.row(u)) {
          out[u - from][i] = 1f;
          ids.add(feedback.items().id(i));
        }
        seen.add(ids);
      }
      return out;
    }
  }

  private static Event impression(String user, String item, long second) {
    return new Event(null, null, user, item, "impression", null, Instant.ofEpochSecond(second), 0, "home", true, 0.5,
        null);
  }

  private static Event action(String user, String item, String type, long second) {
    return new Event(null, null, user, item, type, null, Instant.ofEpochSecond(second), null, null, null, null, null);
  }

  @Test
  void aSessionsFeaturesSeeOnlyEarlierEventsAndNoItemItself() {
    List<Event> events = List.of(
        action("u1", "a", "purchase", 100),
        // session 1 (t = 10,000): b is clicked and bought in it
        impression("u1", "b", 10_000), impression("u1", "c", 10_000), impression("u1", "d", 10_000),
        action("u1", "b", "click", 10_060), action("u1", "b", "purchase", 10_120),
        // later: e bought, then session 2 (t = 50,000)
        action("u1", "e", "purchase", 30_000),
        impression("u1", "c", 50_000), impression("u1", "e", 50_000), impression("u1", "f", 50_000),
        action("u1", "f", "purchase", 50_100),
        action("u2", "a", "purchase", 100), action("u2", "c", "purchase", 200), action("u2", "d", "click", 300),
        impression("u2", "f", 400));
    Impressions log = Impressions.of(events);
    Sessions sessions = Sessions.of(log);
    Feedback feedback = Feedback.of(events, EventTypes.defaults());
    Echo echo = new Echo(feedback);
    SessionFeatures features = new SessionFeatures(CfFeatures.of(echo, feedback, log.items()),
        log, log.items().size());
    int u1 = log.users().indexOf("u1");
    List<Integer> mine = new ArrayList<>();
    for (int s = 0; s < sessions.size(); s++) {
      if (sessions.user()[s] == u1) {
        mine.add(s);
      }
    }
    assertEquals(2, mine.size());
    List<Set<String>> visible = List.of(Set.of("a"), Set.of("a", "b", "e"));
    for (int k = 0; k < 2; k++) {
      int s = mine.get(k);
      echo.seen.clear();
      float[] f = features.at(u1, sessions.start()[s]);
      assertTrue(!echo.seen.isEmpty(), "the session's history was scored");
      assertEquals(visible.get(k), echo.seen.get(0), "session " + k + " scored from its earlier history");
      for (Set<String> h : echo.seen) {
        assertTrue(visible.get(k).containsAll(h), "session " + k + " saw " + h);
      }
      // every item, the session's own targets included, scores as absent from the history its row came from
      for (int i = 0; i < log.items().size(); i++) {
        assertTrue(f[i * CfFeatures.DIM] <= 0, "item " + log.items().id(i) + " reached its own features");
      }
    }
  }
}
