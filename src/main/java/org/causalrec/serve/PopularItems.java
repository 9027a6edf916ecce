package org.causalrec.serve;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.HashMap;
import java.util.Map;
import org.causalrec.config.Config;
import org.causalrec.config.EventTypes;
import org.causalrec.data.FeatureStore;
import org.causalrec.data.Feedback;

/**
 * The fallback ranking: items by how many distinct users gave positive feedback. From the feature
 * store once it has caught up with the log (with the catalogue view's titles, no query); before
 * that from a query, cached briefly.
 */
final class PopularItems {

  private static final long TTL_MS = 30_000;
  private static final int KEEP = 2_000;

  private record Entry(String id, String title, List<String> categories, long users) {}

  private final Pool pool;
  private final FeatureStore features;
  /** Titles, categories and what may be recommended; null to read the items table. */
  private final Catalogue catalogue;
  private final String[] positiveTypes;
  /** Ratings count as positive from this value on, as in {@link Feedback#weight}; null: every rating does. */
  private final Double positiveRating;
  private volatile List<Entry> cached;
  private volatile long cachedAt;

  PopularItems(Pool pool, FeatureStore features, Catalogue catalogue, Config config) {
    this.pool = pool;
    this.features = features;
    this.catalogue = catalogue;
    this.positiveTypes = config.eventTypes().names().stream()
        .filter(t -> config.eventTypes().weight(t) > 0).toArray(String[]::new);
    EventTypes.Type rating = config.eventTypes().get("rating");
    this.positiveRating = rating != null && rating.valueRequired() ? Feedback.POSITIVE_RATING : null;
  }

  /** The {@code n} popular items after the first {@code offset}, outside {@code skip}, optionally of one category. */
  Future<JsonArray> top(int n, int offset, String category, Set<String> skip) {
    return entries().map(list -> {
      JsonArray out = new JsonArray();
      int passed = 0;
      for (Entry e : list) {
        if (out.size() == n) {
          break;
        }
        if (skip.contains(e.id()) || (category != null && !e.categories().contains(category))
            || (catalogue != null && !catalogue.recommendable(e.id()))) {
          continue;
        }
        if (passed++ < offset) {
          continue;
        }
        out.add(new JsonObject().put("id", e.id()).put("title", e.title()).put("score", (double) e.users())
            .put("reason", "popular"));
      }
      return out;
    });
  }

  private Future<List<Entry>> entries() {
    if (features.ready() && catalogue != null) {
      List<Entry> out = new ArrayList<>();
      for (Map.Entry<String, Integer> e : features.popular(KEEP)) {
        out.add(new Entry(e.getKey(), catalogue.title(e.getKey()), catalogue.categories(e.getKey()), e.getValue()));
      }
      return Future.succeededFuture(out);
    }
    if (features.ready()) {
      List<Map.Entry<String, Integer>> top = features.popular(KEEP);
      String[] ids = top.stream().map(Map.Entry::getKey).toArray(String[]::new);
      return pool.preparedQuery("SELECT id, title, categories FROM items WHERE id = ANY($1)")
          .execute(Tuple.of((Object) ids))
          .map(rs -> {
            Map<String, Row> meta = new HashMap<>();
            rs.forEach(r -> meta.put(r.getString(0), r));
            List<Entry> out = new ArrayList<>(top.size());
            for (Map.Entry<String, Integer> e : top) {
              Row r = meta.get(e.getKey());
              out.add(new Entry(e.getKey(), r == null ? null : r.getString(1),
                  r == null ? List.of() : Arrays.asList(r.getArrayOfStrings(2)), e.getValue()));
            }
            return out;
          });
    }
    List<Entry> c = cached;
    if (c != null && System.currentTimeMillis() - cachedAt < TTL_MS) {
      return Future.succeededFuture(c);
    }
    return pool.preparedQuery("""
            SELECT p.item_id, i.title, coalesce(i.categories, '{}'), p.users
            FROM (SELECT item_id, count(DISTINCT user_id) AS users FROM events
                  WHERE type = ANY($1) AND ($3::float8 IS NULL OR type <> 'rating' OR value >= $3)
                  GROUP BY item_id ORDER BY users DESC, item_id LIMIT $2) p
            LEFT JOIN items i ON i.id = p.item_id
            ORDER BY p.users DESC, p.item_id""")
        .execute(Tuple.of(positiveTypes, KEEP, positiveRating))
        .map(rs -> {
          List<Entry> out = new ArrayList<>(rs.size());
          for (Row r : rs) {
            out.add(new Entry(r.getString(0), r.getString(1), Arrays.asList(r.getArrayOfStrings(2)), r.getLong(3)));
          }
          cached = out;
          cachedAt = System.currentTimeMillis();
          return out;
        });
  }
}
