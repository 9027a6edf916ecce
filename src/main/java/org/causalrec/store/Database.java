package org.causalrec.store;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server CausalRec stores everything in: an external one named by URL, or an
 * embedded one whose data directory persists; schema migrations are applied by Flyway.
 */
public final class Database implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private final EmbeddedPostgres embedded;
  private final PgConnectOptions connectOptions;
  private volatile String schemaVersion;

  private Database(EmbeddedPostgres embedded, PgConnectOptions connectOptions) {
    this.embedded = embedded;
    this.connectOptions = connectOptions;
  }

  /** Connects to {@code pgUrl} when non-null, otherwise starts the embedded server in {@code dataDir/pg}. */
  public static Database open(String pgUrl, Path dataDir) {
    return pgUrl != null ? external(pgUrl) : embedded(dataDir.resolve("pg"), false);
  }

  /** Connects to an external server given as {@code postgresql://user:pass@host:port/db}. */
  public static Database external(String pgUrl) {
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(pgUrl);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("CAUSALREC_PG_URL is not a postgresql:// URL: " + e.getMessage(), e);
    }
    LOG.info("Using external PostgreSQL at {}:{}/{}", options.getHost(), options.getPort(), options.getDatabase());
    return new Database(null, options);
  }

  /**
   * Starts an embedded PostgreSQL in {@code pgDir}; with {@code throwaway} the directory is wiped
   * on close (tests), otherwise it persists across restarts.
   */
  public static Database embedded(Path pgDir, boolean throwaway) {
    try {
      Files.createDirectories(pgDir);
      if (!throwaway) {
        stopOrphan(pgDir);
      }
      long t0 = System.nanoTime();
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(pgDir)
          .setCleanDataDirectory(throwaway)
          .setPGStartupWait(Duration.ofSeconds(60))
          // a kept server is stopped by its store, after the node has drained (StoreHandle); a
          // throwaway one by zonky's hook
          .setRegisterShutdownHook(throwaway)
          .setServerConfig("max_connections", "100");
      if (!throwaway) {
        // zonky starts the server with fsync off (-F) and synchronous_commit off, which suits
        // throwaway test databases only: an event is acknowledged after its commit, so the commit
        // must be on disk (these -c settings come after -F and override it)
        builder.setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
      }
      EmbeddedPostgres pg = builder.start();
      LOG.info("Embedded PostgreSQL started on port {} with data in {} ({} ms)", pg.getPort(), pgDir,
          (System.nanoTime() - t0) / 1_000_000);
      PgConnectOptions options = new PgConnectOptions()
          .setHost("localhost")
          .setPort(pg.getPort())
          .setDatabase("postgres")
          .setUser("postgres")
          .setPassword("postgres");
      return new Database(pg, options);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL in " + pgDir, e);
    }
  }

  /**
   * Stops a PostgreSQL server still running on {@code pgDir} from a node that was killed (the
   * embedded server is a separate process and outlives a JVM stopped with SIGKILL; it keeps the
   * data directory locked, and a new node could not start). It is asked for a fast shutdown
   * (SIGINT: active transactions are rolled back, committed ones are already in the WAL) and waited for.
   */
  static void stopOrphan(Path pgDir) {
    Path pidFile = pgDir.resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
    } catch (IOException | RuntimeException e) {
      return; // unreadable: PostgreSQL itself decides whether the file is stale
    }
    ProcessHandle orphan = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(h -> h.info().command().map(c -> c.endsWith("/postgres")).orElse(false)).orElse(null);
    if (orphan == null) {
      return; // stale: the server it names is gone
    }
    LOG.warn("A PostgreSQL server (pid {}) is still running on {}, left by a node that did not stop; stopping it",
        pid, pgDir);
    try {
      new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor();
      orphan.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the PostgreSQL server left on " + pgDir, e);
    } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot stop the PostgreSQL server (pid " + pid + ") left on " + pgDir, e);
    }
  }

  /** Applies pending migrations from {@code sql/} and returns how many were applied. */
  public int migrate() {
    Flyway flyway = Flyway.configure()
        .dataSource(jdbcUrl(), connectOptions.getUser(), connectOptions.getPassword())
        .locations("classpath:db/migration")
        .connectRetries(5)
        .load();
    MigrateResult result = flyway.migrate();
    var current = flyway.info().current();
    schemaVersion = current == null ? null : current.getVersion().getVersion();
    LOG.info("Schema at version {} ({} migrations applied now)", schemaVersion, result.migrationsExecuted);
    return result.migrationsExecuted;
  }

  /** The schema version after {@link #migrate()}, or null before it. */
  public String schemaVersion() {
    return schemaVersion;
  }

  /** A new connection pool on this database. */
  public Pool pool(Vertx vertx, int maxSize) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(maxSize))
        .connectingTo(new PgConnectOptions(connectOptions).setPipeliningLimit(16).setCachePreparedStatements(true))
        .using(vertx)
        .build();
  }

  /**
   * A pool on a read replica of this database, given as {@code postgresql://...}: reads that
   * tolerate lag go there. The replica is not migrated: it follows the primary.
   */
  public static Pool replicaPool(Vertx vertx, String url, int maxSize) {
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("pg_replica_url is not a postgresql:// URL: " + e.getMessage(), e);
    }
    LOG.info("Reads that tolerate lag go to the replica at {}:{}/{}", options.getHost(), options.getPort(),
        options.getDatabase());
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(maxSize))
        .connectingTo(options.setPipeliningLimit(16).setCachePreparedStatements(true)).using(vertx).build();
  }

  /** This database as a {@code postgresql://user:password@host:port/database} URL, for other processes. */
  public String url() {
    return "postgresql://" + connectOptions.getUser() + ":" + connectOptions.getPassword() + "@"
        + connectOptions.getHost() + ":" + connectOptions.getPort() + "/" + connectOptions.getDatabase();
  }

  /** Options for single connections (LISTEN/NOTIFY subscribers). */
  public PgConnectOptions connectOptions() {
    return new PgConnectOptions(connectOptions);
  }

  /** The JDBC URL of this database (Flyway and tools). */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + connectOptions.getHost() + ":" + connectOptions.getPort() + "/"
        + connectOptions.getDatabase();
  }

  /** Whether this is the embedded server. */
  public boolean isEmbedded() {
    return embedded != null;
  }

  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        LOG.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
      }
    }
  }
}
