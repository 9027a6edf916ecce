package org.causalrec.serve;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.causalrec.config.Config;
import org.causalrec.core.ApiException;
import org.causalrec.data.FeatureStore;
import org.causalrec.data.Feedback;
import org.causalrec.model.TopK;
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;
import org.causalrec.text.ItemEmbeddings;

/**
 * Answers "what should this user see", in two stages. Stage one folds the user's recent positive
 * events into the serving Mult-VAE (micro-batched) and keeps the best {@code serving.candidates}
 * items that are in the catalogue, not consumed and in the asked category, with the new items the
 * text neighbours score; stage two gives each the click model's calibrated P(click | shown at the
 * top position). The list is cached per user, category and surface, and served again while the
 * user's features (the feature store's stamp, moved by the stream and by this node's own commits),
 * the serving versions, the catalogue and the hour are unchanged: no database query and no forward
 * pass. Unknown users (or no model yet) get the most popular items. Before the feature store has
 * loaded, histories come from PostgreSQL and nothing is cached.
 */
public final class Recommender {

  /**
   * What a request asks for (validated by the caller): the {@code n} items after the first
   * {@code offset} of the user's ranking.
   */
  public record Query(String user, int n, int offset, String category, Set<String> exclude, String objective,
      Double minProbability, String surface) {

    /** The first page by the default objective, without threshold or surface. */
    public static Query of(String user, int n, String category, Set<String> exclude) {
      return new Query(user, n, 0, category, exclude, null, null, null);
    }
  }

  private final Vertx vertx;
  private final EventRepository events;
  private final MultVaeServing serving;
  private final ClickServing clicks;
  private final Catalogue catalogue;
  private final PopularItems popular;
  private final FeatureStore features;
  private final Config config;
  private final Reasons reasons;
  private final ColdStart coldStart;
  private final ItemEmbeddings text;
  private final Cache<String, RankedList> cache;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();

  /** One stage, no catalogue view, no text features (tests of the first stage). */
  public Recommender(Vertx vertx, Pool pool, MultVaeServing serving, FeatureStore features, Config config) {
    this(vertx, pool, serving, null, null, features, config, null);
  }

  /**
   * @param clicks the second stage, or null for none
   * @param catalogue what may be recommended and the items' titles and categories, or null to take
   *     them from the model version
   * @param text the item text embeddings (reasons, cold-start scores), or null when text features are off
   */
  public Recommender(Vertx vertx, Pool pool, MultVaeServing serving, ClickServing clicks, Catalogue catalogue,
      FeatureStore features, Config config, ItemEmbeddings text) {
    this.vertx = vertx;
    this.events = new EventRepository(pool);
    this.serving = serving;
    this.clicks = clicks;
    this.catalogue = catalogue;
    this.popular = new PopularItems(pool, features, catalogue, config);
    this.features = features;
    this.config = config;
    this.text = text;
    this.reasons = new Reasons(text);
    this.coldStart = text == null ? null : new ColdStart(text, features, config.text().newItemOptimism());
    this.cache = Caffeine.newBuilder().maximumSize(config.serving().cacheSize()).build();
  }

  /** As {@link #recommend(Query)} by the default objective. */
  public Future<JsonObject> recommend(String user, int n, String category, Set<String> exclude) {
    return recommend(Query.of(user, n, category, exclude));
  }

  /**
   * Up to {@code n} recommendations: {@code {"user_id", "model_version", "click_model_version",
   * "objective", "cached", "items": [{"id", "title", "score", "probability", "scored_by",
   * "reason"}]}}; {@code probability} is present when a click model serves. Users the Mult-VAE
   * cannot place get popular items ({@code "objective": "popularity"}) whatever the objective and
   * threshold. Fails with 503 when the objective or the threshold needs a click model and none serves.
   */
  public Future<JsonObject> recommend(Query q) {
    RankedList hit = cachedList(q);
    if (hit != null) {
      return respond(q, hit, true);
    }
    return view(q.user()).compose(f -> recommendFor(q, f));
  }

  /**
   * Recommendations for an anonymous session: {@code items} (its items, oldest first) folded into
   * the serving Mult-VAE as a history, none of them recommended back; popular items when the model
   * knows none of them. Nothing is cached, and {@code user_id} is null.
   */
  public Future<JsonObject> recommendForSession(List<String> items, Query q) {
    List<String> history = new ArrayList<>(new LinkedHashSet<>(items));
    return recommendFor(q, new FeatureStore.UserView(history, new HashSet<>(history), -1));
  }

  private Future<JsonObject> recommendFor(Query q, FeatureStore.UserView f) {
    MultVaeVersion current = serving.current();
    boolean known = current != null && f.history().stream().anyMatch(id -> current.items().indexOf(id) >= 0);
    if (!known) { // popular items, whatever the objective: there is no history to rank for
      Set<String> skip = new HashSet<>(q.exclude());
      skip.addAll(f.consumed());
      return popular.top(q.n(), q.offset(), q.category(), skip).map(items -> new JsonObject()
          .put("user_id", q.user()).put("model_version", (String) null).put("objective", "popularity")
          .put("items", items));
    }
    RankedList.Validity validity = validity(current, f.stamp());
    misses.incrementAndGet();
    return compute(q, f, validity).compose(list -> {
      if (f.stamp() >= 0) {
        cache.put(key(q), list);
      }
      return respond(q, list, false);
    });
  }

