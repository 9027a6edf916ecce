package org.causalrec.config;

/** Builds a {@link Config.TextConfig} from another one; each setter replaces one setting, {@link #build()} validates. */
public final class TextConfigBuilder {

  private String provider;
  private String endpointUrl;
  private String endpointModel;
  private String endpointApiKeyEnv;
  private int batchSize;
  private long pollIntervalMs;
  private double newItemOptimism;

  TextConfigBuilder(Config.TextConfig t) {
    provider = t.provider();
    endpointUrl = t.endpointUrl();
    endpointModel = t.endpointModel();
    endpointApiKeyEnv = t.endpointApiKeyEnv();
    batchSize = t.batchSize();
    pollIntervalMs = t.pollIntervalMs();
    newItemOptimism = t.newItemOptimism();
  }

  /** Sets the provider: local, endpoint or off. */
  public TextConfigBuilder setProvider(String provider) {
    this.provider = provider;
    return this;
  }

  /** Sets the embeddings URL (provider endpoint). */
  public TextConfigBuilder setEndpointUrl(String url) {
    this.endpointUrl = url;
    return this;
  }

  /** Sets the {@code model} sent to the endpoint. */
  public TextConfigBuilder setEndpointModel(String model) {
    this.endpointModel = model;
    return this;
  }

  /** Sets the environment variable holding the endpoint's bearer token (null: none). */
  public TextConfigBuilder setEndpointApiKeyEnv(String name) {
    this.endpointApiKeyEnv = name;
    return this;
  }

  /** Sets how many items are embedded per batch. */
  public TextConfigBuilder setBatchSize(int size) {
    this.batchSize = size;
    return this;
  }

  /** Sets how often the embedder looks for items without a current embedding. */
  public TextConfigBuilder setPollIntervalMs(long ms) {
    this.pollIntervalMs = ms;
    return this;
  }

  /** Sets how many standard deviations above its text neighbours' mean a new item scores. */
  public TextConfigBuilder setNewItemOptimism(double sds) {
    this.newItemOptimism = sds;
    return this;
  }

  /** The text configuration; throws IllegalArgumentException naming the first invalid setting. */
  public Config.TextConfig build() {
    return new Config.TextConfig(provider, endpointUrl, endpointModel, endpointApiKeyEnv, batchSize, pollIntervalMs,
        newItemOptimism);
  }
}
