package org.causalrec.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** All SQL on the events table. */
public final class EventRepository {

  private static final String COLUMNS =
      "id, event_id, user_id, item_id, type, value, ts, position, surface, recommended, propensity, model_version";

  /** Inserts a batch, returning the rows stored (their server ids: what the node applies to its features). */
  private static final String INSERT = """
      INSERT INTO events (event_id, user_id, item_id, type, value, ts, position, surface,
                          recommended, propensity, model_version)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[],
                           $6::timestamptz[], $7::int4[], $8::text[], $9::bool[], $10::float8[],
                           $11::text[])
      ON CONFLICT (event_id) DO NOTHING
      RETURNING\s""" + COLUMNS;

  static final String UNKNOWN_ITEMS =
      "SELECT x FROM unnest($1::text[]) AS x WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = x)";

  static final String INSERT_USERS =
      "INSERT INTO users (id) SELECT u FROM unnest($1::text[]) AS u ORDER BY u COLLATE \"C\" ON CONFLICT (id) DO NOTHING";

  /**
   * What an insert did.
   *
   * @param accepted events stored now
   * @param duplicateEventIds client event ids that were already stored (or repeated in the batch)
   * @param unknownItemEvents stored events whose item is not in the catalogue
   * @param stored the events stored now, with their server ids
   */
  public record InsertResult(int accepted, List<String> duplicateEventIds, int unknownItemEvents,
      List<Event> stored) {}

  /** Users known to exist (committed) need no upsert; the set is emptied when it grows too large. */
  private static final int KNOWN_USERS_MAX = 500_000;

  private final Pool pool;
  private final EventCopy copy;
  private final Set<String> knownUsers = ConcurrentHashMap.newKeySet();

  public EventRepository(Pool pool) {
    this(pool, null);
  }

  /** Events over {@code pool}, batches written through {@code copy} first when it is not null. */
  public EventRepository(Pool pool, EventCopy copy) {
    this.pool = pool;
    this.copy = copy;
  }

  /**
   * Stores the events in one transaction (all or none); users seen for the first time are created.
   * With a {@link EventCopy}, the batch is copied; one holding an event id already stored goes
   * through the insert that skips duplicates instead.
   */
  public Future<InsertResult> insert(List<Event> events) {
    if (copy == null || events.isEmpty()) {
      return insert(events, Future::succeededFuture);
    }
    Set<String> newUsers = unknownUsers(events);
    return copy.copy(events, newUsers).compose(o -> {
      if (o.duplicates()) {
        return insert(events, Future::succeededFuture);
      }
      remember(newUsers);
      return Future.succeededFuture(o.result());
    });
  }

  /** The batch's users not known to exist, sorted (the order their rows are locked in). */
  private Set<String> unknownUsers(List<Event> events) {
    Set<String> out = new TreeSet<>();
    for (Event e : events) {
      if (!knownUsers.contains(e.userId())) {
        out.add(e.userId());
      }
    }
    return out;
  }

  private void remember(Set<String> users) {
    if (knownUsers.size() + users.size() > KNOWN_USERS_MAX) {
      knownUsers.clear();
    }
    knownUsers.addAll(users);
  }

  /** As {@link #insert(List)}, running {@code beforeCommit} inside the transaction (tests hold it open). */
  Future<InsertResult> insert(List<Event> events, Supplier<Future<Void>> beforeCommit) {
    if (events.isEmpty()) {
      return Future.succeededFuture(new InsertResult(0, List.of(), 0, List.of()));
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
    Set<String> distinctUsers = unknownUsers(events);
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
    }
    Tuple insertArgs = Tuple.of(eventIds, users, items, types, values, ts, positions, surfaces,
        recommended, propensities, models);
    Set<String> distinctItems = new HashSet<>(Arrays.asList(items));
    // The statements are pipelined on one connection (sent without waiting for each other). The
    // first one gives the transaction its id before it draws any event id: the tailer relies on it
    // to tell a gap left by a transaction still in flight from one left by a rollback or conflict.
    return pool.withTransaction(conn -> {
      Future<RowSet<Row>> xid = conn.query("SELECT pg_current_xact_id()").execute();
      Future<?> newUsers = distinctUsers.isEmpty() ? Future.succeededFuture()
          : conn.preparedQuery(INSERT_USERS).execute(Tuple.of((Object) distinctUsers.toArray(new String[0])));
      Future<RowSet<Row>> unknown = conn.preparedQuery(UNKNOWN_ITEMS)
          .execute(Tuple.of((Object) distinctItems.toArray(new String[0])));
      Future<RowSet<Row>> inserted = conn.preparedQuery(INSERT).execute(insertArgs);
      return Future.all(xid, newUsers, unknown, inserted)
          .compose(all -> beforeCommit.get())
          .map(v -> result(events, inserted.result(), unknown.result()));
    }).onSuccess(r -> remember(distinctUsers));
  }

