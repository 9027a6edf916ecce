package org.causalrec.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Loads the configuration: defaults, then a YAML or JSON file, then the environment.
 *
 * <p>Command-line flags are applied last by the CLI, on {@link Config#toBuilder()}.
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  /** Loads from an optional file and the given environment (usually {@code System.getenv()}). */
  public static Config load(Path file, Map<String, String> env) {
    if (file == null && env.get("CAUSALREC_CONFIG") != null) {
      file = Path.of(env.get("CAUSALREC_CONFIG"));
    }
    ConfigBuilder b = fromFile(file == null ? Map.of() : readTree(file), env);
    applyEnvironment(b, env);
    return b.build();
  }

  /** The defaults with the file's settings over them (and the text provider from the environment). */
  private static ConfigBuilder fromFile(Map<String, Object> tree, Map<String, String> env) {
    Config d = Config.defaults();
    Map<String, Object> http = section(tree, "http");
    Map<String, Object> events = section(tree, "events");
    Map<String, Object> stream = section(tree, "stream");
    Map<String, Object> models = section(tree, "models");
    Map<String, Object> causal = section(tree, "causal");
    Map<String, Object> text = section(tree, "text");
    Map<String, Object> feed = section(tree, "feed");
    Map<String, Object> serving = section(tree, "serving");

    ConfigBuilder b = d.toBuilder()
        .setHttpHost(str(http, "host", d.httpHost()))
        .setHttpPort((int) num(http, "port", d.httpPort()))
        .setDataDir(Path.of(str(tree, "data_dir", d.dataDir().toString())))
        .setPgUrl(str(tree, "pg_url", d.pgUrl()))
        .setDevice(str(tree, "device", d.device()))
        .setApiKey(str(tree, "api_key", d.apiKey()))
        .setMaxBodyBytes((long) num(http, "max_body_bytes", d.maxBodyBytes()))
        .setBodyTimeoutMs((long) num(http, "body_timeout_ms", d.bodyTimeoutMs()))
        .setMaxEventsPerRequest((int) num(events, "max_per_request", d.maxEventsPerRequest()))
        .setMaxPendingEvents((int) num(events, "max_pending", d.maxPendingEvents()))
        .setEventTypes(eventTypes(section(events, "types"), d.eventTypes()));
    b.setStream(new Config.StreamConfig(
        str(stream, "cursor", d.stream().cursorName()),
        (int) num(stream, "batch_size", d.stream().batchSize()),
        (long) num(stream, "poll_interval_ms", d.stream().pollIntervalMs())));

    Object exclude = models.get("exclude_types");
    java.util.Set<String> excludeTypes = d.models().excludeTypes();
    if (exclude instanceof java.util.List<?> l) {
      excludeTypes = new java.util.HashSet<>();
      for (Object o : l) {
        excludeTypes.add(o.toString());
      }
    } else if (exclude != null) {
      throw new IllegalArgumentException("models.exclude_types must be a list of event types");
    }
    b.setModels(new Config.ModelConfig((int) num(models, "epochs", d.models().epochs()),
        (long) num(models, "retrain_after_events", d.models().retrainAfterEvents()), excludeTypes));

    Config.CausalConfig dc = d.causal();
    b.setCausal(new Config.CausalConfig(str(causal, "vae_objective", dc.vaeObjective()),
        str(causal, "click_objective", dc.clickObjective()), str(causal, "propensity", dc.propensity()),
        num(causal, "min_propensity", dc.minPropensity()), num(causal, "popularity_eta", dc.popularityEta()),
        (int) num(causal, "uplift_members", dc.upliftMembers()),
        num(causal, "uplift_min_propensity", dc.upliftMinPropensity())));

    Config.TextConfig dt = d.text();
    // The provider's variable is read here, not with the others: it decides whether the endpoint URL must be set.
    b.setText(dt.toBuilder()
        .setProvider(env.getOrDefault("CAUSALREC_TEXT_PROVIDER", str(text, "provider", dt.provider())))
        .setEndpointUrl(str(text, "endpoint_url", dt.endpointUrl()))
        .setEndpointModel(str(text, "endpoint_model", dt.endpointModel()))
        .setEndpointApiKeyEnv(str(text, "endpoint_api_key_env", dt.endpointApiKeyEnv()))
        .setBatchSize((int) num(text, "batch_size", dt.batchSize()))
        .setPollIntervalMs((long) num(text, "poll_interval_ms", dt.pollIntervalMs()))
        .setNewItemOptimism(num(text, "new_item_optimism", dt.newItemOptimism()))
        .build());

    Config.ServingConfig ds = d.serving();
    b.setServing(new Config.ServingConfig((int) num(serving, "candidates", ds.candidates()),
        (int) num(serving, "cache_size", ds.cacheSize()), (int) num(serving, "scoring_threads", ds.scoringThreads()),
        (int) num(serving, "training_threads", ds.trainingThreads())));
    return b.setFeed(new Config.FeedConfig((int) num(feed, "send_buffer_bytes", d.feed().sendBufferBytes())));
  }

  /** The environment's settings over the file's. */
  private static void applyEnvironment(ConfigBuilder b, Map<String, String> env) {
    Integer port = envInt(env, "CAUSALREC_HTTP_PORT");
    if (port != null) {
      b.setHttpPort(port);
    }
    if (env.get("CAUSALREC_DATA_DIR") != null) {
      b.setDataDir(Path.of(env.get("CAUSALREC_DATA_DIR")));
    }
    if (env.containsKey("CAUSALREC_PG_URL")) {
      b.setPgUrl(env.get("CAUSALREC_PG_URL"));
    }
    if (env.containsKey("CAUSALREC_DEVICE")) {
      b.setDevice(env.get("CAUSALREC_DEVICE"));
    }
    if (env.containsKey("CAUSALREC_API_KEY")) {
      b.setApiKey(env.get("CAUSALREC_API_KEY"));
    }
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
      return cast(o);
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
        Map<String, Object> tm = cast(m);
        weight = num(tm, "weight", current == null ? 1.0 : current.weight());
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

  private static Map<String, Object> section(Map<String, Object> tree, String key) {
    Object o = tree.get(key);
    if (o == null) {
      return Map.of();
    }
    if (!(o instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException("config '" + key + "' must be a mapping");
    }
    return cast(m);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object m) {
    return (Map<String, Object>) m;
  }

  private static String str(Map<String, Object> m, String key, String dflt) {
    Object o = m.get(key);
    return o == null ? dflt : o.toString();
  }

  private static double num(Map<String, Object> m, String key, double dflt) {
    Object o = m.get(key);
    if (o == null) {
      return dflt;
    }
    if (o instanceof Number n) {
      return n.doubleValue();
    }
    try {
      return Double.parseDouble(o.toString());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("config '" + key + "' must be a number: " + o);
    }
  }

  /** The variable as an integer, or null when it is unset or blank. */
  private static Integer envInt(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer: " + v);
    }
  }
}
