package org.causalrec.serve;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A user's candidates as computed once: the first stage's best items (the Mult-VAE's, with the text
 * neighbours' new items), each with the second stage's calibrated click probability when a click
 * model serves. It stays current, and is served from the cache, while the user's features, the
 * serving versions, the catalogue, the cold-start table and the hour are the ones it was computed
 * under.
 *
 * @param validity what it was computed under
 * @param history the user's history it was computed from (for reasons)
 * @param candidates by descending first-stage score
 * @param clickVersion the click model that computed the probabilities, or null for none
 */
record RankedList(Validity validity, List<String> history, List<Candidate> candidates, String clickVersion) {

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
          && java.util.Objects.equals(v.clickVersion, clickVersion) && v.catalogue == catalogue
          && v.coldTable == coldTable && v.hour == hour;
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(stamp, modelVersion, clickVersion, catalogue, System.identityHashCode(coldTable),
          hour);
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

  /** Whether the candidates carry click probabilities. */
  boolean hasProbabilities() {
    return clickVersion != null;
  }

  /**
   * The candidates in {@code objective}'s order (relevance: the first stage's score; click: the
   * probability), without {@code exclude}d ones and, when {@code minProbability} is set, those below it.
   */
  List<Candidate> select(String objective, java.util.Set<String> exclude, Double minProbability, int n) {
    List<Candidate> kept = new ArrayList<>();
    for (Candidate c : candidates) {
      if (!exclude.contains(c.id()) && (minProbability == null || c.probability() >= minProbability)) {
        kept.add(c);
      }
    }
    if (objective.equals("click")) {
      kept.sort(Comparator.comparingDouble((Candidate c) -> c.probability()).reversed());
    }
    return kept.subList(0, Math.min(n, kept.size()));
  }
}
