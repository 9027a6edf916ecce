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
import org.causalrec.data.FeatureStore;
import org.causalrec.data.Feedback;
import org.causalrec.eval.RankingMetrics;
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;

/**
 * Answers "what should this user see": the user's recent positive events (from the feature store
 * once it has caught up with the log, from PostgreSQL before that) are folded into the serving
 * model (micro-batched), consumed and excluded items are removed, a category filter applies, and
 * unknown users (or no model yet) get the most popular items.
 */
public final class Recommender {

  private final Vertx vertx;
  private final EventRepository events;
  private final ModelServing serving;
  private final PopularItems popular;
  private final FeatureStore features;
  private final Config config;

  public Recommender(Vertx vertx, Pool pool, ModelServing serving, FeatureStore features, Config config) {
    this.vertx = vertx;
    this.events = new EventRepository(pool);
    this.serving = serving;
    this.popular = new PopularItems(pool, features, config);
    this.features = features;
    this.config = config;
  }

  /**
   * Up to {@code n} recommendations for {@code user}: {@code {"user_id", "model_version", "items":
   * [{"id", "title", "score", "reason"}]}}.
   */
  public Future<JsonObject> recommend(String user, int n, String category, Set<String> exclude) {
    return userFeatures(user).compose(f -> {
      List<String> history = f.history();
      Set<String> consumed = new HashSet<>(exclude);
      consumed.addAll(f.consumed());
      ServingModel current = serving.current();
      boolean known = current != null && history.stream().anyMatch(id -> current.items().indexOf(id) >= 0);
      if (!known) {
        return popular.top(n, category, consumed).map(items -> response(user, null, items));
      }
      return serving.queue().score(vertx, new ArrayList<>(new LinkedHashSet<>(history)))
          .map(s -> response(user, s.model().version(), rank(s, n, category, consumed, history.size())));
    });
  }

  /**
   * What the log says of a user now.
   *
   * @param history recent positive items, oldest first
   * @param consumed items of the configured exclude types
   */
  public record UserFeatures(List<String> history, Set<String> consumed) {}

  /** The user's history and consumed items (see {@link #userFeatures}). */
  public Future<UserFeatures> features(String user) {
    return userFeatures(user);
  }

  /**
   * The user's history and consumed items. From the feature store plus the user's events it has
   * not applied yet (one indexed query, usually empty), so a user's own writes are always seen.
   */
  private Future<UserFeatures> userFeatures(String user) {
    if (features.ready()) {
      long applied = features.lastEventId();
      List<String> history = new ArrayList<>(features.history(user));
      Set<String> consumed = new HashSet<>(features.consumed(user));
      return events.userEventsAfter(user, applied, FeatureStore.HISTORY).map(newer -> {
        add(newer, history, consumed);
        return new UserFeatures(history, consumed);
      });
    }
    return events.recentByUser(user, FeatureStore.HISTORY, null).map(recent -> {
      List<String> history = new ArrayList<>();
      Set<String> consumed = new HashSet<>();
      List<Event> oldestFirst = new ArrayList<>(recent);
      java.util.Collections.reverse(oldestFirst);
      add(oldestFirst, history, consumed);
      return new UserFeatures(history, consumed);
    });
  }

  private void add(List<Event> events, List<String> history, Set<String> consumed) {
    for (Event e : events) {
      if (Feedback.weight(e, config.eventTypes()) > 0) {
        history.remove(e.itemId());
        history.add(e.itemId());
      }
      if (config.models().excludeTypes().contains(e.type())) {
        consumed.add(e.itemId());
      }
    }
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