  /**
   * The serving Mult-VAE's collaborative neighbours of {@code item}: the items it ranks highest for
   * a history of that one item ("users who liked it also liked"), visible ones only, with their
   * scores; 404 when the model has no column for the item, 503 before the first model.
   */
  public Future<JsonObject> neighbours(String item, int n) {
    MultVaeVersion current = serving.current();
    if (current == null) {
      return Future.failedFuture(ApiException.unavailable("no_model", null,
          "no Mult-VAE serves yet (train one with POST /v1/models/mult-vae/train)"));
    }
    if (current.items().indexOf(item) < 0) {
      return Future.failedFuture(ApiException.notFound("unknown_item", "id", "the serving model " + current.version()
          + " has no events of item '" + item + "' (GET /v1/items/{id}/similar finds neighbours by text)"));
    }
    return serving.queue().score(vertx, List.of(item)).map(s -> {
      MultVaeVersion m = s.model();
      boolean[] skip = new boolean[m.items().size()];
      for (int i = 0; i < skip.length; i++) {
        String id = m.items().id(i);
        skip[i] = id.equals(item) || !recommendable(id);
      }
      JsonArray items = new JsonArray();
      for (int col : TopK.of(s.scores(), n, skip)) {
        if (!skip[col]) {
          items.add(new JsonObject().put("id", m.items().id(col)).put("title", title(m, col))
              .put("score", s.scores()[col]));
        }
      }
      return new JsonObject().put("item_id", item).put("model_version", m.version()).put("items", items);
    });
  }

  /** The {@code n} most popular visible items after the first {@code offset}, optionally of one category. */
  public Future<JsonObject> popular(int n, int offset, String category) {
    return popular.top(n, offset, category, Set.of()).map(items -> new JsonObject().put("items", items));
  }

  /**
   * As {@link #recommend(Query)}, encoded. A cached list keeps the encoded answer to the plain
   * requests (no exclusions, no threshold) it served, so repeating one costs a lookup.
   */
  public Future<Buffer> recommendEncoded(Query q) {
    RankedList hit = q.exclude().isEmpty() && q.minProbability() == null ? cachedList(q) : null;
    if (hit == null) {
      return recommend(q).map(JsonObject::toBuffer);
    }
    String shape = q.objective() + "|" + q.n() + "|" + q.offset();
    Buffer body = hit.encoded(shape);
    if (body != null) {
      return Future.succeededFuture(body);
    }
    return respond(q, hit, true).map(o -> hit.encoded(shape, o.toBuffer()));
  }

  private static String key(Query q) {
    return q.user() + '\u0000' + q.category() + '\u0000' + q.surface();
  }

  /** The user's cached list when it is still current (checked against the stamp alone: no copy of the features). */
  private RankedList cachedList(Query q) {
    MultVaeVersion current = serving.current();
    if (!features.ready() || current == null) {
      return null;
    }
    RankedList cached = cache.getIfPresent(key(q));
    if (cached == null || !cached.validity().equals(validity(current, features.stamp(q.user())))) {
      return null;
    }
    hits.incrementAndGet();
    return cached;
  }

  private RankedList.Validity validity(MultVaeVersion m, long stamp) {
    ColdStart.Table table = coldStart == null ? null : coldStart.table(m);
    return new RankedList.Validity(stamp, m.version(), clicks == null ? null : clicks.version(),
        catalogue == null ? 0 : catalogue.version(), table, ZonedDateTime.now(ZoneOffset.UTC).getHour());
  }

  private Future<JsonObject> respond(Query q, RankedList list, boolean cached) {
    String objective = q.objective() != null ? q.objective() : list.hasProbabilities() ? "click" : "relevance";
    if (!list.hasProbabilities() && (objective.equals("click") || q.minProbability() != null)) {
      return Future.failedFuture(needsClickModel(q));
    }
    JsonArray items = new JsonArray();
    List<String> history = list.history();
    List<Integer> picked = list.select(objective, q.exclude(), q.minProbability(), q.offset() + q.n());
    for (int k : picked.subList(Math.min(q.offset(), picked.size()), picked.size())) {
      items.add(list.rendered(k, c -> {
        JsonObject o = new JsonObject().put("id", c.id()).put("title", c.title()).put("score", c.score());
        if (list.hasProbabilities()) {
          o.put("probability", c.probability());
        }
        o.put("scored_by", c.scoredBy());
        reasons.explain(o, history, c.scoredBy().equals("text"));
        return o;
      }));
    }
    return Future.succeededFuture(new JsonObject().put("user_id", q.user())
        .put("model_version", list.validity().modelVersion()).put("click_model_version", list.clickVersion())
        .put("objective", objective).put("cached", cached).put("items", items));
  }

