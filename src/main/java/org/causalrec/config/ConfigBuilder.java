package org.causalrec.config;

import java.nio.file.Path;

/**
 * Builds a {@link Config} from another one ({@link Config#builder()} starts from the defaults):
 * each setter replaces one setting, {@link #build()} validates.
 */
public final class ConfigBuilder {

  private String httpHost;
  private int httpPort;
  private long maxBodyBytes;
  private long bodyTimeoutMs;
  private java.util.List<String> corsOrigins;
  private long shutdownTimeoutMs;
  private AuthConfig auth;
  private LogConfig log;
  private Path dataDir;
  private String pgUrl;
  private int pgPoolSize;
  private String pgReplicaUrl;
  private String device;
  private EventTypes eventTypes;
  private int maxEventsPerRequest;
  private int maxPendingEvents;
  private Config.StreamConfig stream;
  private Config.ModelConfig models;
  private Config.CausalConfig causal;
  private Config.TextConfig text;
  private FeedConfig feed;
  private Config.ServingConfig serving;
  private ClusterConfig cluster;

  ConfigBuilder(Config c) {
    httpHost = c.http().host();
    httpPort = c.http().port();
    maxBodyBytes = c.http().maxBodyBytes();
    bodyTimeoutMs = c.http().bodyTimeoutMs();
    corsOrigins = c.http().corsOrigins();
    shutdownTimeoutMs = c.http().shutdownTimeoutMs();
    auth = c.auth();
    log = c.log();
    dataDir = c.storage().dataDir();
    pgUrl = c.storage().pgUrl();
    pgPoolSize = c.storage().pgPoolSize();
    pgReplicaUrl = c.storage().pgReplicaUrl();
    device = c.device();
    eventTypes = c.events().types();
    maxEventsPerRequest = c.events().maxPerRequest();
    maxPendingEvents = c.events().maxPending();
    stream = c.stream();
    models = c.models();
    causal = c.causal();
    text = c.text();
    feed = c.feed();
    serving = c.serving();
    cluster = c.cluster();
  }

  /** Sets the interface the HTTP server binds to. */
  public ConfigBuilder setHttpHost(String host) {
    this.httpHost = host;
    return this;
  }

  /** Sets the HTTP + WebSocket port (0 picks a free one). */
  public ConfigBuilder setHttpPort(int port) {
    this.httpPort = port;
    return this;
  }

  /** Sets the request body limit in bytes. */
  public ConfigBuilder setMaxBodyBytes(long bytes) {
    this.maxBodyBytes = bytes;
    return this;
  }

  /** Sets how long a request body may take to arrive after its headers (longer: 408). */
  public ConfigBuilder setBodyTimeoutMs(long ms) {
    this.bodyTimeoutMs = ms;
    return this;
  }

  /** Sets the origins browsers may call the API from. */
  public ConfigBuilder setCorsOrigins(java.util.List<String> origins) {
    this.corsOrigins = origins;
    return this;
  }

  /** Sets how long requests in flight may take to finish on SIGTERM. */
  public ConfigBuilder setShutdownTimeoutMs(long ms) {
    this.shutdownTimeoutMs = ms;
    return this;
  }

  /** Sets the API keys and their roles. */
  public ConfigBuilder setAuth(AuthConfig auth) {
    this.auth = auth;
    return this;
  }

  /** Sets the log format, level and access log. */
  public ConfigBuilder setLog(LogConfig log) {
    this.log = log;
    return this;
  }

  /** Sets the data directory. */
  public ConfigBuilder setDataDir(Path dir) {
    this.dataDir = dir;
    return this;
  }

  /** Sets the external database URL (null or blank: the embedded one). */
  public ConfigBuilder setPgUrl(String url) {
    this.pgUrl = url;
    return this;
  }

  /** Sets the connections of the node's database pool. */
  public ConfigBuilder setPgPoolSize(int size) {
    this.pgPoolSize = size;
    return this;
  }

  /** Sets the read replica's URL (null: reads go to the primary). */
  public ConfigBuilder setPgReplicaUrl(String url) {
    this.pgReplicaUrl = url;
    return this;
  }

  /** Sets the device: cpu, gpu or auto (any case; null: auto). */
  public ConfigBuilder setDevice(String device) {
    this.device = device;
    return this;
  }

  /** Sets the accepted event types. */
  public ConfigBuilder setEventTypes(EventTypes types) {
    this.eventTypes = types;
    return this;
  }

  /** Sets how many events one ingest request may hold. */
  public ConfigBuilder setMaxEventsPerRequest(int max) {
    this.maxEventsPerRequest = max;
    return this;
  }

  /** Sets how many accepted events may wait for their commit (more: 503 with Retry-After). */
  public ConfigBuilder setMaxPendingEvents(int max) {
    this.maxPendingEvents = max;
    return this;
  }

  /** Sets the event-stream tailer's settings. */
  public ConfigBuilder setStream(Config.StreamConfig stream) {
    this.stream = stream;
    return this;
  }

  /** Sets the training and serving settings. */
  public ConfigBuilder setModels(Config.ModelConfig models) {
    this.models = models;
    return this;
  }

  /** Sets how models are debiased. */
  public ConfigBuilder setCausal(Config.CausalConfig causal) {
    this.causal = causal;
    return this;
  }

  /** Sets the item text model's settings. */
  public ConfigBuilder setText(Config.TextConfig text) {
    this.text = text;
    return this;
  }

  /** Sets the WebSocket feeds' settings. */
  public ConfigBuilder setFeed(FeedConfig feed) {
    this.feed = feed;
    return this;
  }

  /** Sets how recommendations are served and the training threads. */
  public ConfigBuilder setServing(Config.ServingConfig serving) {
    this.serving = serving;
    return this;
  }

  /** Sets this node's place in a cluster. */
  public ConfigBuilder setCluster(ClusterConfig cluster) {
    this.cluster = cluster;
    return this;
  }

  /** The configuration; throws IllegalArgumentException naming the first invalid setting. */
  public Config build() {
    return new Config(new Config.HttpConfig(httpHost, httpPort, maxBodyBytes, bodyTimeoutMs, corsOrigins,
        shutdownTimeoutMs), auth, log,
        new Config.StorageConfig(dataDir, pgUrl, pgPoolSize, pgReplicaUrl), device,
        new Config.EventsConfig(eventTypes, maxEventsPerRequest, maxPendingEvents),
        stream, models, causal, text, feed, serving, cluster);
  }
}
