package org.causalrec.store;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.causalrec.config.Config;

/**
 * An opened store: the database (embedded or external, migrated), the Vert.x instance its pool
 * runs on, and the pool. Commands that do not serve HTTP use it alone; a node starts on it.
 *
 * @param database the PostgreSQL server
 * @param vertx the Vert.x instance of the pool (and of the node started on it)
 * @param pool the connection pool
 * @param copy the COPY connections event batches are written through
 */
public record StoreHandle(Database database, Vertx vertx, Pool pool, EventCopy copy) implements AutoCloseable {

  /** Connections of the pool. */
  static final int POOL_SIZE = 8;
  /** JDBC connections (and worker threads) for COPY: four batches in flight kept 2 cores busy. */
  static final int COPY_CONNECTIONS = 4;

  /** Opens the configured database and applies the migrations. */
  public static StoreHandle open(Config config) {
    Database db = Database.open(config.pgUrl(), config.dataDir());
    try {
      db.migrate();
      Vertx vertx = Vertx.vertx();
      return new StoreHandle(db, vertx, db.pool(vertx, POOL_SIZE), new EventCopy(vertx, db, COPY_CONNECTIONS));
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  /** Closes the pool and Vert.x, then the database (an embedded one stops). */
  @Override
  public void close() {
    try {
      copy.close();
      pool.close().await();
      vertx.close().await();
    } finally {
      database.close();
    }
  }
}
