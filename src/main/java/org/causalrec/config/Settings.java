package org.causalrec.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The settings of one load, by dotted key ({@code http.port}): the file's tree flattened, with the
 * environment's {@code CAUSALREC_<SECTION>_<KEY>} over it. Every read declares the key, its
 * default and what it means, so the loader's reads are the one list of keys: what the reference
 * table prints, and what tells an unknown key in a file from a known one.
 */
final class Settings {

  /** A key the loader reads: its dotted name, environment variable, default and meaning. */
  record Key(String name, String env, String type, String dflt, String doc) {}

  /** Keys whose value is a mapping of names chosen by the user: the file's tree stops there. */
  private static final Set<String> MAPPINGS = Set.of("events.types");

  private final Map<String, Object> file = new LinkedHashMap<>();
  private final Map<String, String> env;
  private final Map<String, Key> read = new LinkedHashMap<>();

  Settings(Map<String, Object> tree, Map<String, String> env) {
    this.env = env;
    flatten("", tree);
  }

  /** The variable a key is read from: {@code CAUSALREC_} and the key in capitals, dots as underscores. */
  static String envName(String key) {
    return "CAUSALREC_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  private void flatten(String prefix, Map<String, Object> tree) {
    for (Map.Entry<String, Object> e : tree.entrySet()) {
      String key = prefix + e.getKey();
      if (e.getValue() instanceof Map<?, ?> m && !MAPPINGS.contains(key)) {
        flatten(key + ".", cast(m));
      } else {
        file.put(key, e.getValue());
      }
    }
  }

  /** Keys in the file no read asked for, sorted; empty when every key is known. */
  Set<String> unknownFileKeys() {
    Set<String> unknown = new TreeSet<>(file.keySet());
    unknown.removeAll(read.keySet());
    return unknown;
  }

  /** Variables named like settings ({@code CAUSALREC_...}) that are no setting and not in {@code others}. */
  Set<String> unknownVariables(Set<String> others) {
    Set<String> known = new TreeSet<>(others);
    read.values().forEach(k -> known.add(k.env()));
    Set<String> unknown = new TreeSet<>();
    for (String name : env.keySet()) {
      if (name.startsWith("CAUSALREC_") && !known.contains(name)) {
        unknown.add(name);
      }
    }
    return unknown;
  }

  /** Every key read so far, in the order read. */
  List<Key> keys() {
    return new ArrayList<>(read.values());
  }

  /** The raw value: the variable's when set, else the file's, else null. */
  private Object raw(String key, String type, Object dflt, String doc) {
    String var = envName(key);
    read.putIfAbsent(key, new Key(key, var, type, dflt == null ? "" : display(dflt), doc));
    String v = env.get(var);
    if (v != null) {
      return v;
    }
    return file.get(key);
  }

  private static String display(Object dflt) {
    if (dflt instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString(d.longValue());
    }
    if (dflt instanceof List<?> l) {
      return String.join(",", l.stream().map(String::valueOf).toList());
    }
    return String.valueOf(dflt);
  }

  /** A text setting; blank counts as unset where the default is null. */
  String string(String key, String dflt, String doc) {
    Object o = raw(key, "text", dflt, doc);
    if (o instanceof Map<?, ?> || o instanceof List<?>) {
      throw new IllegalArgumentException(where(key) + " must be a text value");
    }
    return o == null ? dflt : o.toString();
  }

  /** A whole number. */
  long integer(String key, long dflt, String doc) {
    return parsed(key, "integer", dflt, doc, "an integer",
        n -> n.doubleValue() == Math.rint(n.doubleValue()) ? n.longValue() : null, Long::parseLong);
  }

  /** A number. */
  double number(String key, double dflt, String doc) {
    return parsed(key, "number", dflt, doc, "a number", Number::doubleValue, Double::parseDouble);
  }

  /**
   * A value the file may give as a YAML number ({@code fromNumber}, null when it does not fit) and
   * the environment as text ({@code fromText}).
   */
  private <T> T parsed(String key, String type, T dflt, String doc, String what,
      Function<Number, T> fromNumber, Function<String, T> fromText) {
    Object o = raw(key, type, dflt, doc);
    if (o == null) {
      return dflt;
    }
    if (o instanceof Number n) {
      T v = fromNumber.apply(n);
      if (v != null) {
        return v;
      }
    }
    try {
      return fromText.apply(o.toString().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(where(key) + " must be " + what + ": " + o);
    }
  }

  /** true or false. */
  boolean bool(String key, boolean dflt, String doc) {
    Object o = raw(key, "boolean", dflt, doc);
    if (o == null) {
      return dflt;
    }
    if (o instanceof Boolean b) {
      return b;
    }
    String s = o.toString().trim().toLowerCase(Locale.ROOT);
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new IllegalArgumentException(where(key) + " must be true or false: " + o);
  }

  /** A list: a sequence in the file, comma-separated in the variable. */
  List<String> list(String key, List<String> dflt, String doc) {
    Object o = raw(key, "list", dflt, doc);
    if (o == null) {
      return dflt;
    }
    List<String> out = new ArrayList<>();
    if (o instanceof List<?> l) {
      l.forEach(x -> out.add(String.valueOf(x)));
    } else if (o instanceof String s) {
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    } else {
      throw new IllegalArgumentException(where(key) + " must be a list");
    }
    return out;
  }

  /** A mapping of user-chosen names: a mapping in the file, YAML or JSON flow text in the variable. */
  Map<String, Object> mapping(String key, String doc) {
    Object o = raw(key, "mapping", null, doc);
    if (o == null) {
      return Map.of();
    }
    if (o instanceof String s) {
      o = new Yaml(new SafeConstructor(new LoaderOptions())).load(s);
    }
    if (!(o instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(where(key) + " must be a mapping");
    }
    return cast(m);
  }

  /** How an error names a key: the file's key and its variable. */
  static String where(String key) {
    return key + " (" + envName(key) + ")";
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> cast(Object m) {
    return (Map<String, Object>) m;
  }
}
