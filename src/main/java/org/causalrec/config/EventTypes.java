package org.causalrec.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The event types the server accepts, each with its implicit-feedback weight. */
public final class EventTypes {

  /** One accepted event type: its weight as implicit feedback, and whether it must carry a value. */
  public record Type(String name, double weight, boolean valueRequired) {
    public Type {
      if (name == null || !name.matches("[a-z][a-z0-9_]{0,63}")) {
        throw new IllegalArgumentException("event type name must match [a-z][a-z0-9_]{0,63}: " + name);
      }
      if (!Double.isFinite(weight)) {
        throw new IllegalArgumentException("event type weight must be finite: " + name);
      }
    }
  }

  private final Map<String, Type> types;

  private EventTypes(Map<String, Type> types) {
    this.types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
  }

  /** The built-in types: impression 0, click 1, add_to_cart 2, purchase 4, rating (value required) 1. */
  public static EventTypes defaults() {
    Map<String, Type> m = new LinkedHashMap<>();
    for (Type t : new Type[] {
        new Type("impression", 0.0, false),
        new Type("click", 1.0, false),
        new Type("add_to_cart", 2.0, false),
        new Type("purchase", 4.0, false),
        new Type("rating", 1.0, true)}) {
      m.put(t.name(), t);
    }
    return new EventTypes(m);
  }

  /** A copy with {@code type} added, or replacing the type of the same name. */
  public EventTypes with(Type type) {
    Map<String, Type> m = new LinkedHashMap<>(types);
    m.put(type.name(), type);
    return new EventTypes(m);
  }

  /** The type of that name, or null when it is not accepted. */
  public Type get(String name) {
    return types.get(name);
  }

  /** Names of all accepted types, in declaration order. */
  public Set<String> names() {
    return types.keySet();
  }

  /** Implicit-feedback weight of a type (0 for types not configured). */
  public double weight(String name) {
    Type t = types.get(name);
    return t == null ? 0.0 : t.weight();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EventTypes other && types.equals(other.types);
  }

  @Override
  public int hashCode() {
    return types.hashCode();
  }

  @Override
  public String toString() {
    return types.values().toString();
  }
}
