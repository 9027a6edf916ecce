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
 * @param database the PostgreSQL server
 * @param vertx the Vert.x instance of the pool (and of the node started on it)
 * @param pool the connection pool
 * @param copy the COPY connections event batches are written through
 * @param meters this node's metrics: Vert.x's own (HTTP per route, pool, event bus, JVM and GC) and
 *     those the node binds; {@code GET /metrics} prints them in the Prometheus format
 */
public record StoreHandle(Database database, Vertx vertx, Pool pool, EventCopy copy, PrometheusMeterRegistry meters)
    implements AutoCloseable {

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
      Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(metrics))
          .withMetrics(new MicrometerMetricsFactory(meters)).build();
      return new StoreHandle(db, vertx, db.pool(vertx, config.poolSize()), new EventCopy(vertx, db, COPY_CONNECTIONS),
          meters);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
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

  /** Closes the pool and Vert.x, then the database (an embedded one stops). */
  @Override
  public void close() {
    try {
      copy.close();
      pool.close().await();
      vertx.close().await();
      meters.close();
    } finally {
      database.close();
    }
  }
}
