package org.causalrec.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.pgclient.PgException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.postgresql.PGConnection;

/**
 * The fast write of an event batch: PostgreSQL's binary {@code COPY} on dedicated JDBC connections
 * (pgjdbc's {@code CopyManager}; the reactive client has no COPY). Measured on 2 cores with UUID
 * event ids: the {@code INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING} it replaces
 * costs PostgreSQL about 22 µs of CPU a row, COPY about 7–12 µs.
 *
 * <p>Per batch: the users seen for the first time are created in a statement committed on its own;
 * then one transaction, all or nothing, takes its transaction id (before any event id is drawn: the
 * tailer relies on that order), finds the items not in the catalogue, draws one id per event from
 * the events' sequence and COPYs the rows with those ids. The ids are known without
 * {@code RETURNING}, so the stored events go back to the node as they are. COPY has no
 * {@code ON CONFLICT}: a batch holding an event id that is already stored (a client's retry) or
 * repeated in it fails with a unique violation, is rolled back, and is answered
 * {@link Outcome#duplicates} so the caller stores it through the insert that skips duplicates.
 */
public final class EventCopy implements AutoCloseable {

  /** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01T00:00:00Z). */
  private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
  private static final String COPY = "COPY events (id, event_id, user_id, item_id, type, value, ts, position,"
      + " surface, recommended, propensity, model_version) FROM STDIN (FORMAT binary)";
  private static final String COPY_WITHOUT_IDS = "COPY events (event_id, user_id, item_id, type, value, ts,"
      + " position, surface, recommended, propensity, model_version) FROM STDIN (FORMAT binary)";
  private static final String IDS = "SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, ?)";
  private static final String UNIQUE_VIOLATION = "23505";

  /**
   * What a copy did: the insert's result, or {@code duplicates} when the batch holds an event id
   * that is stored already or repeated in it (nothing was stored).
   */
  public record Outcome(EventRepository.InsertResult result, boolean duplicates) {}

  private final String url;
  private final String user;
  private final String password;
  private final WorkerExecutor workers;
  private final BlockingQueue<Connection> idle;
  private volatile boolean closed;

  /**
   * COPY over at most {@code connections} JDBC connections to {@code database}, each batch on a
   * thread of a worker pool of that size (JDBC blocks; never an event loop).
   */
  public EventCopy(Vertx vertx, Database database, int connections) {
    this.url = database.jdbcUrl();
    this.user = database.connectOptions().getUser();
    this.password = database.connectOptions().getPassword();
    this.workers = vertx.createSharedWorkerExecutor("causalrec-copy", connections);
    this.idle = new ArrayBlockingQueue<>(connections);
  }

  /**
   * Stores {@code events} in one transaction, or nothing. {@code newUsers}: users to create (those
   * not known to exist). Fails with a {@link PgException} carrying the SQL state when the database
   * refuses or cannot be reached (the API answers those with 503).
   */
  public Future<Outcome> copy(List<Event> events, Set<String> newUsers) {
    return workers.executeBlocking(() -> onConnection(conn -> transaction(conn, events, newUsers)), false);
  }

  /** What a unit of work on one JDBC connection returns. */
  private interface Work<T> {
    T run(Connection conn) throws SQLException, IOException;
  }

  /**
   * Runs {@code work} on an idle (or new) connection and parks the connection again; a connection
   * whose work failed is closed, and when the server went away every idle one with it.
   */
  private <T> T onConnection(Work<T> work) throws PgException {
    Connection conn = null;
    try {
      conn = take();
      T out = work.run(conn);
      release(conn);
      conn = null;
      return out;
    } catch (IOException e) {
      throw pgException(new SQLException("COPY stream failed: " + e.getMessage(), "08006", e));
    } catch (SQLException e) {
      if (e.getSQLState() == null || e.getSQLState().startsWith("08") || e.getSQLState().startsWith("57P")) {
        // the server went away: the idle connections are to the same dead server
        Connection c;
        while ((c = idle.poll()) != null) {
          closeQuietly(c);
        }
      }
      throw pgException(e);
    } finally {
      if (conn != null) {
        closeQuietly(conn);
      }
    }
  }

