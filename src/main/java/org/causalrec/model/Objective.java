package org.causalrec.model;

import java.util.Locale;

/**
 * How a model weighs logged feedback: as it
 * was logged ({@code naive}), by inverse exposure propensity ({@code ips}), self-normalised
 * ({@code snips}), doubly robust with a jointly learned imputation model ({@code dr}, DR-JL), or
 * doubly robust with the imputation model fitted to minimise the estimator's variance ({@code mrdr}).
 */
public enum Objective {
  NAIVE, IPS, SNIPS, DR, MRDR;

  /** The wire name: naive, ips, snips, dr or mrdr. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name (dr-jl is accepted for dr). */
  public static Objective parse(String s) {
    String k = s.trim().toLowerCase(Locale.ROOT);
    if (k.equals("dr-jl")) {
      return DR;
    }
    for (Objective o : values()) {
      if (o.wireName().equals(k)) {
        return o;
      }
    }
    throw new IllegalArgumentException("unknown objective '" + s + "' (naive, ips, snips, dr, mrdr)");
  }

  /** Whether it needs exposure propensities. */
  public boolean debiased() {
    return this != NAIVE;
  }

  /** Whether it is doubly robust (dr or mrdr): it learns an imputation model over all pairs. */
  public boolean doublyRobust() {
    return this == DR || this == MRDR;
  }
}
