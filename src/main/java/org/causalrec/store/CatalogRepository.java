package org.causalrec.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** All SQL on the items and users tables. */
public final class CatalogRepository {

  private static final String UPSERT_ITEM = """
      INSERT INTO items (id, title, description, categories, attributes, hidden, expires_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description,
        categories = EXCLUDED.categories, attributes = EXCLUDED.attributes, hidden = EXCLUDED.hidden,
        expires_at = EXCLUDED.expires_at, updated_at = now()""";

  private static final String UPSERT_USER = """
      INSERT INTO users (id, attributes) VALUES ($1, $2)
      ON CONFLICT (id) DO UPDATE SET attributes = EXCLUDED.attributes, updated_at = now()""";

  private static final String ITEM_COLUMNS =
      "id, title, description, categories, attributes, hidden, expires_at, created_at, updated_at";

  private final Pool pool;

  public CatalogRepository(Pool pool) {
    this.pool = pool;
  }

  /** Inserts or replaces the items in one transaction; returns how many were written. */
  public Future<Integer> upsertItems(List<Item> items) {
    if (items.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<Tuple> batch = new ArrayList<>(items.size());
    // Row locks are always taken in id order, so concurrent batches cannot deadlock.
    for (Item it : sortedById(items, Item::id)) {
      batch.add(itemTuple(it));
    }
    return pool.withTransaction(c -> c.preparedQuery(UPSERT_ITEM).executeBatch(batch)).map(items.size());
  }

  /** Inserts or replaces one item and returns it as stored. */
  public Future<Item> upsertItem(Item it) {
    return pool.preparedQuery(UPSERT_ITEM + " RETURNING " + ITEM_COLUMNS)
        .execute(itemTuple(it))
        .map(rs -> toItem(rs.iterator().next()));
  }

  /**
   * Replaces a stored item with {@code it} when it is still as read ({@code updatedAt}); the item
   * as stored, or null when it changed or went meanwhile (the caller reads it again).
   */
  public Future<Item> replaceItemIf(Item it, java.time.Instant updatedAt) {
    return pool.preparedQuery("UPDATE items SET title = $2, description = $3, categories = $4, attributes = $5,"
            + " hidden = $6, expires_at = $7, updated_at = now() WHERE id = $1 AND updated_at = $8 RETURNING "
            + ITEM_COLUMNS)
        .execute(itemTuple(it).addValue(updatedAt.atOffset(java.time.ZoneOffset.UTC)))
        .map(rs -> rs.size() == 0 ? null : toItem(rs.iterator().next()));
  }

  /** Inserts or replaces one user and returns it as stored. */
  public Future<User> upsertUser(User u) {
    return pool.preparedQuery(UPSERT_USER + " RETURNING id, attributes, updated_at")
        .execute(Tuple.of(u.id(), u.attributes()))
        .map(rs -> toUser(rs.iterator().next()));
  }

  /** Inserts or replaces the users in one transaction; returns how many were written. */
  public Future<Integer> upsertUsers(List<User> users) {
    if (users.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<Tuple> batch = new ArrayList<>(users.size());
    for (User u : sortedById(users, User::id)) {
      batch.add(Tuple.of(u.id(), u.attributes()));
    }
    return pool.withTransaction(c -> c.preparedQuery(UPSERT_USER).executeBatch(batch)).map(users.size());
  }

  /** The item, or null. */
  public Future<Item> item(String id) {
    return pool.preparedQuery("SELECT " + ITEM_COLUMNS + " FROM items WHERE id = $1").execute(Tuple.of(id))
        .map(rs -> rs.size() == 0 ? null : toItem(rs.iterator().next()));
  }

  /** A page of items in id order. */
  public Future<List<Item>> items(int limit, long offset) {
    return pool.preparedQuery("SELECT " + ITEM_COLUMNS + " FROM items ORDER BY id LIMIT $1 OFFSET $2")
        .execute(Tuple.of(limit, offset))
        .map(CatalogRepository::toItems);
  }

  /** The stored items among {@code ids}, in id order. */
  public Future<List<Item>> items(java.util.Collection<String> ids) {
    return pool.preparedQuery("SELECT " + ITEM_COLUMNS + " FROM items WHERE id = ANY($1) ORDER BY id")
        .execute(Tuple.of((Object) ids.toArray(String[]::new)))
        .map(CatalogRepository::toItems);
  }

  /** Deletes the item; true when it existed. Its events stay (they are history). */
  public Future<Boolean> deleteItem(String id) {
    return pool.preparedQuery("DELETE FROM items WHERE id = $1").execute(Tuple.of(id))
        .map(rs -> rs.rowCount() > 0);
  }

  /** The user, or null. */
  public Future<User> user(String id) {
    return pool.preparedQuery("SELECT id, attributes, updated_at FROM users WHERE id = $1").execute(Tuple.of(id))
        .map(rs -> rs.size() == 0 ? null : toUser(rs.iterator().next()));
  }

  /** A page of users in id order. */
  public Future<List<User>> users(int limit, long offset) {
    return pool.preparedQuery("SELECT id, attributes, updated_at FROM users ORDER BY id LIMIT $1 OFFSET $2")
        .execute(Tuple.of(limit, offset))
        .map(rs -> {
          List<User> out = new ArrayList<>(rs.size());
          rs.forEach(r -> out.add(toUser(r)));
          return out;
        });
  }

  /** Number of items in the catalogue. */
  public Future<Long> itemCount() {
    return pool.query("SELECT count(*) FROM items").execute().map(rs -> rs.iterator().next().getLong(0));
  }

  private static <T> List<T> sortedById(List<T> in, java.util.function.Function<T, String> id) {
    List<T> out = new ArrayList<>(in);
    out.sort(Comparator.comparing(id));
    return out;
  }

  private static List<Item> toItems(RowSet<Row> rs) {
    List<Item> out = new ArrayList<>(rs.size());
    rs.forEach(r -> out.add(toItem(r)));
    return out;
  }

  private static Tuple itemTuple(Item it) {
    return Tuple.of(it.id(), it.title(), it.description(), it.categories().toArray(new String[0]), it.attributes(),
        it.hidden(), it.expiresAt() == null ? null : it.expiresAt().atOffset(java.time.ZoneOffset.UTC));
  }

  private static Item toItem(Row r) {
    String[] cats = r.getArrayOfStrings(3);
    Object attrs = r.getValue(4);
    java.time.OffsetDateTime expires = r.getOffsetDateTime(6);
    return new Item(r.getString(0), r.getString(1), r.getString(2), Arrays.asList(cats), json(attrs),
        r.getBoolean(5), expires == null ? null : expires.toInstant(), r.getOffsetDateTime(7).toInstant(),
        r.getOffsetDateTime(8).toInstant());
  }

  private static User toUser(Row r) {
    return new User(r.getString(0), json(r.getValue(1)), r.getOffsetDateTime(2).toInstant());
  }

  private static JsonObject json(Object v) {
    if (v instanceof JsonObject o) {
      return o;
    }
    return v == null ? new JsonObject() : new JsonObject(v.toString());
  }
}
