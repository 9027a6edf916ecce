package org.causalrec.serve;

import org.causalrec.model.TopK;
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
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;
import org.causalrec.text.ItemEmbeddings;

/**
 * Answers "what should this user see": the user's recent positive events (from the feature store
 * once it has caught up with the log, from PostgreSQL before that) are folded into the serving
 * model (micro-batched), consumed and excluded items are removed, a category filter applies, and
 * unknown users (or no model yet) get the most popular items.
 */
public final class Recommender {

  private final Vertx vertx;
  private final EventRepository events;
  private final MultVaeServing serving;
  private final PopularItems popular;
  private final FeatureStore features;
  private final Config config;
  private final ItemEmbeddings text;
  private final ColdStart coldStart;

  /** As below, without text features. */
  public Recommender(Vertx vertx, Pool pool, MultVaeServing serving, FeatureStore features, Config config) {
    this(vertx, pool, serving, features, config, null);
  }

  /**
   * @param text the item text embeddings (reasons, cold-start scores), or null when text features are off
   */
  public Recommender(Vertx vertx, Pool pool, MultVaeServing serving, FeatureStore features, Config config,
      ItemEmbeddings text) {
    this.text = text;
    this.coldStart = text == null ? null : new ColdStart(text, features, config.text().newItemOptimism());
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
      MultVaeVersion current = serving.current();
      boolean known = current != null && history.stream().anyMatch(id -> current.items().indexOf(id) >= 0);
      if (!known) {
        return popular.top(n, category, consumed).map(items -> response(user, null, items));
      }
      return serving.queue().score(vertx, new ArrayList<>(new LinkedHashSet<>(history)))
          .map(s -> response(user, s.model().version(), rank(s, n, category, consumed, history)));
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

  /** One ranked item: a model column, or -1 for an item scored from its text alone. */
  private record Ranked(String id, String title, float score, int col, String scoredBy) {}

  private JsonArray rank(ScoringQueue.Scored s, int n, String category, Set<String> consumed, List<String> history) {
    MultVaeVersion m = s.model();
    float[] scores = s.scores();
    ColdStart.Table table = coldStart == null ? null : coldStart.table(m);
    Set<Integer> blendedCols = new HashSet<>();
    if (table != null && !table.blended().isEmpty()) {
      float[] raw = scores.clone();
      table.blended().forEach((id, nb) -> {
        int col = m.items().indexOf(id);
        if (col >= 0) {
          scores[col] = coldStart.blend(id, raw[col], nb, raw);
          blendedCols.add(col);
        }
      });
    }
    boolean[] skip = new boolean[m.items().size()];
    for (int i = 0; i < skip.length; i++) {
      skip[i] = consumed.contains(m.items().id(i))
          || (category != null && !m.categories().get(i).contains(category));
    }
    List<Ranked> ranked = new ArrayList<>();
    for (int col : TopK.of(scores, n, skip)) {
      if (!skip[col]) {
        ranked.add(new Ranked(m.items().id(col), m.titles()[col], scores[col], col,
            blendedCols.contains(col) ? "mult-vae+text" : "mult-vae"));
      }
    }
    if (table != null) {
      table.cold().forEach((id, nb) -> {
        List<String> cats = text.index().categories(id);
        if (!consumed.contains(id) && (category == null || (cats != null && cats.contains(category)))) {
          ranked.add(new Ranked(id, text.index().title(id), coldStart.score(nb, scores), -1, "text"));
        }
      });
      ranked.sort((a, b) -> Float.compare(b.score(), a.score()));
    }
    List<String> recent = history.subList(Math.max(0, history.size() - REASON_HISTORY), history.size());
    String generic = "liked by users with a history like your " + history.size() + " recent items";
    JsonArray out = new JsonArray();
    for (Ranked r : ranked.subList(0, Math.min(n, ranked.size()))) {
      JsonObject o = new JsonObject().put("id", r.id()).put("title", r.title()).put("score", r.score())
          .put("scored_by", r.scoredBy());
      JsonObject because = because(r.id(), recent);
      if (because != null) {
        o.put("reason", "because you liked " + because.getString("title")).put("because", because);
      } else {
        o.put("reason", r.col() < 0 ? "new, and like items you liked" : generic);
      }
      out.add(o);
    }
    return out;
  }

  /** History items a reason may cite: the most recent ones. */
  static final int REASON_HISTORY = 50;
  /**
   * A history item is cited only this similar in text or more: below it the texts share little
   * (unrelated all-MiniLM-L6-v2 sentences sit around 0 to 0.3) and the reason would mislead.
   */
  static final float MIN_REASON_SIMILARITY = 0.35f;

  /** {@code {"id", "title", "similarity"}} of the history item most similar in text to {@code item}, or null. */
  private JsonObject because(String item, List<String> recent) {
    if (text == null) {
      return null;
    }
    String best = null;
    float bestSim = Float.NEGATIVE_INFINITY;
    for (String h : recent) {
      float sim = h.equals(item) ? Float.NaN : text.index().similarity(item, h);
      if (!Float.isNaN(sim) && sim > bestSim) {
        best = h;
        bestSim = sim;
      }
    }
    if (best == null || bestSim < MIN_REASON_SIMILARITY) {
      return null;
    }
    String title = text.index().title(best);
    return new JsonObject().put("id", best).put("title", title == null || title.isBlank() ? best : title)
        .put("similarity", bestSim);
  }

  private static JsonObject response(String user, String version, JsonArray items) {
    return new JsonObject().put("user_id", user).put("model_version", version).put("items", items);
  }
}
