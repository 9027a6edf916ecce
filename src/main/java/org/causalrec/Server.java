package org.causalrec;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.causalrec.api.HttpVerticle;
import org.causalrec.config.Config;
import org.causalrec.ingest.EventTailer;
import org.causalrec.ingest.IngestService;
import org.causalrec.store.CatalogRepository;
import org.causalrec.store.CursorRepository;
import org.causalrec.store.Database;
import org.causalrec.store.EventRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running CausalRec node: the database (embedded or external, migrated), a Vert.x instance,
 * the event tailer and the HTTP verticle, started in that order and closed in reverse.
 */
public final class Server implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Server.class);

  private final Config config;
  private final Database database;
  private final Vertx vertx;
  private final Pool pool;
  private final IngestService ingest;
  private final EventTailer tailer;
  private final HttpVerticle http;
  private final String httpDeployment;
  private final String tailerDeployment;

  private Server(Config config, Database database, Vertx vertx, Pool pool, IngestService ingest,
      EventTailer tailer, HttpVerticle http, String httpDeployment, String tailerDeployment) {
    this.config = config;
    this.database = database;
    this.vertx = vertx;
    this.pool = pool;
    this.ingest = ingest;
    this.tailer = tailer;
    this.http = http;
    this.httpDeployment = httpDeployment;
    this.tailerDeployment = tailerDeployment;
  }

  /** The store alone (database migrated, pool, ingest path), for commands that do not serve HTTP. */
  public record Store(Database database, Vertx vertx, Pool pool, IngestService ingest) implements AutoCloseable {

    /** Opens the configured database, applies migrations and builds the write path. */
    public static Store open(Config config) {
      Database db = Database.open(config.pgUrl(), config.dataDir());
      try {
        db.migrate();
        Vertx vertx = Vertx.vertx();
        Pool pool = db.pool(vertx, 8);
        EventRepository events = new EventRepository(pool);
        IngestService ingest = new IngestService(events, new CatalogRepository(pool), config.eventTypes(),
            config.maxEventsPerRequest(), Clock.systemUTC());
        return new Store(db, vertx, pool, ingest);
      } catch (RuntimeException e) {
        db.close();
        throw e;
      }
    }

    @Override
    public void close() {
      try {
        pool.close().await();
        vertx.close().await();
      } finally {
        database.close();
      }
    }
  }

  /** Starts a node on an opened store and returns once it answers HTTP. */
  public static Server start(Config config, Store store) {
    Pool pool = store.pool();
    EventRepository events = new EventRepository(pool);
    CatalogRepository catalog = new CatalogRepository(pool);
    EventTailer tailer = new EventTailer(events, new CursorRepository(pool), store.database().connectOptions(),
        config.stream());
    Vertx vertx = store.vertx();
    String tailerDeployment = vertx.deployVerticle(tailer).await();
    // One HTTP verticle per core in one deployment: they share the bound port and Vert.x spreads
    // connections over their event loops.
    List<HttpVerticle> instances = new CopyOnWriteArrayList<>();
    String httpDeployment = vertx.deployVerticle(() -> {
      HttpVerticle v = new HttpVerticle(config, store.ingest(), catalog, events, () -> readiness(store, tailer));
      instances.add(v);
      return v;
    }, new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors())).await();
    HttpVerticle http = instances.get(0);
    Server server = new Server(config, store.database(), vertx, pool, store.ingest(), tailer, http,
        httpDeployment, tailerDeployment);
    LOG.info("HTTP server bound to {}:{}", config.httpHost(), http.port());
    return server;
  }

  private static Future<JsonObject> readiness(Store store, EventTailer tailer) {
    String schema = store.database().schemaVersion();
    return store.pool().query("SELECT 1").execute()
        .map(rs -> new JsonObject()
            .put("status", schema != null ? "UP" : "DOWN")
            .put("database", new JsonObject().put("status", "UP")
                .put("embedded", store.database().isEmbedded())
                .put("schema_version", schema))
            .put("stream", tailer.status())
            .put("ingest", store.ingest().counters()))
        .recover(err -> Future.succeededFuture(new JsonObject()
            .put("status", "DOWN")
            .put("database", new JsonObject().put("status", "DOWN").put("detail", String.valueOf(err.getMessage())))));
  }

  /** The port the HTTP server is bound to. */
  public int port() {
    return http.port();
  }

  /** The base URL, for printing and for clients on this machine. */
  public String baseUrl() {
    String host = config.httpHost().equals("0.0.0.0") ? "localhost" : config.httpHost();
    return "http://" + host + ":" + port();
  }

  /** This node's Vert.x instance. */
  public Vertx vertx() {
    return vertx;
  }

  /** This node's connection pool. */
  public Pool pool() {
    return pool;
  }

  /** The write path. */
  public IngestService ingest() {
    return ingest;
  }

  /** The database this node stores into. */
  public Database database() {
    return database;
  }

  /** Status of the event tailer. */
  public JsonObject streamStatus() {
    return tailer.status();
  }

  /** Stops HTTP first, then the tailer (finishing its batch in flight); the store stays open. */
  @Override
  public void close() {
    vertx.undeploy(httpDeployment).await();
    vertx.undeploy(tailerDeployment).await();
  }
}
