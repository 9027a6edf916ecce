package org.causalrec;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.causalrec.config.Config;
import org.causalrec.config.ConfigBuilder;
import org.causalrec.server.Server;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.StoreHandle;

/**
 * A running node for tests over HTTP: the store of {@link TestEnv#config} (the test's database in
 * a {@link TestDatabase} class), optionally a simulated world ingested before the server starts,
 * the server on a free port and a web client for it; optionally a Mult-VAE trained and serving and
 * every item text indexed before {@link Builder#start()} returns. Closing stops the server, then
 * the store.
 */
public final class ApiFixture implements AutoCloseable {

  private final Config config;
  private final StoreHandle store;
  private Server server;
  private WebClient client;
  private String multVae;

  private ApiFixture(Config config, StoreHandle store, Server server) {
    this.config = config;
    this.store = store;
    this.server = server;
    this.client = WebClient.create(server.vertx());
  }

  /** A fixture on data directory {@code dir}. */
  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  /** What to set up before the fixture is handed out. */
  public static final class Builder {
    private final Path dir;
    private UnaryOperator<ConfigBuilder> tweak = UnaryOperator.identity();
    private String worldSize;
    private long worldSeed;
    private int vaeEpochs;
    private boolean textIndexed;

    private Builder(Path dir) {
      this.dir = dir;
    }

    /** Changes {@link TestEnv#config}'s configuration, for the store and the server. */
    public Builder config(UnaryOperator<ConfigBuilder> change) {
      this.tweak = change;
      return this;
    }

    /** Simulates the named world into the store before the server starts (truth in {@code dir/truth}). */
    public Builder world(String size, long seed) {
      this.worldSize = size;
      this.worldSeed = seed;
      return this;
    }

    /** Trains a Mult-VAE for {@code epochs} once the server runs, and waits until it serves. */
    public Builder trainMultVae(int epochs) {
      this.vaeEpochs = epochs;
      return this;
    }

    /** Waits until the text index holds every stored item. */
    public Builder waitForTextIndex() {
      this.textIndexed = true;
      return this;
    }

    /** Opens the store, starts the server and does what was asked, in that order. */
    public ApiFixture start() {
      Config config = tweak.apply(TestEnv.config(dir).toBuilder()).build();
      StoreHandle store = StoreHandle.open(config);
      ApiFixture api;
      try {
        if (worldSize != null) {
          TestEnv.simulate(store, WorldSpec.named(worldSize), worldSeed, dir.resolve("truth"));
        }
        api = new ApiFixture(config, store, Server.start(config, store));
      } catch (RuntimeException | Error e) {
        store.close();
        throw e;
      }
      try {
        if (vaeEpochs > 0) {
          api.multVae = api.server.training().trainAndWait("mult-vae", vaeEpochs).await();
          api.waitServing(api.multVae);
        }
        if (textIndexed) {
          long items = store.pool().query("SELECT count(*) FROM items").execute().await().iterator().next().getLong(0);
          TestEnv.waitFor(() -> api.get("/health/ready").bodyAsJsonObject().getJsonObject("text")
              .getInteger("indexed") >= items, Duration.ofSeconds(120), "every item text indexed");
        }
        return api;
      } catch (RuntimeException | Error e) {
        api.close();
        throw e;
      }
    }
  }

  /** Stops the server and starts a new one on the same store (a restart of the node; the port changes). */
  public void restart() {
    server.close();
    server = Server.start(config, store);
    client = WebClient.create(server.vertx());
  }

  /** The configuration the store and the server run with. */
  public Config config() {
    return config;
  }

  public StoreHandle store() {
    return store;
  }

  public Server server() {
    return server;
  }

  public WebClient client() {
    return client;
  }

  /** The server's HTTP port. */
  public int port() {
    return server.port();
  }

  /** The version {@link Builder#trainMultVae} trained, or null. */
  public String multVae() {
    return multVae;
  }

  /** Waits (30 s at most) until the server serves Mult-VAE {@code version}. */
  public void waitServing(String version) {
    TestEnv.waitFor(() -> version.equals(server.servingVersion()), Duration.ofSeconds(30),
        "version " + version + " served");
  }

  /** A request to the server, to complete and send. */
  public HttpRequest<Buffer> request(HttpMethod method, String path) {
    return client.request(method, port(), "127.0.0.1", path);
  }

  /** GETs a path and waits for the response. */
  public HttpResponse<Buffer> get(String path) {
    return request(HttpMethod.GET, path).send().await();
  }

  /** POSTs a JSON body (object or array) and waits for the response. */
  public HttpResponse<Buffer> post(String path, Object body) {
    Buffer b = body instanceof JsonArray a ? a.toBuffer() : ((JsonObject) body).toBuffer();
    return request(HttpMethod.POST, path).putHeader("content-type", "application/json").sendBuffer(b).await();
  }

  /**
   * Waits (5 min at most) for the job a 202 answer names to end, and returns the job as
   * {@code GET /v1/jobs/{id}} shows it.
   */
  public JsonObject awaitJob(HttpResponse<Buffer> accepted) {
    if (accepted.statusCode() != 202) {
      throw new AssertionError("not accepted as a job: " + accepted.statusCode() + " " + accepted.bodyAsString());
    }
    String url = accepted.bodyAsJsonObject().getString("job_url");
    JsonObject[] job = new JsonObject[1];
    TestEnv.waitFor(() -> {
      job[0] = get(url).bodyAsJsonObject();
      return !"running".equals(job[0].getString("status"));
    }, Duration.ofMinutes(5), "job " + url + " ended");
    return job[0];
  }

  /** Stops the server, then closes the store. */
  @Override
  public void close() {
    try {
      server.close();
    } finally {
      store.close();
    }
  }
}
