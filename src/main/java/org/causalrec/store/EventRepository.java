package org.causalrec.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/** All SQL on the events table. */
public final class EventRepository {

  /**
   * Key of the transaction-scoped advisory lock every event insert takes. Holding it while ids are
   * drawn and until commit makes ids visible in id order, so "id > cursor" never skips a row that
   * commits late.
   */
  static final long INSERT_LOCK_KEY = 0x43617573616c52L; // "CausalR"

  private static final String COLUMNS =
      "id, event_id, user_id, item_id, type, value, ts, position, surface, recommended, propensity, model_version";

  private static final String INSERT = """
      WITH ins AS (
        INSERT INTO events (event_id, user_id, item_id, type, value, ts, position, surface,
                            recommended, propensity, model_version)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[],
                             $6::timestamptz[], $7::int4[], $8::text[], $9::bool[], $10::float8[],
                             $11::text[])
        ON CONFLICT (event_id) DO NOTHING
        RETURNING event_id, item_id)
      SELECT ins.event_id, NOT EXISTS (SELECT 1 FROM items i WHERE i.id = ins.item_id) AS unknown_item
      FROM ins""";

  private static final String INSERT_USERS =
      "INSERT INTO users (id) SELECT u FROM unnest($1::text[]) AS u ORDER BY u ON CONFLICT (id) DO NOTHING";

  /**
   * What an insert did.
   *
   * @param accepted events stored now
   * @param duplicateEventIds client event ids that were already stored (or repeated in the batch)
   * @param unknownItemEvents stored events whose item is not in the catalogue
   */
  public record InsertResult(int accepted, List<String> duplicateEventIds, int unknownItemEvents) {}

  private final Pool pool;

  public EventRepository(Pool pool) {
    this.pool = pool;
  }

  /** Stores the events in one transaction (all or none); users seen for the first time are created. */
  public Future<InsertResult> insert(List<Event> events) {
    return insert(events, Future::succeededFuture);
  }

  /** As {@link #insert(List)}, running {@code beforeCommit} inside the transaction (tests hold it open). */
  Future<InsertResult> insert(List<Event> events, Supplier<Future<Void>> beforeCommit) {
    if (events.isEmpty()) {
      return Future.succeededFuture(new InsertResult(0, List.of(), 0));
    }
    int n = events.size();
    String[] eventIds = new String[n];
    String[] users = new String[n];
    String[] items = new String[n];
    String[] types = new String[n];
    Double[] values = new Double[n];
    OffsetDateTime[] ts = new OffsetDateTime[n];
    Integer[] positions = new Integer[n];
    String[] surfaces = new String[n];
    Boolean[] recommended = new Boolean[n];
    Double[] propensities = new Double[n];
    String[] models = new String[n];
    Set<String> distinctUsers = new TreeSet<>();
    for (int k = 0; k < n; k++) {
      Event e = events.get(k);
      eventIds[k] = e.eventId();
      users[k] = e.userId();
      items[k] = e.itemId();
      types[k] = e.type();
      values[k] = e.value();
      ts[k] = e.ts().atOffset(ZoneOffset.UTC);
      positions[k] = e.position();
      surfaces[k] = e.surface();
      recommended[k] = e.recommended();
      propensities[k] = e.propensity();
      models[k] = e.modelVersion();
      distinctUsers.add(e.userId());
    }
    Tuple insertArgs = Tuple.of(eventIds, users, items, types, values, ts, positions, surfaces,
        recommended, propensities, models);
    return pool.withTransaction(conn -> conn
        .preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(INSERT_LOCK_KEY))
        .compose(v -> conn.preparedQuery(INSERT_USERS).execute(Tuple.of((Object) distinctUsers.toArray(new String[0]))))
        .compose(v -> conn.preparedQuery(INSERT).execute(insertArgs))
        .compose(rows -> beforeCommit.get().map(rows)))
        .map(rows -> result(events, rows));
  }

  private static InsertResult result(List<Event> events, RowSet<Row> rows) {
    Set<String> stored = new HashSet<>();
    int unknown = 0;
    for (Row r : rows) {
      String id = r.getString(0);
      if (id != null) {
        stored.add(id);
      }
      if (r.getBoolean(1)) {
        unknown++;
      }
    }
    List<String> duplicates = new ArrayList<>();
    for (Event e : events) {
      // An id stored now counts once; every other occurrence of it is a duplicate.
      if (e.eventId() != null && !stored.remove(e.eventId())) {
        duplicates.add(e.eventId());
      }
    }
    return new InsertResult(rows.rowCount(), duplicates, unknown);
  }

  /** Up to {@code limit} events with id greater than {@code afterId}, in id order. */
  public Future<List<Event>> after(long afterId, int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM events WHERE id > $1 ORDER BY id LIMIT $2")
        .execute(Tuple.of(afterId, limit))
        .map(EventRepository::toEvents);
  }

  /** A user's most recent events, newest first, optionally only those with id below {@code beforeId}. */
  public Future<List<Event>> recentByUser(String userId, int limit, Long beforeId) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM events WHERE user_id = $1 AND id < $2"
            + " ORDER BY id DESC LIMIT $3")
        .execute(Tuple.of(userId, beforeId == null ? Long.MAX_VALUE : beforeId, limit))
        .map(EventRepository::toEvents);
  }

  /** The number of stored events. */
  public Future<Long> count() {
    return pool.query("SELECT count(*) FROM events").execute().map(rs -> rs.iterator().next().getLong(0));
  }

  /** The largest stored event id, 0 when there is none. */
  public Future<Long> maxId() {
    return pool.query("SELECT coalesce(max(id), 0) FROM events").execute()
        .map(rs -> rs.iterator().next().getLong(0));
  }

  private static List<Event> toEvents(RowSet<Row> rows) {
    List<Event> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      OffsetDateTime ts = r.getOffsetDateTime(6);
      out.add(new Event(r.getLong(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4),
          r.getDouble(5), ts.toInstant(), r.getInteger(7), r.getString(8), r.getBoolean(9),
          r.getDouble(10), r.getString(11)));
    }
    return out;
  }
}
