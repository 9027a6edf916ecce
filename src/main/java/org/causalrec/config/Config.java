package org.causalrec.config;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The whole configuration tree, immutable and validated once.
 *
 * @param httpHost interface the HTTP server binds to
 * @param httpPort HTTP + WebSocket port; 0 picks a free one
 * @param dataDir embedded PostgreSQL data, model artifacts, caches
 * @param pgUrl external PostgreSQL URL, or null for the embedded server
 * @param device cpu, gpu or auto
 * @param apiKey when non-null, writes need it in {@code X-API-Key}
 * @param eventTypes accepted event types and their weights
 * @param maxEventsPerRequest events in one ingest request, more is 413
 * @param maxBodyBytes request body limit, more is 413
 * @param stream the event-stream tailer's settings
 * @param models training and serving settings
 * @param causal how models are debiased
 * @param text the item text model
 * @param feed the WebSocket feeds
 */
public record Config(
    String httpHost,
    int httpPort,
    Path dataDir,
    String pgUrl,
    String device,
    String apiKey,
    EventTypes eventTypes,
    int maxEventsPerRequest,
    long maxBodyBytes,
    StreamConfig stream,
    ModelConfig models,
    CausalConfig causal,
    TextConfig text,
    FeedConfig feed) {

  /**
   * Training and serving settings.
   *
   * @param epochs Mult-VAE epochs per training run
   * @param retrainAfterEvents retrain after this many new events (0 = only on request)
   * @param excludeTypes event types whose items count as consumed and are not recommended again
   */
  public record ModelConfig(int epochs, long retrainAfterEvents, java.util.Set<String> excludeTypes) {
    public ModelConfig {
      if (epochs < 1 || retrainAfterEvents < 0) {
        throw new IllegalArgumentException("models.epochs must be >= 1 and models.retrain_after_events >= 0");
      }
      excludeTypes = java.util.Set.copyOf(excludeTypes);
    }
  }

  /**
   * How models are debiased (CAUSAL.md); a train request may override each.
   *
   * @param vaeObjective Mult-VAE objective: naive, ips or snips
   * @param clickObjective click MLP objective: naive, ips, snips or dr
   * @param propensity where the Mult-VAE's exposure propensities come from: popularity (p = (n_i /
   *     max n)^eta, for feedback arriving through every channel) or learned (the exposure model,
   *     for feedback on items recommendations showed)
   * @param minPropensity propensities are clipped to at least this (0 < p_min <= 0.5)
   * @param popularityEta eta of the popularity-power propensities (Saito et al. use 0.5)
   */
  public record CausalConfig(String vaeObjective, String clickObjective, String propensity, double minPropensity,
      double popularityEta) {
    public CausalConfig {
      if (!java.util.Set.of("naive", "ips", "snips").contains(vaeObjective)) {
        throw new IllegalArgumentException("causal.vae_objective must be naive, ips or snips: " + vaeObjective);
      }
      if (!java.util.Set.of("naive", "ips", "snips", "dr").contains(clickObjective)) {
        throw new IllegalArgumentException("causal.click_objective must be naive, ips, snips or dr: " + clickObjective);
      }
      if (!java.util.Set.of("popularity", "learned").contains(propensity)) {
        throw new IllegalArgumentException("causal.propensity must be popularity or learned: " + propensity);
      }
      if (!(minPropensity > 0 && minPropensity <= 0.5) || !(popularityEta > 0 && popularityEta <= 2)) {
        throw new IllegalArgumentException("causal.min_propensity must be in (0, 0.5] and popularity_eta in (0, 2]");
      }
    }

    /** Naive training (as logged), popularity propensities with eta 0.5 when asked for, clipped at 0.05. */
    public static CausalConfig defaults() {
      return new CausalConfig("naive", "naive", "popularity", 0.05, 0.5);
    }
  }

  /**
   * The item text model (issue 5): where sentence embeddings come from and how they are computed.
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
      if (!java.util.Set.of("local", "endpoint", "off").contains(provider)) {
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

    /** A copy with another provider and endpoint. */
    public TextConfig withProvider(String p, String url, String model) {
      return new TextConfig(p, url, model, endpointApiKeyEnv, batchSize, pollIntervalMs, newItemOptimism);
    }

    /** A copy with other batch size and poll interval. */
    public TextConfig withBatching(int batch, long pollMs) {
      return new TextConfig(provider, endpointUrl, endpointModel, endpointApiKeyEnv, batch, pollMs, newItemOptimism);
    }

    /** Whether text features are on. */
    public boolean enabled() {
      return !provider.equals("off");
    }
  }

  /**
   * The WebSocket feeds (issue 6).
   *
   * @param sendBufferBytes the kernel send buffer of each HTTP and WebSocket connection (SO_SNDBUF),
   *     0 for the operating system's (autotuned) default; a fixed small one bounds the memory a
   *     client that does not read can hold on the server, and makes such a client coalesced sooner
   */
  public record FeedConfig(int sendBufferBytes) {
    public FeedConfig {
      if (sendBufferBytes < 0) {
        throw new IllegalArgumentException("feed.send_buffer_bytes must be >= 0");
      }
    }

    /** The operating system's buffers. */
    public static FeedConfig defaults() {
      return new FeedConfig(0);
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
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("http port must be in 0..65535: " + httpPort);
    }
    if (dataDir == null) {
      throw new IllegalArgumentException("data_dir must be set");
    }
    if (pgUrl != null && pgUrl.isBlank()) {
      pgUrl = null;
    }
    device = device == null ? "auto" : device.toLowerCase(Locale.ROOT);
    if (!device.equals("auto") && !device.equals("cpu") && !device.equals("gpu")) {
      throw new IllegalArgumentException("device must be auto, cpu or gpu: " + device);
    }
    if (apiKey != null && apiKey.isBlank()) {
      apiKey = null;
    }
    if (maxEventsPerRequest < 1) {
      throw new IllegalArgumentException("events.max_per_request must be >= 1");
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException("http.max_body_bytes must be >= 1024");
    }
  }

  /** The defaults of every setting (DESIGN.md section 5b). */
  public static Config defaults() {
    return new Config("0.0.0.0", 8080, Path.of("data"), null, "auto", null, EventTypes.defaults(),
        10_000, 32L * 1024 * 1024, new StreamConfig("tailer", 5_000, 1_000),
        new ModelConfig(50, 50_000, java.util.Set.of("click", "add_to_cart", "purchase", "rating")),
        CausalConfig.defaults(), TextConfig.defaults(), FeedConfig.defaults());
  }

  /** A copy with other causal settings. */
  public Config withCausal(CausalConfig c) {
    return new Config(httpHost, httpPort, dataDir, pgUrl, device, apiKey, eventTypes,
        maxEventsPerRequest, maxBodyBytes, stream, models, c, text, feed);
  }

  /** A copy with other text settings. */
  public Config withText(TextConfig t) {
    return new Config(httpHost, httpPort, dataDir, pgUrl, device, apiKey, eventTypes,
        maxEventsPerRequest, maxBodyBytes, stream, models, causal, t, feed);
  }

  /** A copy with other feed settings. */
  public Config withFeed(FeedConfig f) {
    return new Config(httpHost, httpPort, dataDir, pgUrl, device, apiKey, eventTypes,
        maxEventsPerRequest, maxBodyBytes, stream, models, causal, text, f);
  }

  /** A copy with another HTTP port. */
  public Config withHttpPort(int port) {
    return new Config(httpHost, port, dataDir, pgUrl, device, apiKey, eventTypes,
        maxEventsPerRequest, maxBodyBytes, stream, models, causal, text, feed);
  }

  /** A copy with another data directory. */
  public Config withDataDir(Path dir) {
    return new Config(httpHost, httpPort, dir, pgUrl, device, apiKey, eventTypes,
        maxEventsPerRequest, maxBodyBytes, stream, models, causal, text, feed);
  }

  /** A copy with another external database URL (null = embedded). */
  public Config withPgUrl(String url) {
    return new Config(httpHost, httpPort, dataDir, url, device, apiKey, eventTypes,
        maxEventsPerRequest, maxBodyBytes, stream, models, causal, text, feed);
  }

  /** A copy with other model settings. */
  public Config withModels(ModelConfig m) {
    return new Config(httpHost, httpPort, dataDir, pgUrl, device, apiKey, eventTypes,
        maxEventsPerRequest, maxBodyBytes, stream, m, causal, text, feed);
  }

  /** A copy with another API key (null = none). */
  public Config withApiKey(String key) {
    return new Config(httpHost, httpPort, dataDir, pgUrl, device, key, eventTypes,
        maxEventsPerRequest, maxBodyBytes, stream, models, causal, text, feed);
  }
}
