package org.causalrec.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Loads the configuration: defaults, then a YAML or JSON file, then the environment, where every
 * key {@code section.key} is the variable {@code CAUSALREC_SECTION_KEY}.
 *
 * <p>A key in the file that no setting reads is an error naming it (a typo would otherwise be
 * ignored in silence). A variable named like a setting that is none is only warned about:
 * orchestrators set such variables themselves (Kubernetes adds {@code CAUSALREC_PORT} and the like
 * for a service named causalrec). Command-line flags are applied last by the CLI, on
 * {@link Config#toBuilder()}.
 */
public final class ConfigLoader {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);
  /** Variables CausalRec reads that are not settings. */
  private static final Set<String> OTHER_VARIABLES = Set.of("CAUSALREC_CONFIG", "CAUSALREC_DEBUG",
      "CAUSALREC_REQUIRE_BROWSER");

  private ConfigLoader() {}

  /** Loads from an optional file and the given environment (usually {@code System.getenv()}). */
  public static Config load(Path file, Map<String, String> env) {
    if (file == null && env.get("CAUSALREC_CONFIG") != null) {
      file = Path.of(env.get("CAUSALREC_CONFIG"));
    }
    Settings s = new Settings(file == null ? Map.of() : readTree(file), env);
    Config c = read(s);
    Set<String> unknown = s.unknownFileKeys();
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown config key" + (unknown.size() > 1 ? "s" : "") + " in " + file
          + ": " + String.join(", ", unknown) + " (the keys are listed in docs/CONFIGURATION.md)");
    }
    Set<String> strangers = s.unknownVariables(OTHER_VARIABLES);
    if (!strangers.isEmpty()) {
      LOG.warn("Ignoring environment variables that are no setting: {}", strangers);
    }
    return c;
  }

  /** Every setting: key, variable, type, default and meaning, in the order of the reference table. */
  static List<Settings.Key> keys() {
    Settings s = new Settings(Map.of(), Map.of());
    read(s);
    return s.keys();
  }

  /** The reference table of every setting, in Markdown (docs/CONFIGURATION.md holds it). */
  public static String referenceTable() {
    StringBuilder out = new StringBuilder("| key | variable | type | default | meaning |\n|---|---|---|---|---|\n");
    for (Settings.Key k : keys()) {
      out.append("| `").append(k.name()).append("` | `").append(k.env()).append("` | ").append(k.type())
          .append(" | ").append(k.dflt().isEmpty() ? "" : "`" + k.dflt() + "`").append(" | ")
          .append(k.doc().replace("|", "\\|")).append(" |\n");
    }
    return out.toString();
  }

  /** Every setting, read from {@code s} over the defaults. */
  private static Config read(Settings s) {
    Config d = Config.defaults();
    ConfigBuilder b = d.toBuilder()
        .setDataDir(Path.of(s.string("data_dir", d.dataDir().toString(),
            "embedded PostgreSQL data, model artifacts and caches")))
        .setPgUrl(s.string("pg_url", null,
            "external PostgreSQL, `postgresql://user:pass@host:port/db`; unset: the embedded server"))
        .setPgPoolSize(toInt("pg_pool_size", s.integer("pg_pool_size", d.poolSize(),
            "connections of the node's database pool (event batches have four COPY connections of their own)")))
        .setPgReplicaUrl(s.string("pg_replica_url", null,
            "a read replica of `pg_url`: training sets and offline evaluations (whole-log scans) read there"))
        .setDevice(s.string("device", d.device(), "where models train and score: auto, cpu or gpu"));

    Config.HttpConfig h = d.http();
    b.setHttpHost(s.string("http.host", h.host(), "interface the HTTP server binds to"))
        .setHttpPort(toInt("http.port", s.integer("http.port", h.port(),
            "HTTP and WebSocket port; 0 picks a free one and prints it")))
        .setMaxBodyBytes(s.integer("http.max_body_bytes", h.maxBodyBytes(), "request body limit; more is 413"))
        .setBodyTimeoutMs(s.integer("http.body_timeout_ms", h.bodyTimeoutMs(),
            "a body not received this long after its headers is answered 408 and its connection closed"))
        .setCorsOrigins(s.list("http.cors_origins", h.corsOrigins(),
            "origins browsers may call the API from (`https://shop.example`, or `*`); empty: none"))
        .setShutdownTimeoutMs(s.integer("http.shutdown_timeout_ms", h.shutdownTimeoutMs(),
            "on SIGTERM, how long requests in flight may take to finish before the node stops"));

    List<String> read = s.list("auth.read_keys", List.of(),
        "keys that may read: recommendations, items, feeds, metrics, jobs (plain, or `sha256:` and the key's digest)");
    List<String> write = s.list("auth.write_keys", List.of(),
        "keys that may also send events and change items and users");
    List<String> admin = new java.util.ArrayList<>(s.list("auth.admin_keys", List.of(),
        "keys that may also train, evaluate, run jobs and switch models"));
    String legacy = s.string("api_key", null, "one more admin key");
    if (legacy != null && !legacy.isBlank()) {
      admin.add(legacy);
    }
    b.setAuth(AuthConfig.of(read, write, admin));

    LogConfig l = d.log();
    b.setLog(new LogConfig(s.string("log.format", l.format(), "`text` lines or `json` objects, one each"),
        s.string("log.level", l.level(), "level of CausalRec's own loggers: ERROR, WARN, INFO, DEBUG or TRACE"),
        s.bool("log.access", l.access(), "log every HTTP request: method, path, status, bytes, time, request id")));

    Config.EventsConfig e = d.events();
    b.setMaxEventsPerRequest(toInt("events.max_per_request", s.integer("events.max_per_request", e.maxPerRequest(),
            "events in one ingest request; more is 413")))
        .setMaxPendingEvents(toInt("events.max_pending", s.integer("events.max_pending", e.maxPending(),
            "events accepted and not yet committed, at most; beyond it requests get 503 with Retry-After")))
        .setEventTypes(eventTypes(s.mapping("events.types",
            "event types and their weights: `{like: 3, review: {weight: 2, value_required: true}}`"), e.types()));

    Config.StreamConfig st = d.stream();
    b.setStream(new Config.StreamConfig(
        s.string("stream.cursor", st.cursorName(), "name of the event stream's persisted position"),
        toInt("stream.batch_size", s.integer("stream.batch_size", st.batchSize(), "events the stream reads at once")),
        s.integer("stream.poll_interval_ms", st.pollIntervalMs(),
            "how often the stream looks for events without a notification")));

    Config.ModelConfig m = d.models();
    b.setModels(new Config.ModelConfig(
        toInt("models.epochs", s.integer("models.epochs", m.epochs(), "Mult-VAE epochs per training run")),
        s.integer("models.retrain_after_events", m.retrainAfterEvents(),
            "retrain after this many new events; 0: only on request"),
        new java.util.HashSet<>(s.list("models.exclude_types", new java.util.TreeSet<>(m.excludeTypes()).stream()
            .toList(), "event types whose items count as consumed and are not recommended again"))));

    Config.CausalConfig dc = d.causal();
    b.setCausal(new Config.CausalConfig(
        s.string("causal.vae_objective", dc.vaeObjective(), "Mult-VAE objective: naive, ips or snips"),
        s.string("causal.click_objective", dc.clickObjective(), "click MLP objective: naive, ips, snips, dr or mrdr"),
        s.string("causal.propensity", dc.propensity(),
            "the Mult-VAE's exposure propensities: popularity (p = (n/max n)^eta) or learned"),
        s.number("causal.min_propensity", dc.minPropensity(), "propensities are clipped to at least this"),
        s.number("causal.popularity_eta", dc.popularityEta(), "eta of the popularity-power propensities"),
        toInt("causal.uplift_members", s.integer("causal.uplift_members", dc.upliftMembers(),
            "networks in the uplift ensemble, whose spread gives the what-if interval")),
        s.number("causal.uplift_min_propensity", dc.upliftMinPropensity(), "the uplift model's clipping floor")));

    Config.TextConfig dt = d.text();
    b.setText(dt.toBuilder()
        .setProvider(s.string("text.provider", dt.provider(),
            "item text embeddings: local (all-MiniLM-L6-v2 in-process), endpoint or off"))
        .setEndpointUrl(s.string("text.endpoint_url", dt.endpointUrl(),
            "OpenAI-compatible `/v1/embeddings` URL when the provider is endpoint"))
        .setEndpointModel(s.string("text.endpoint_model", dt.endpointModel(), "the `model` sent to the endpoint"))
        .setEndpointApiKeyEnv(s.string("text.endpoint_api_key_env", dt.endpointApiKeyEnv(),
            "the variable holding the endpoint's bearer token"))
        .setBatchSize(toInt("text.batch_size", s.integer("text.batch_size", dt.batchSize(),
            "items embedded per batch")))
        .setPollIntervalMs(s.integer("text.poll_interval_ms", dt.pollIntervalMs(),
            "how often the embedder looks for items without a current embedding"))
        .setNewItemOptimism(s.number("text.new_item_optimism", dt.newItemOptimism(),
            "a new item scores its text neighbours' mean plus this many standard deviations"))
        .build());

    b.setFeed(new FeedConfig(toInt("feed.send_buffer_bytes", s.integer("feed.send_buffer_bytes",
        d.feed().sendBufferBytes(), "kernel send buffer of each connection; 0: the system's"))));

    Config.ServingConfig ds = d.serving();
    b.setServing(new Config.ServingConfig(
        toInt("serving.candidates", s.integer("serving.candidates", ds.candidates(),
            "items the Mult-VAE hands to the click model's ranking per request")),
        toInt("serving.cache_size", s.integer("serving.cache_size", ds.cacheSize(),
            "users' ranked lists kept in memory")),
        toInt("serving.scoring_threads", s.integer("serving.scoring_threads", ds.scoringThreads(),
            "PyTorch threads of each scoring thread; 0: half the cores")),
        toInt("serving.training_threads", s.integer("serving.training_threads", ds.trainingThreads(),
            "PyTorch threads of a training job; 0: all cores but one"))));
    ClusterConfig dk = d.cluster();
    b.setCluster(new ClusterConfig(
        s.bool("cluster.enabled", dk.enabled(), "join a cluster of nodes over one PostgreSQL (needs `pg_url`)"),
        s.string("cluster.role", dk.role(), "all (one process), api (serves; training goes to a trainer) or trainer"),
        s.string("cluster.name", dk.name(), "the cluster's name: nodes with another name stay apart"),
        s.string("cluster.node_name", null,
            "this node's name (unset: the host's), unique in the cluster (stream position, jobs and runs are kept under it)"),
        s.string("cluster.host", dk.host(), "interface of the cluster and event-bus connections, reachable by the others"),
        toInt("cluster.port", s.integer("cluster.port", dk.port(), "Hazelcast's member port")),
        s.list("cluster.members", dk.members(), "`host` or `host:port` of other members to join over TCP"),
        s.string("cluster.kubernetes_service", dk.kubernetesService(),
            "a headless Kubernetes service's DNS name whose pods are the members")));
    try {
      return b.build();
    } catch (IllegalArgumentException ex) {
      throw new IllegalArgumentException("config: " + ex.getMessage(), ex);
    }
  }

  private static int toInt(String key, long v) {
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(Settings.where(key) + " is out of range: " + v);
    }
    return (int) v;
  }

  private static Map<String, Object> readTree(Path file) {
    try (Reader r = Files.newBufferedReader(file)) {
      // YAML 1.1 is a superset of JSON, so one safe loader reads both formats.
      Object o = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
      if (o == null) {
        return Map.of();
      }
      if (!(o instanceof Map<?, ?>)) {
        throw new IllegalArgumentException("config file " + file + " must hold a mapping at the top");
      }
      return Settings.cast(o);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
  }

  private static EventTypes eventTypes(Map<String, Object> section, EventTypes base) {
    EventTypes types = base;
    for (Map.Entry<String, Object> e : section.entrySet()) {
      String name = e.getKey();
      Object v = e.getValue();
      EventTypes.Type current = base.get(name);
      boolean valueRequired = current != null && current.valueRequired();
      double weight;
      if (v instanceof Number n) {
        weight = n.doubleValue();
      } else if (v instanceof Map<?, ?> m) {
        Map<String, Object> tm = Settings.cast(m);
        Set<String> unknown = new java.util.TreeSet<>(tm.keySet());
        unknown.removeAll(Set.of("weight", "value_required"));
        if (!unknown.isEmpty()) {
          throw new IllegalArgumentException("events.types." + name + ": unknown keys " + unknown
              + " (weight and value_required are known)");
        }
        Object w = tm.get("weight");
        if (w != null && !(w instanceof Number)) {
          throw new IllegalArgumentException("events.types." + name + ".weight must be a number: " + w);
        }
        weight = w == null ? (current == null ? 1.0 : current.weight()) : ((Number) w).doubleValue();
        Object vr = tm.get("value_required");
        if (vr != null) {
          valueRequired = Boolean.parseBoolean(vr.toString());
        }
      } else {
        throw new IllegalArgumentException("events.types." + name + " must be a number or a mapping");
      }
      types = types.with(new EventTypes.Type(name, weight, valueRequired));
    }
    return types;
  }
}