  private static InsertResult result(List<Event> events, RowSet<Row> rows, RowSet<Row> unknownRows) {
    Set<String> unknownItems = new HashSet<>();
    unknownRows.forEach(r -> unknownItems.add(r.getString(0)));
    Set<String> stored = new HashSet<>();
    List<Event> storedEvents = toEvents(rows);
    int unknown = 0;
    for (Event e : storedEvents) {
      if (e.eventId() != null) {
        stored.add(e.eventId());
      }
      if (unknownItems.contains(e.itemId())) {
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
    return new InsertResult(rows.rowCount(), duplicates, unknown, storedEvents);
  }

  /**
   * Events read from one snapshot, with that snapshot's oldest transaction still in progress.
   *
   * @param xmin the snapshot's xmin: every transaction with a smaller id had ended when it was taken
   * @param events events with id above the cursor, in id order
   * @param maxId the highest event id the snapshot sees (0 when the table is empty)
   * @param ageMs for each event, milliseconds from its transaction's start to the read
   */
  public record Page(long xmin, List<Event> events, long maxId, double[] ageMs) {}

  /** Up to {@code limit} events with id greater than {@code afterId}, in id order, with the snapshot horizon. */
  public Future<Page> after(long afterId, int limit) {
    return pool.preparedQuery("SELECT pg_snapshot_xmin(s.snap)::text::bigint, e.*,"
            + " (SELECT coalesce(max(id), 0) FROM events) FROM (SELECT pg_current_snapshot() AS snap) s"
            + " LEFT JOIN LATERAL (SELECT " + COLUMNS + ", extract(epoch FROM clock_timestamp() - received_at) * 1000"
            + " FROM events WHERE id > $1 ORDER BY id LIMIT $2) e ON true ORDER BY e.id")
        .execute(Tuple.of(afterId, limit))
        .map(rows -> {
          long xmin = 0;
          long maxId = 0;
          List<Event> out = new ArrayList<>(rows.size());
          double[] age = new double[rows.size()];
          int columns = COLUMNS.split(",").length;
          for (Row r : rows) {
            xmin = r.getLong(0);
            maxId = r.getLong(columns + 2);
            if (r.getValue(1) != null) {
              age[out.size()] = r.getNumeric(columns + 1).doubleValue();
              out.add(toEvent(r, 1));
            }
          }
          return new Page(xmin, out, maxId, java.util.Arrays.copyOf(age, out.size()));
        });
  }

  /** The current snapshot's xmin: every transaction with a smaller id has ended. */
  public Future<Long> snapshotXmin() {
    return pool.query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint").execute()
        .map(rs -> rs.iterator().next().getLong(0));
  }

  /**
   * A transaction id assigned now: larger than that of every transaction that had drawn an event
   * id before this call (writers take their transaction id before drawing event ids).
   */
  public Future<Long> newTransactionId() {
    return pool.query("SELECT pg_current_xact_id()::text::bigint").execute()
        .map(rs -> rs.iterator().next().getLong(0));
  }

  /** Up to {@code limit} stored events with id above {@code afterId}, in id order (bulk reads). */
  public Future<List<Event>> scan(long afterId, int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM events WHERE id > $1 ORDER BY id LIMIT $2")
        .execute(Tuple.of(afterId, limit))
        .map(EventRepository::toEvents);
  }

  /** Events per page of {@link #forEachBlocking}. */
  static final int SCAN_PAGE = 50_000;

  /**
   * Hands every stored event to {@code action} in id order, a page at a time; returns the last id
   * read (0 for none). Blocking: for worker or plain threads (join(), since Vert.x refuses await()
   * on workers), never an event loop.
   */
  public long forEachBlocking(java.util.function.Consumer<Event> action) {
    long cursor = 0;
    while (true) {
      List<Event> page = scan(cursor, SCAN_PAGE).toCompletionStage().toCompletableFuture().join();
      page.forEach(action);
      if (!page.isEmpty()) {
        cursor = page.get(page.size() - 1).id();
      }
      if (page.size() < SCAN_PAGE) {
        return cursor;
      }
    }
  }

  /** A user's most recent events, newest first, optionally only those with id below {@code beforeId}. */
  public Future<List<Event>> recentByUser(String userId, int limit, Long beforeId) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM events WHERE user_id = $1 AND id < $2"
            + " ORDER BY id DESC LIMIT $3")
        .execute(Tuple.of(userId, beforeId == null ? Long.MAX_VALUE : beforeId, limit))
        .map(EventRepository::toEvents);
  }

  /**
   * How the logged propensities of impressions spread: {@code bins} equal bins of log10(p) from
   * 1e-4 to 1 (smaller ones fall in the first), each {@code {"low", "high", "count"}}.
   */
  public Future<io.vertx.core.json.JsonArray> propensityHistogram(int bins) {
    return pool.preparedQuery("""
            SELECT least(greatest(width_bucket(log(propensity), -4, 0, $1), 1), $1) AS b, count(*)
            FROM events WHERE type = 'impression' AND propensity IS NOT NULL GROUP BY b ORDER BY b""")
        .execute(Tuple.of(bins))
        .map(rs -> {
          long[] counts = new long[bins];
          rs.forEach(r -> counts[r.getInteger(0) - 1] = r.getLong(1));
          io.vertx.core.json.JsonArray out = new io.vertx.core.json.JsonArray();
          for (int b = 0; b < bins; b++) {
            out.add(new io.vertx.core.json.JsonObject().put("low", Math.pow(10, -4 + 4.0 * b / bins))
                .put("high", Math.pow(10, -4 + 4.0 * (b + 1) / bins)).put("count", counts[b]));
          }
          return out;
        });
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
      out.add(toEvent(r, 0));
    }
    return out;
  }

  private static Event toEvent(Row r, int o) {
    return new Event(r.getLong(o), r.getString(o + 1), r.getString(o + 2), r.getString(o + 3), r.getString(o + 4),
        r.getDouble(o + 5), r.getOffsetDateTime(o + 6).toInstant(), r.getInteger(o + 7), r.getString(o + 8),
        r.getBoolean(o + 9), r.getDouble(o + 10), r.getString(o + 11));
  }
}
