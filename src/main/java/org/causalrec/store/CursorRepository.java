package org.causalrec.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/** All SQL on stream_cursors: each event-stream consumer's last processed event id. */
public final class CursorRepository {

  private final Pool pool;

  public CursorRepository(Pool pool) {
    this.pool = pool;
  }

  /** The cursor's last processed id, creating it at 0 when it does not exist. */
  public Future<Long> load(String name) {
    return pool.preparedQuery("""
            INSERT INTO stream_cursors (name) VALUES ($1)
            ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
            RETURNING last_id""")
        .execute(Tuple.of(name))
        .map(rs -> rs.iterator().next().getLong(0));
  }

  /** Persists the cursor's position. */
  public Future<Void> save(String name, long lastId) {
    return pool.preparedQuery("UPDATE stream_cursors SET last_id = $2, updated_at = now() WHERE name = $1")
        .execute(Tuple.of(name, lastId))
        .mapEmpty();
  }
}
