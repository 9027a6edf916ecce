package org.causalrec.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * One trainer per model kind across every node on a database: a PostgreSQL session advisory lock
 * per kind, held on a connection of its own for as long as the run lasts. When the holder's
 * process dies its connection closes and PostgreSQL releases the lock, so a crashed trainer never
 * blocks the kind.
 */
public final class TrainingLock {

  /** The first key of the two-key advisory lock: CausalRec's training locks, apart from anyone else's. */
  private static final int NAMESPACE = 0x43527472; // "CRtr"

  private final Pool pool;

  public TrainingLock(Pool pool) {
    this.pool = pool;
  }

  /** A held lock; {@link #release} gives it back and returns the connection. */
  public static final class Held {
    private final SqlConnection conn;
    private final String kind;

    private Held(SqlConnection conn, String kind) {
      this.conn = conn;
      this.kind = kind;
    }

    /** Unlocks and closes the connection (closing alone would unlock too). */
    public Future<Void> release() {
      return conn.preparedQuery("SELECT pg_advisory_unlock($1, hashtext($2))").execute(Tuple.of(NAMESPACE, kind))
          .<Void>mapEmpty().eventually(conn::close);
    }
  }

  /** Takes the lock of {@code kind} if no node holds it: the held lock, or null when another holds it. */
  public Future<Held> tryLock(String kind) {
    return pool.getConnection().compose(conn -> conn
        .preparedQuery("SELECT pg_try_advisory_lock($1, hashtext($2))").execute(Tuple.of(NAMESPACE, kind))
        .map(rs -> rs.iterator().next().getBoolean(0))
        .transform(ar -> {
          if (ar.succeeded() && ar.result()) {
            return Future.succeededFuture(new Held(conn, kind));
          }
          return conn.close().transform(c -> ar.failed() ? Future.failedFuture(ar.cause()) : Future.succeededFuture());
        }));
  }
}