  /** The batch's transaction on {@code conn}; on a failure the caller closes the connection, which rolls it back. */
  private Outcome transaction(Connection conn, List<Event> events, Set<String> newUsers)
      throws SQLException, IOException {
    if (!newUsers.isEmpty()) {
      // committed on its own, before the batch's transaction: inside it, the new users' rows
      // would stay locked until the batch commits, and concurrent batches sharing a new user
      // would wait for each other (35 ms a batch measured). A user row without events (when the
      // batch then fails) is one a later batch would create anyway.
      conn.setAutoCommit(true);
      try (PreparedStatement ps = conn.prepareStatement(EventRepository.INSERT_USERS.replace("$1", "?"))) {
        ps.setArray(1, conn.createArrayOf("text", newUsers.toArray()));
        ps.executeUpdate();
      } finally {
        conn.setAutoCommit(false);
      }
    }
    try (Statement st = conn.createStatement()) {
      st.executeQuery("SELECT pg_current_xact_id()").close();
    }
    Set<String> unknownItems = new HashSet<>();
    try (PreparedStatement ps = conn.prepareStatement(EventRepository.UNKNOWN_ITEMS.replace("$1", "?"))) {
      ps.setArray(1, conn.createArrayOf("text", distinctItems(events).toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          unknownItems.add(rs.getString(1));
        }
      }
    }
    long[] ids = new long[events.size()];
    try (PreparedStatement ps = conn.prepareStatement(IDS)) {
      ps.setInt(1, events.size());
      try (ResultSet rs = ps.executeQuery()) {
        for (int k = 0; rs.next(); k++) {
          ids[k] = rs.getLong(1);
        }
      }
    }
    List<Event> stored = new ArrayList<>(events.size());
    int unknown = 0;
    for (int k = 0; k < ids.length; k++) {
      Event e = events.get(k);
      // the database keeps microseconds: the node applies the events as they are stored
      stored.add(new Event(ids[k], e.eventId(), e.userId(), e.itemId(), e.type(), e.value(),
          e.ts().truncatedTo(ChronoUnit.MICROS), e.position(), e.surface(), e.recommended(), e.propensity(),
          e.modelVersion()));
      if (unknownItems.contains(e.itemId())) {
        unknown++;
      }
    }
    try {
      conn.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY, new ByteArrayInputStream(binary(stored, true)));
    } catch (SQLException e) {
      if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
        throw e;
      }
      conn.rollback();
      return new Outcome(null, true);
    }
    conn.commit();
    return new Outcome(new EventRepository.InsertResult(stored.size(), List.of(), unknown, stored), false);
  }

  /**
   * The ceiling the benchmark compares with: the events copied as they are (ids from the column's
   * default), one COPY a call, nothing else in the transaction.
   */
  public Future<Integer> copyOnly(List<Event> events) {
    return workers.executeBlocking(() -> onConnection(conn -> {
      long n = conn.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY_WITHOUT_IDS,
          new ByteArrayInputStream(binary(events, false)));
      conn.commit();
      return (int) n;
    }), false);
  }

  private static Set<String> distinctItems(List<Event> events) {
    Set<String> out = new HashSet<>();
    for (Event e : events) {
      out.add(e.itemId());
    }
    return out;
  }

  private Connection take() throws SQLException {
    if (closed) {
      throw new SQLException("the node is stopping", "57P01");
    }
    Connection c = idle.poll();
    if (c != null && !c.isClosed()) {
      return c;
    }
    Connection fresh = DriverManager.getConnection(url, user, password);
    fresh.setAutoCommit(false);
    return fresh;
  }

  /** Back to the idle ones, or closed when the store is closing (a batch in flight as it closed). */
  private void release(Connection conn) {
    if (closed || !idle.offer(conn)) {
      closeQuietly(conn);
    }
  }

  /** The rows in PostgreSQL's binary COPY format: the columns of {@link #COPY}, without the id unless {@code ids}. */
  static byte[] binary(List<Event> events, boolean ids) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + events.size() * 192);
    DataOutputStream out = new DataOutputStream(bytes);
    try {
      out.writeBytes("PGCOPY\n");
      out.write(0xff);
      out.writeBytes("\r\n");
      out.write(0);
      out.writeInt(0); // flags
      out.writeInt(0); // header extension
      for (Event e : events) {
        out.writeShort(ids ? 12 : 11);
        if (ids) {
          out.writeInt(8);
          out.writeLong(e.id());
        }
        text(out, e.eventId());
        text(out, e.userId());
        text(out, e.itemId());
        text(out, e.type());
        float8(out, e.value());
        out.writeInt(8);
        out.writeLong(e.ts().getEpochSecond() * 1_000_000L + e.ts().getNano() / 1_000 - PG_EPOCH_MICROS);
        if (e.position() == null) {
          out.writeInt(-1);
        } else {
          out.writeInt(4);
          out.writeInt(e.position());
        }
        text(out, e.surface());
        if (e.recommended() == null) {
          out.writeInt(-1);
        } else {
          out.writeInt(1);
          out.writeByte(e.recommended() ? 1 : 0);
        }
        float8(out, e.propensity());
        text(out, e.modelVersion());
      }
      out.writeShort(-1);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }

  private static void text(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static void float8(DataOutputStream out, Double v) throws IOException {
    if (v == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(8);
      out.writeDouble(v);
    }
  }

  /** The JDBC failure as the reactive client reports one, so the API maps it the same way. */
  private static PgException pgException(SQLException e) {
    String state = e.getSQLState() != null ? e.getSQLState() : "08006";
    PgException pg = new PgException(e.getMessage(), "ERROR", state, null);
    pg.addSuppressed(e); // its cause is fixed (null) by its constructor
    return pg;
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // already broken
    }
  }

  @Override
  public void close() {
    closed = true;
    workers.close();
    Connection c;
    while ((c = idle.poll()) != null) {
      closeQuietly(c);
    }
  }
}
