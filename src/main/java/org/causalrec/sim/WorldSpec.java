package org.causalrec.sim;

import java.util.Locale;

/**
 * The size and shape of a synthetic world.
 *
 * @param name tiny, small, ml20m or custom
 * @param users number of users
 * @param items number of items
 * @param dim dimension of the latent preference space
 * @param sessionsMean mean sessions per user
 * @param slateSize draws of the logging policy per session (distinct items shown are at most this)
 * @param randomShare share of users whose slates are uniformly random (the random-exposure slice)
 * @param browseRate mean organic browsing views per session
 * @param intentStrength gamma of the hidden intent:
 *     each session draws eps ~ N(0, 1), unseen by models, and the user's relevance logit adds
 *     gamma * eps * a_i (a_i an item trait); 0: no hidden intent
 * @param policyIntentStrength gamma_pi: the logging policy's score adds gamma_pi * eps * a_i, so what
 *     is shown and what is liked move together; 0: the policy ignores the intent
 */
public record WorldSpec(String name, int users, int items, int dim, double sessionsMean, int slateSize,
    double randomShare, double browseRate, double intentStrength, double policyIntentStrength) {

  /** A world without hidden intent. */
  public WorldSpec(String name, int users, int items, int dim, double sessionsMean, int slateSize, double randomShare,
      double browseRate) {
    this(name, users, items, dim, sessionsMean, slateSize, randomShare, browseRate, 0, 0);
  }

  /** This world with hidden intent of strength {@code gamma} on relevance and {@code gammaPi} on the logging policy. */
  public WorldSpec withIntent(double gamma, double gammaPi) {
    return new WorldSpec(name, users, items, dim, sessionsMean, slateSize, randomShare, browseRate, gamma, gammaPi);
  }

  /** Whether sessions carry a hidden intent that moves relevance or the logging policy. */
  public boolean hasIntent() {
    return intentStrength != 0 || policyIntentStrength != 0;
  }

  public WorldSpec {
    if (users < 1 || items < 2) {
      throw new IllegalArgumentException("a world needs at least 1 user and 2 items");
    }
    if (dim < 2 || sessionsMean < 1 || slateSize < 1 || slateSize > items) {
      throw new IllegalArgumentException("invalid world shape: dim=" + dim + " sessions=" + sessionsMean
          + " slate=" + slateSize);
    }
    if (randomShare < 0 || randomShare > 1 || browseRate < 0) {
      throw new IllegalArgumentException("randomShare must be in [0,1] and browseRate >= 0");
    }
    if (!Double.isFinite(intentStrength) || !Double.isFinite(policyIntentStrength)) {
      throw new IllegalArgumentException("intent strengths must be finite");
    }
  }

  /** tiny (tests, ~5k events), small (demo, ~2k users x 1k items) or ml20m (136k x 20k, ~10M events). */
  public static WorldSpec named(String size) {
    return switch (size.toLowerCase(Locale.ROOT)) {
      case "tiny" -> new WorldSpec("tiny", 200, 120, 8, 4, 6, 0.10, 1.0);
      case "small" -> new WorldSpec("small", 2_000, 1_000, 16, 6, 10, 0.05, 1.5);
      case "ml20m" -> new WorldSpec("ml20m", 136_000, 20_000, 16, 6, 10, 0.05, 1.5);
      default -> throw new IllegalArgumentException("unknown world size '" + size + "' (tiny, small, ml20m)");
    };
  }
}
