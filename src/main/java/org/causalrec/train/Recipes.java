package org.causalrec.train;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The trainable model kinds, each registered here once with its recipe. */
final class Recipes {

  private static final Map<String, Recipe> BY_NAME = List.<Recipe>of(new MultVaeRecipe(), new ClickMlpRecipe(),
      new ExposureRecipe(), new UpliftRecipe()).stream()
      .collect(Collectors.toMap(r -> r.kind().name(), r -> r, (a, b) -> a, TreeMap::new));

  private Recipes() {}

  /** The recipe of {@code kind}, or null. */
  static Recipe of(String kind) {
    return BY_NAME.get(kind);
  }

  /** The names of the kinds, sorted. */
  static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }
}
