package org.causalrec.serve;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.causalrec.config.Config;
import org.causalrec.data.Feedback;
import org.causalrec.eval.RankingMetrics;
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;

/**
 * Answers "what should this user see": the user's recent positive events are folded into the
 * serving model (micro-batched), consumed and excluded items are removed, a category filter
 * applies, and unknown users (or no model yet) get the most popular items.
 */
public final class Recommender {

  /** How many recent events make up the history that is folded in. */
  static final int HISTORY = 500;

  private final Vertx vertx;
  private final EventRepository events;
  private final ModelServing serving;
  private final PopularItems popular;
  private final Config config;

  public Recommender(Vertx vertx, Pool pool, ModelServing serving, Config config) {
    this.vertx = vertx;
    this.events = new EventRepository(pool);
    this.serving = serving;
    this.popular = new PopularItems(pool, config);
    this.config = config;
  }

  /**
   * Up to {@code n} recommendations for {@code user}: {@code {"user_id", "model_version", "items":
   * [{"id", "title", "score", "reason"}]}}.
   */
  public Future<JsonObject> recommend(String user, int n, String category, Set<String> exclude) {
    return events.recentByUser(user, HISTORY, null).compose(recent -> {
      List<String> history = new ArrayList<>();
      Set<String> consumed = new HashSet<>(exclude);
      for (Event e : recent) {
        if (Feedback.weight(e, config.eventTypes()) > 0) {
          history.add(e.itemId());
        }
        if (config.models().excludeTypes().contains(e.type())) {
          consumed.add(e.itemId());
        }
      }
      ServingModel current = serving.current();
      boolean known = current != null && history.stream().anyMatch(id -> current.items().indexOf(id) >= 0);
      if (!known) {
        return popular.top(n, category, consumed).map(items -> response(user, null, items));
      }
      return serving.queue().score(vertx, new ArrayList<>(new LinkedHashSet<>(history)))
          .map(s -> response(user, s.model().version(), rank(s, n, category, consumed, history.size())));
    });
  }

  private static JsonArray rank(ScoringQueue.Scored s, int n, String category, Set<String> consumed, int historySize) {
    ServingModel m = s.model();
    boolean[] skip = new boolean[m.items().size()];
    for (int i = 0; i < skip.length; i++) {
      skip[i] = consumed.contains(m.items().id(i))
          || (category != null && !m.categories().get(i).contains(category));
    }
    JsonArray out = new JsonArray();
    String reason = "liked by users with a history like your " + historySize + " recent items";
    for (int col : RankingMetrics.topK(s.scores(), n, skip)) {
      if (skip[col]) {
        continue;
      }
      out.add(new JsonObject().put("id", m.items().id(col)).put("title", m.titles()[col])
          .put("score", s.scores()[col]).put("reason", reason));
    }
    return out;
  }

  private static JsonObject response(String user, String version, JsonArray items) {
    return new JsonObject().put("user_id", user).put("model_version", version).put("items", items);
  }
}
