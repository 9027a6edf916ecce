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
 * <p>Command-line flags are applied last by the CLI through the {@code Config.withX} copies.
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  /** Loads from an optional file and the given environment (usually {@code System.getenv()}). */
  public static Config load(Path file, Map<String, String> env) {
    if (file == null && env.get("CAUSALREC_CONFIG") != null) {
      file = Path.of(env.get("CAUSALREC_CONFIG"));
    }
    Map<String, Object> tree = file == null ? Map.of() : readTree(file);
    Config d = Config.defaults();
    Map<String, Object> http = section(tree, "http");
    Map<String, Object> events = section(tree, "events");
    Map<String, Object> stream = section(tree, "stream");
    Map<String, Object> models = section(tree, "models");
    Map<String, Object> causal = section(tree, "causal");
    Map<String, Object> text = section(tree, "text");
    Map<String, Object> feed = section(tree, "feed");

    String host = str(http, "host", d.httpHost());
    int port = (int) num(http, "port", d.httpPort());
    Path dataDir = Path.of(str(tree, "data_dir", d.dataDir().toString()));
    String pgUrl = str(tree, "pg_url", d.pgUrl());
    String device = str(tree, "device", d.device());
    String apiKey = str(tree, "api_key", d.apiKey());
    long maxBody = (long) num(http, "max_body_bytes", d.maxBodyBytes());
    int maxEvents = (int) num(events, "max_per_request", d.maxEventsPerRequest());
    EventTypes types = eventTypes(section(events, "types"), d.eventTypes());
    Config.StreamConfig sc = new Config.StreamConfig(
        str(stream, "cursor", d.stream().cursorName()),
        (int) num(stream, "batch_size", d.stream().batchSize()),
        (long) num(stream, "poll_interval_ms", d.stream().pollIntervalMs()));

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
    Config.ModelConfig mc = new Config.ModelConfig((int) num(models, "epochs", d.models().epochs()),
        (long) num(models, "retrain_after_events", d.models().retrainAfterEvents()), excludeTypes);

    Config.CausalConfig dc = d.causal();
    Config.CausalConfig cc = new Config.CausalConfig(str(causal, "vae_objective", dc.vaeObjective()),
        str(causal, "click_objective", dc.clickObjective()), str(causal, "propensity", dc.propensity()),
        num(causal, "min_propensity", dc.minPropensity()), num(causal, "popularity_eta", dc.popularityEta()));

    Config.TextConfig dt = d.text();
    Config.TextConfig tc = new Config.TextConfig(env.getOrDefault("CAUSALREC_TEXT_PROVIDER",
        str(text, "provider", dt.provider())), str(text, "endpoint_url", dt.endpointUrl()),
        str(text, "endpoint_model", dt.endpointModel()), str(text, "endpoint_api_key_env", dt.endpointApiKeyEnv()),
        (int) num(text, "batch_size", dt.batchSize()), (long) num(text, "poll_interval_ms", dt.pollIntervalMs()),
        num(text, "new_item_optimism", dt.newItemOptimism()));

    port = envInt(env, "CAUSALREC_HTTP_PORT", port);
    dataDir = env.get("CAUSALREC_DATA_DIR") != null ? Path.of(env.get("CAUSALREC_DATA_DIR")) : dataDir;
    pgUrl = env.getOrDefault("CAUSALREC_PG_URL", pgUrl);
    device = env.getOrDefault("CAUSALREC_DEVICE", device);
    apiKey = env.getOrDefault("CAUSALREC_API_KEY", apiKey);
    return new Config(host, port, dataDir, pgUrl, device, apiKey, types, maxEvents, maxBody, sc, mc, cc, tc,
        new Config.FeedConfig((int) num(feed, "send_buffer_bytes", d.feed().sendBufferBytes())));
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

  private static int envInt(Map<String, String> env, String name, int dflt) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer: " + v);
    }
  }
}
