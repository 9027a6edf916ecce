package org.causalrec.store;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.sqlclient.Pool;
import org.causalrec.config.Config;

/**
 * An opened store: the database (embedded or external, migrated), the Vert.x instance its pool
 * runs on, and the pool. Commands that do not serve HTTP use it alone; a node starts on it.
 *
 *
 * <p>It closes itself when the JVM is stopped (SIGTERM, Ctrl-C), after whatever was handed to
 * {@link #closeFirst} (the node, which drains its requests): the embedded PostgreSQL stops last,
 * once nothing uses it. (zonky's own shutdown hook would stop it at the same time as the node
 * drains, failing the requests in flight.)
 */
public final class StoreHandle implements AutoCloseable {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StoreHandle.class);

  private final Database database;
  private final Vertx vertx;
  private final Pool pool;
  private final Pool readPool;
  private final EventCopy copy;
  private final PrometheusMeterRegistry meters;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.List<AutoCloseable> first = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Thread onExit = new Thread(this::closeAtExit, "causalrec-shutdown");

  /**
   * @param database the PostgreSQL server
   * @param vertx the Vert.x instance of the pool (and of the node started on it)
   * @param pool the connection pool
   * @param readPool the pool of reads that tolerate lag: a read replica's, or {@code pool}
   * @param copy the COPY connections event batches are written through
   * @param meters this node's metrics: Vert.x's own (HTTP per route, pool, event bus, JVM and GC) and
   *     those the node binds; {@code GET /metrics} prints them in the Prometheus format
   */
  StoreHandle(Database database, Vertx vertx, Pool pool, Pool readPool, EventCopy copy,
      PrometheusMeterRegistry meters) {
    this.database = database;
    this.vertx = vertx;
    this.pool = pool;
    this.readPool = readPool;
    this.copy = copy;
    this.meters = meters;
    Runtime.getRuntime().addShutdownHook(onExit);
  }

  /** The PostgreSQL server. */
  public Database database() {
    return database;
  }

  /** The Vert.x instance of the pool (and of the node started on it). */
  public Vertx vertx() {
    return vertx;
  }

  /** The connection pool. */
  public Pool pool() {
    return pool;
  }

  /**
   * The pool of reads that tolerate lag (training sets and offline evaluation, whole-log scans): the
   * read replica's when {@code pg_replica_url} is set, else the primary's.
   */
  public Pool readPool() {
    return readPool;
  }

  /** The COPY connections event batches are written through. */
  public EventCopy copy() {
    return copy;
  }

  /** This node's metrics, printed by {@code GET /metrics}. */
  public PrometheusMeterRegistry meters() {
    return meters;
  }

  /** Closes {@code c} before this store when the JVM stops (the node that runs on it). */
  public void closeFirst(AutoCloseable c) {
    first.add(c);
  }

  private void closeAtExit() {
    for (AutoCloseable c : first) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("stopping {} failed: {}", c, e.toString());
      }
    }
    close();
  }

  /** JDBC connections (and worker threads) for COPY: four batches in flight kept 2 cores busy. */
  static final int COPY_CONNECTIONS = 4;

  /** Opens the configured database and applies the migrations. */
  public static StoreHandle open(Config config) {
    Database db = Database.open(config.pgUrl(), config.dataDir());
    try {
      db.migrate();
      // A registry of its own, not Vert.x's global one: several nodes in one JVM (tests) keep apart.
      PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      histograms(meters);
      MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
          .addLabels(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME);
      VertxOptions options = new VertxOptions().setMetricsOptions(metrics);
      MicrometerMetricsFactory factory = new MicrometerMetricsFactory(meters);
      Vertx vertx = config.cluster().enabled() ? ClusterVertx.join(options, factory, config.cluster())
          : Vertx.builder().with(options).withMetrics(factory).build();
      Pool pool = db.pool(vertx, config.poolSize());
      String replica = config.storage().pgReplicaUrl();
      Pool reads = replica == null ? pool : Database.replicaPool(vertx, replica, config.poolSize());
      return new StoreHandle(db, vertx, pool, reads, new EventCopy(vertx, db, COPY_CONNECTIONS), meters);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  /** A Vert.x instance joined to the cluster {@code cluster} describes, without metrics (benchmarks). */
  public static Vertx clusteredVertx(VertxOptions options, org.causalrec.config.ClusterConfig cluster) {
    return ClusterVertx.join(options, null, cluster);
  }

  /**
   * Prometheus buckets for HTTP latency and the node's own timers and summaries (set before any
   * meter exists: a filter applies to the meters registered after it).
   */
  private static void histograms(PrometheusMeterRegistry meters) {
    meters.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        String name = id.getName();
        if (name.startsWith("vertx.http.server.response.time") || name.startsWith("vertx.pool.queue.time")
            || name.startsWith("causalrec.")) {
          return DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config);
        }
        return config;
      }
    });
  }

  /** Closes the pool and Vert.x, then the database (an embedded one stops); once. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (Thread.currentThread() != onExit) {
      try {
        Runtime.getRuntime().removeShutdownHook(onExit);
      } catch (IllegalStateException stopping) {
        // the JVM is stopping: its hook closes nothing twice
      }
    }
    try {
      copy.close();
      if (readPool != pool) {
        readPool.close().await();
      }
      pool.close().await();
      vertx.close().await();
      meters.close();
    } finally {
      database.close();
    }
  }
}
