package org.causalrec.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The whole configuration tree, immutable and validated once; build one with {@link #builder()},
 * derive one from another with {@link #toBuilder()}.
 *
 * @param http the HTTP server's interface, port, limits, CORS origins and shutdown deadline
 * @param auth API keys and their roles
 * @param log log format, level and the access log
 * @param storage where the data lives: the data directory and an optional external database
 * @param device cpu, gpu or auto
 * @param events accepted event types and the ingest request limit
 * @param stream the event-stream tailer's settings
 * @param models training and serving settings
 * @param causal how models are debiased
 * @param text the item text model
 * @param feed the WebSocket feeds
 * @param serving how recommendations are served and how much of the machine training may take
 * @param cluster this node's place in a cluster of nodes over one PostgreSQL, if any
 */
public record Config(
    HttpConfig http,
    AuthConfig auth,
    LogConfig log,
    StorageConfig storage,
    String device,
    EventsConfig events,
    StreamConfig stream,
    ModelConfig models,
    CausalConfig causal,
    TextConfig text,
    FeedConfig feed,
    ServingConfig serving,
    ClusterConfig cluster) {

  /**
   * The HTTP server (YAML {@code http:}).
   *
   * @param host interface the HTTP server binds to
   * @param port HTTP + WebSocket port; 0 picks a free one
   * @param maxBodyBytes request body limit, more is 413
   * @param bodyTimeoutMs a request body not fully received this long after its headers is answered 408
   *     and its connection closed (a slow or stalled client holds no connection longer)
   * @param corsOrigins origins browsers may call the API from ({@code *} for any); empty: none
   * @param shutdownTimeoutMs on SIGTERM, how long requests in flight may take to finish
   */
  public record HttpConfig(String host, int port, long maxBodyBytes, long bodyTimeoutMs, List<String> corsOrigins,
      long shutdownTimeoutMs) {
    public HttpConfig {
      if (bodyTimeoutMs < 1) {
        throw new IllegalArgumentException("http.body_timeout_ms must be >= 1");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("http port must be in 0..65535: " + port);
      }
      if (maxBodyBytes < 1024) {
        throw new IllegalArgumentException("http.max_body_bytes must be >= 1024");
      }
      if (shutdownTimeoutMs < 0) {
        throw new IllegalArgumentException("http.shutdown_timeout_ms must be >= 0");
      }
      corsOrigins = List.copyOf(corsOrigins);
      for (String o : corsOrigins) {
        if (!o.equals("*") && !o.matches("https?://[^/\\s]+")) {
          throw new IllegalArgumentException("http.cors_origins: not an origin (scheme://host[:port]): " + o);
        }
      }
    }
  }

  /**
   * Where the data lives (YAML {@code data_dir}, {@code pg_url} and {@code pg_pool_size}).
   *
   * @param dataDir embedded PostgreSQL data, model artifacts, caches
   * @param pgUrl external PostgreSQL URL, or null for the embedded server
   * @param pgPoolSize connections of the node's pool (reads, registry, small writes; event batches
   *     have their own COPY connections)
   * @param pgReplicaUrl a read replica of that database, or null: reads that tolerate lag (training
   *     sets and offline evaluation: whole-log scans) go there; reads that answer a request stay on
   *     the primary, which has the request's own writes
   */
  public record StorageConfig(Path dataDir, String pgUrl, int pgPoolSize, String pgReplicaUrl) {
    public StorageConfig {
      if (dataDir == null) {
        throw new IllegalArgumentException("data_dir must be set");
      }
      if (pgPoolSize < 1 || pgPoolSize > 1_000) {
        throw new IllegalArgumentException("pg_pool_size must be in 1..1000: " + pgPoolSize);
      }
      if (pgUrl != null && pgUrl.isBlank()) {
        pgUrl = null;
      }
      if (pgReplicaUrl != null && pgReplicaUrl.isBlank()) {
        pgReplicaUrl = null;
      }
      if (pgReplicaUrl != null && pgUrl == null) {
        throw new IllegalArgumentException("pg_replica_url needs pg_url: the embedded server has no replica");
      }
    }
  }

  /**
   * Accepted events (YAML {@code events:}).
   *
   * @param types accepted event types and their weights
   * @param maxPerRequest events in one ingest request, more is 413
   * @param maxPending events accepted for writing and not yet committed, at most; a request that
   *     would pass it is answered 503 with {@code Retry-After} (the bound on the write queue); a request
   *     arriving when none is pending is always taken
   */
  public record EventsConfig(EventTypes types, int maxPerRequest, int maxPending) {
    public EventsConfig {
      if (maxPerRequest < 1) {
        throw new IllegalArgumentException("events.max_per_request must be >= 1");
      }
      if (maxPending < 1) {
        throw new IllegalArgumentException("events.max_pending must be >= 1");
      }
    }
  }

  /**
   * Training and serving settings.
   *
   * @param epochs Mult-VAE epochs per training run
   * @param retrainAfterEvents retrain after this many new events (0 = only on request)
   * @param excludeTypes event types whose items count as consumed and are not recommended again
   */
  public record ModelConfig(int epochs, long retrainAfterEvents, Set<String> excludeTypes) {
    public ModelConfig {
      if (epochs < 1 || retrainAfterEvents < 0) {
        throw new IllegalArgumentException("models.epochs must be >= 1 and models.retrain_after_events >= 0");
      }
      excludeTypes = Set.copyOf(excludeTypes);
    }
  }

  /**
   * How models are debiased; a train request may override each.
   *
   * @param vaeObjective Mult-VAE objective: naive, ips or snips
   * @param clickObjective click MLP objective: naive, ips, snips, dr or mrdr
   * @param propensity where the Mult-VAE's exposure propensities come from: popularity (p = (n_i /
   *     max n)^eta, for feedback arriving through every channel) or learned (the exposure model,
   *     for feedback on items recommendations showed)
   * @param minPropensity propensities are clipped to at least this (0 < p_min <= 0.5)
   * @param popularityEta eta of the popularity-power propensities (Saito et al. use 0.5)
   * @param upliftMembers independently trained networks in the uplift ensemble (at least 2), whose
   *     spread gives the what-if interval; training time grows with it
   * @param upliftMinPropensity the uplift model's own clipping floor (0 < p_min <= 0.5): the spread
   *     of its members carries the variance that small propensities add, but not the bias that
   *     clipping adds, so it is set low
   */
  public record CausalConfig(String vaeObjective, String clickObjective, String propensity, double minPropensity,
      double popularityEta, int upliftMembers, double upliftMinPropensity) {
    public CausalConfig {
      if (!Set.of("naive", "ips", "snips").contains(vaeObjective)) {
        throw new IllegalArgumentException("causal.vae_objective must be naive, ips or snips: " + vaeObjective);
      }
      if (!Set.of("naive", "ips", "snips", "dr", "mrdr").contains(clickObjective)) {
        throw new IllegalArgumentException("causal.click_objective must be naive, ips, snips, dr or mrdr: " + clickObjective);
      }
      if (!Set.of("popularity", "learned").contains(propensity)) {
        throw new IllegalArgumentException("causal.propensity must be popularity or learned: " + propensity);
      }
      if (!(minPropensity > 0 && minPropensity <= 0.5) || !(popularityEta > 0 && popularityEta <= 2)) {
        throw new IllegalArgumentException("causal.min_propensity must be in (0, 0.5] and popularity_eta in (0, 2]");
      }
      if (upliftMembers < 2 || upliftMembers > 64) {
        throw new IllegalArgumentException("causal.uplift_members must be in [2, 64]: " + upliftMembers);
      }
      if (!(upliftMinPropensity > 0 && upliftMinPropensity <= 0.5)) {
        throw new IllegalArgumentException("causal.uplift_min_propensity must be in (0, 0.5]: " + upliftMinPropensity);
      }
    }

    /** The given settings with the default uplift clipping floor ({@value #DEFAULT_UPLIFT_MIN_PROPENSITY}). */
    public CausalConfig(String vaeObjective, String clickObjective, String propensity, double minPropensity,
        double popularityEta, int upliftMembers) {
      this(vaeObjective, clickObjective, propensity, minPropensity, popularityEta, upliftMembers,
          DEFAULT_UPLIFT_MIN_PROPENSITY);
    }

    /** The given settings with the default uplift ensemble size ({@value #DEFAULT_UPLIFT_MEMBERS}). */
    public CausalConfig(String vaeObjective, String clickObjective, String propensity, double minPropensity,
        double popularityEta) {
      this(vaeObjective, clickObjective, propensity, minPropensity, popularityEta, DEFAULT_UPLIFT_MEMBERS);
    }

    /** The uplift model's clipping floor when nothing says otherwise. */
    public static final double DEFAULT_UPLIFT_MIN_PROPENSITY = 0.001;

    /** Members of the uplift ensemble when nothing says otherwise. */
    public static final int DEFAULT_UPLIFT_MEMBERS = 8;

    /**
     * Naive training (as logged), popularity propensities with eta 0.5 when asked for, clipped at
     * 0.05; an uplift ensemble of 8, clipped at 0.001.
     */
    public static CausalConfig defaults() {
      return new CausalConfig("naive", "naive", "popularity", 0.05, 0.5);
    }
  }

  /**
   * The item text model: where sentence embeddings come from and how they are computed.
   *
   * @param provider {@code local} (all-MiniLM-L6-v2 in-process, the default), {@code endpoint} (an
   *     OpenAI-compatible {@code /v1/embeddings} URL) or {@code off} (no text features)
   * @param endpointUrl the embeddings URL when provider is endpoint
   * @param endpointModel the {@code model} sent to the endpoint
   * @param endpointApiKeyEnv the environment variable holding the endpoint's bearer token, or null
   * @param batchSize items embedded per batch
   * @param pollIntervalMs how often the embedder looks for items without a current embedding (items
   *     upserted through this node wake it at once)
   * @param newItemOptimism a new item's score is its text neighbours' mean score plus this many
   *     standard deviations of them (0: their mean, the plain estimate; higher: new items are shown more)
   */
  public record TextConfig(String provider, String endpointUrl, String endpointModel, String endpointApiKeyEnv,
      int batchSize, long pollIntervalMs, double newItemOptimism) {
    public TextConfig {
      if (!Set.of("local", "endpoint", "off").contains(provider)) {
        throw new IllegalArgumentException("text.provider must be local, endpoint or off: " + provider);
      }
      if (provider.equals("endpoint") && (endpointUrl == null || endpointUrl.isBlank())) {
        throw new IllegalArgumentException("text.endpoint_url must be set when text.provider is endpoint");
      }
      if (batchSize < 1 || batchSize > 1024 || pollIntervalMs < 100) {
        throw new IllegalArgumentException("text.batch_size must be in 1..1024 and text.poll_interval_ms >= 100");
      }
      if (!(newItemOptimism >= 0 && newItemOptimism <= 5)) {
        throw new IllegalArgumentException("text.new_item_optimism must be in 0..5: " + newItemOptimism);
      }
    }

    /** In-process all-MiniLM-L6-v2, batches of 32, a look for stale items every 5 s, optimism 1. */
    public static TextConfig defaults() {
      return new TextConfig("local", null, null, null, 32, 5_000, 1.0);
    }

    /** A builder that starts from this text configuration, for deriving another from it. */
    public TextConfigBuilder toBuilder() {
      return new TextConfigBuilder(this);
    }

    /** Whether text features are on. */
    public boolean enabled() {
      return !provider.equals("off");
    }
  }

  /**
   * How recommendations are served and how much of the machine training may take (YAML
   * {@code serving:}).
   *
   * @param candidates items the Mult-VAE hands to the click model's ranking per request
   * @param cacheSize users' ranked lists kept in memory (each current until the user's next event,
   *     a model switch or a catalogue change)
   * @param scoringThreads PyTorch intra-op threads of each scoring thread; 0: half the cores (at least one)
   * @param trainingThreads PyTorch intra-op threads of a training job; 0: all cores but one (at least one)
   */
  public record ServingConfig(int candidates, int cacheSize, int scoringThreads, int trainingThreads) {
    public ServingConfig {
      if (candidates < 1 || candidates > 10_000) {
        throw new IllegalArgumentException("serving.candidates must be in 1..10000: " + candidates);
      }
      if (cacheSize < 0) {
        throw new IllegalArgumentException("serving.cache_size must be >= 0: " + cacheSize);
      }
      if (scoringThreads < 0 || trainingThreads < 0) {
        throw new IllegalArgumentException("serving.scoring_threads and serving.training_threads must be >= 0");
      }
    }

    /** 200 candidates, 100,000 cached lists, threads from the core count. */
    public static ServingConfig defaults() {
      return new ServingConfig(200, 100_000, 0, 0);
    }

    /** The scoring threads' PyTorch threads: as set, or half the cores (at least one). */
    public int scoringThreadsResolved() {
      return scoringThreads > 0 ? scoringThreads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** A training job's PyTorch threads: as set, or all cores but one (at least one). */
    public int trainingThreadsResolved() {
      return trainingThreads > 0 ? trainingThreads : Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }
  }

  /** Settings of the event-stream tailer. */
  public record StreamConfig(String cursorName, int batchSize, long pollIntervalMs) {
    public StreamConfig {
      if (cursorName == null || cursorName.isBlank()) {
        throw new IllegalArgumentException("stream.cursor must not be blank");
      }
      if (batchSize < 1 || batchSize > 100_000) {
        throw new IllegalArgumentException("stream.batch_size must be in 1..100000: " + batchSize);
      }
      if (pollIntervalMs < 10) {
        throw new IllegalArgumentException("stream.poll_interval_ms must be >= 10: " + pollIntervalMs);
      }
    }
  }

  public Config {
    device = device == null ? "auto" : device.toLowerCase(Locale.ROOT);
    if (!device.equals("auto") && !device.equals("cpu") && !device.equals("gpu")) {
      throw new IllegalArgumentException("device must be auto, cpu or gpu: " + device);
    }
    if (cluster.enabled() && storage.pgUrl() == null) {
      throw new IllegalArgumentException("cluster.enabled needs pg_url: the nodes of a cluster share one PostgreSQL");
    }
  }

  /** The defaults of every setting. */
  public static Config defaults() {
    return new Config(new HttpConfig("0.0.0.0", 8080, 32L * 1024 * 1024, 30_000, List.of(), 30_000),
        AuthConfig.open(), LogConfig.defaults(),
        new StorageConfig(Path.of("data"), null, 8, null),
        "auto", new EventsConfig(EventTypes.defaults(), 10_000, 40_000), new StreamConfig("tailer", 5_000, 1_000),
        new ModelConfig(50, 50_000, Set.of("click", "add_to_cart", "purchase", "rating")),
        CausalConfig.defaults(), TextConfig.defaults(), FeedConfig.defaults(), ServingConfig.defaults(),
        ClusterConfig.defaults());
  }

  /** A builder that starts from {@link #defaults()}. */
  public static ConfigBuilder builder() {
    return new ConfigBuilder(defaults());
  }

  /** A builder that starts from this configuration, for deriving another from it. */
  public ConfigBuilder toBuilder() {
    return new ConfigBuilder(this);
  }

  /** This node's name when it is one of a cluster, null alone: jobs and training runs are recorded under it. */
  public String nodeKey() {
    return cluster.enabled() ? cluster.nodeName() : null;
  }

  /** Interface the HTTP server binds to. */
  public String httpHost() {
    return http.host();
  }

  /** HTTP + WebSocket port; 0 picks a free one. */
  public int httpPort() {
    return http.port();
  }

  /** Request body limit, more is 413. */
  public long maxBodyBytes() {
    return http.maxBodyBytes();
  }

  /** Embedded PostgreSQL data, model artifacts, caches. */
  public Path dataDir() {
    return storage.dataDir();
  }

  /** External PostgreSQL URL, or null for the embedded server. */
  public String pgUrl() {
    return storage.pgUrl();
  }

  /** Connections of the node's database pool. */
  public int poolSize() {
    return storage.pgPoolSize();
  }

  /** Accepted event types and their weights. */
  public EventTypes eventTypes() {
    return events.types();
  }

  /** Events in one ingest request, more is 413. */
  public int maxEventsPerRequest() {
    return events.maxPerRequest();
  }

  /** Events accepted for writing and not yet committed, at most; beyond it a request is answered 503. */
  public int maxPendingEvents() {
    return events.maxPending();
  }

  /** How long a request body may take to arrive after its headers; longer is 408. */
  public long bodyTimeoutMs() {
    return http.bodyTimeoutMs();
  }
}
