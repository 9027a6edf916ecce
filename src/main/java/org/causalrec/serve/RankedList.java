package org.causalrec.serve;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * A user's candidates as computed once: the first stage's best items (the Mult-VAE's, with the text
 * neighbours' new items), each with the second stage's calibrated click probability when a click
 * model serves. It stays current, and is served from the cache, while the user's features, the
 * serving versions, the catalogue, the cold-start table and the hour are the ones it was computed
 * under. Thread-safe: its lazily made parts are idempotent.
 */
final class RankedList {

  /**
   * What a list was computed under: equal validity, equal list.
   *
   * @param stamp the user's feature stamp
   * @param modelVersion the Mult-VAE version
   * @param clickVersion the click model version, or null
   * @param catalogue the catalogue's version
   * @param coldTable the cold-start table (compared by identity), or null
   * @param hour the hour of day of the probabilities
   */
  record Validity(long stamp, String modelVersion, String clickVersion, long catalogue, Object coldTable, int hour) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Validity v && v.stamp == stamp && v.modelVersion.equals(modelVersion)
          && Objects.equals(v.clickVersion, clickVersion) && v.catalogue == catalogue
          && v.coldTable == coldTable && v.hour == hour;
    }

    @Override
    public int hashCode() {
      return Objects.hash(stamp, modelVersion, clickVersion, catalogue, System.identityHashCode(coldTable), hour);
    }
  }

  /**
   * One candidate.
   *
   * @param id item id
   * @param title its title, or null
   * @param score the first stage's score
   * @param probability calibrated P(click | shown at the top position), NaN without a click model
   * @param scoredBy mult-vae, mult-vae+text or text (a new item scored from its text neighbours)
   */
  record Candidate(String id, String title, float score, float probability, String scoredBy) {}

  private final Validity validity;
  private final List<String> history;
  private final List<Candidate> candidates;
  private final String clickVersion;
  private final AtomicReferenceArray<JsonObject> rendered;
  private volatile int[] byProbability;
  /** Encoded answers to plain requests, by their shape (objective and n). */
  private final java.util.concurrent.ConcurrentHashMap<String, io.vertx.core.buffer.Buffer> encoded =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param history the user's history it was computed from (for reasons)
   * @param candidates by descending first-stage score
   * @param clickVersion the click model that computed the probabilities, or null for none
   */
  RankedList(Validity validity, List<String> history, List<Candidate> candidates, String clickVersion) {
    this.validity = validity;
    this.history = history;
    this.candidates = candidates;
    this.clickVersion = clickVersion;
    this.rendered = new AtomicReferenceArray<>(candidates.size());
  }

  Validity validity() {
    return validity;
  }

  List<String> history() {
    return history;
  }

  String clickVersion() {
    return clickVersion;
  }

  /** Whether the candidates carry click probabilities. */
  boolean hasProbabilities() {
    return clickVersion != null;
  }

  /**
   * Candidate {@code k} as the response shows it, made by {@code render} once and kept, so a cached
   * list's answers cost no second reason search. Never modified once made (answers share it).
   */
  JsonObject rendered(int k, Function<Candidate, JsonObject> render) {
    JsonObject o = rendered.get(k);
    if (o == null) {
      o = render.apply(candidates.get(k));
      rendered.set(k, o);
    }
    return o;
  }

  /** The encoded answer kept for requests of this shape, or null. */
  io.vertx.core.buffer.Buffer encoded(String shape) {
    return encoded.get(shape);
  }

  /** Keeps {@code body} as the answer to requests of this shape (a few shapes at most); returns it. */
  io.vertx.core.buffer.Buffer encoded(String shape, io.vertx.core.buffer.Buffer body) {
    if (encoded.size() < MAX_SHAPES) {
      encoded.putIfAbsent(shape, body);
    }
    return body;
  }

  private static final int MAX_SHAPES = 8;

  /**
   * The indexes of the candidates in {@code objective}'s order (relevance: the first stage's score;
   * click: the probability), without {@code exclude}d ones and, when {@code minProbability} is set,
   * those below it; {@code n} at most.
   */
  List<Integer> select(String objective, Set<String> exclude, Double minProbability, int n) {
    List<Integer> kept = new ArrayList<>();
    int[] order = objective.equals("click") ? byProbability() : null;
    // compared in float, the precision the answer shows: a client that passes back a probability it
    // read keeps that item (a float widened to double can fall below the decimal it prints as)
    float min = minProbability == null ? 0f : minProbability.floatValue();
    for (int j = 0; j < candidates.size() && kept.size() < n; j++) {
      int k = order == null ? j : order[j];
      Candidate c = candidates.get(k);
      if (!exclude.contains(c.id()) && (minProbability == null || c.probability() >= min)) {
        kept.add(k);
      }
    }
    return kept;
  }

  /** Candidate indexes by descending probability (ties: first-stage order), computed once. */
  private int[] byProbability() {
    int[] o = byProbability;
    if (o == null) {
      Integer[] idx = new Integer[candidates.size()];
      for (int k = 0; k < idx.length; k++) {
        idx[k] = k;
      }
      Arrays.sort(idx, Comparator.comparingDouble((Integer k) -> candidates.get(k).probability()).reversed());
      o = Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
      byProbability = o;
    }
    return o;
  }
}