  private static ApiException needsClickModel(Query q) {
    String field = q.minProbability() != null ? "min_probability" : "objective";
    return ApiException.unavailable("no_click_model", field, field + " needs click probabilities: no click model"
        + " serves yet (train one with POST /v1/models/click-mlp/train)");
  }

  /** Both stages for one user. */
  private Future<RankedList> compute(Query q, FeatureStore.UserView f, RankedList.Validity validity) {
    List<String> history = f.history();
    return serving.queue().score(vertx, new ArrayList<>(new LinkedHashSet<>(history))).compose(s -> {
      MultVaeVersion m = s.model();
      float[] raw = s.scores();
      float[] scores = raw.clone();
      ColdStart.Table table = coldStart == null ? null : coldStart.table(m);
      Set<Integer> blendedCols = new HashSet<>();
      if (table != null && !table.blended().isEmpty()) {
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
        String id = m.items().id(i);
        skip[i] = f.consumed().contains(id) || !recommendable(id)
            || (q.category() != null && !categories(m, i).contains(q.category()));
      }
      List<RankedList.Candidate> candidates = new ArrayList<>();
      for (int col : TopK.of(scores, config.serving().candidates(), skip)) {
        if (!skip[col]) {
          String id = m.items().id(col);
          candidates.add(new RankedList.Candidate(id, title(m, col), scores[col], Float.NaN,
              blendedCols.contains(col) ? "mult-vae+text" : "mult-vae"));
        }
      }
      if (table != null) {
        table.cold().forEach((id, nb) -> {
          List<String> cats = text.index().categories(id);
          if (!f.consumed().contains(id) && recommendable(id)
              && (q.category() == null || (cats != null && cats.contains(q.category())))) {
            candidates.add(new RankedList.Candidate(id, text.index().title(id), coldStart.score(nb, scores),
                Float.NaN, "text"));
          }
        });
        candidates.sort((a, b) -> Float.compare(b.score(), a.score()));
      }
      List<String> recent = Collections.unmodifiableList(history);
      if (clicks == null || clicks.version() == null || candidates.isEmpty()) {
        return Future.succeededFuture(new RankedList(validity, recent, candidates, null));
      }
      ClickServing.Request request = new ClickServing.Request(history,
          candidates.stream().map(RankedList.Candidate::id).toList(), q.surface(), validity.hour(), m.items(), raw);
      return clicks.rank(vertx, request).map(ranked -> {
        List<RankedList.Candidate> withP = new ArrayList<>(candidates.size());
        for (int k = 0; k < candidates.size(); k++) {
          RankedList.Candidate c = candidates.get(k);
          withP.add(new RankedList.Candidate(c.id(), c.title(), c.score(), ranked.probability()[k], c.scoredBy()));
        }
        return new RankedList(validity, recent, withP, ranked.version());
      });
    });
  }

  private boolean recommendable(String id) {
    return catalogue == null || catalogue.recommendable(id);
  }

  private String title(MultVaeVersion m, int col) {
    String t = catalogue == null ? null : catalogue.title(m.items().id(col));
    return t != null ? t : m.titles()[col];
  }

  private List<String> categories(MultVaeVersion m, int col) {
    List<String> c = catalogue == null ? List.of() : catalogue.categories(m.items().id(col));
    return !c.isEmpty() || catalogue != null && catalogue.size() > 0 ? c : m.categories().get(col);
  }

  /**
   * What the log says of a user now.
   *
   * @param history recent positive items, oldest first
   * @param consumed items of the configured exclude types
   */
  public record UserFeatures(List<String> history, Set<String> consumed) {}

  /** The user's history and consumed items: from the feature store once it has loaded, from PostgreSQL before. */
  public Future<UserFeatures> features(String user) {
    return view(user).map(v -> new UserFeatures(v.history(), v.consumed()));
  }

  /** As {@link FeatureStore.UserView}; stamp -1 when read from PostgreSQL (not cacheable). */
  private Future<FeatureStore.UserView> view(String user) {
    if (features.ready()) {
      return Future.succeededFuture(features.view(user));
    }
    return events.recentByUser(user, FeatureStore.HISTORY, null).map(recent -> {
      List<String> history = new ArrayList<>();
      Set<String> consumed = new HashSet<>();
      List<Event> oldestFirst = new ArrayList<>(recent);
      Collections.reverse(oldestFirst);
      for (Event e : oldestFirst) {
        if (Feedback.weight(e, config.eventTypes()) > 0) {
          history.remove(e.itemId());
          history.add(e.itemId());
        }
        if (config.models().excludeTypes().contains(e.type())) {
          consumed.add(e.itemId());
        }
      }
      return new FeatureStore.UserView(history, consumed, -1);
    });
  }

  /** Cache figures for {@code /health/ready}: hits, misses (lists computed) and lists kept. */
  public JsonObject cacheStatus() {
    return new JsonObject().put("hits", hits.get()).put("misses", misses.get())
        .put("lists", cache.estimatedSize()).put("capacity", config.serving().cacheSize());
  }
}
