package org.causalrec.sim;

import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a world's ground truth next to its events: {@code world.json} (shape, seed, formulas),
 * {@code items.tsv} and {@code users.tsv} (latent state); {@code exposures.tsv.gz} is written by
 * {@link SimulationRun}. Any pair's truth can also be recomputed with {@link World#generate}.
 */
final class GroundTruth {

  private GroundTruth() {}

  static void writeWorld(World w, Path dir) throws IOException {
    WorldSpec s = w.spec();
    JsonObject json = new JsonObject()
        .put("size", s.name())
        .put("seed", w.seed())
        .put("users", s.users())
        .put("items", s.items())
        .put("dim", s.dim())
        .put("sessions_mean", s.sessionsMean())
        .put("slate_size", s.slateSize())
        .put("random_exposure_share", s.randomShare())
        .put("browse_rate", s.browseRate())
        .put("intent_strength", s.intentStrength())
        .put("policy_intent_strength", s.policyIntentStrength())
        .put("formulas", new JsonObject()
            .put("relevance", "sigmoid(5*cos(user,item) + 0.5*quality - 3)")
            .put("awareness", "popularity^0.5")
            .put("y0", "organic conversion per session = min(0.5, c * relevance * awareness^4), c: sum_i y0 = "
                + World.ORGANIC_PER_SESSION + " for an average user; organic conversions in a session are"
                + " Poisson(sum_i y0) draws of items in proportion to y0")
            .put("uplift", World.UPLIFT_SCALE + " * relevance * (1 - awareness)")
            .put("y1", "y0 + uplift")
            .put("logging_policy", "softmax_i(log popularity + promoted + 3*(cos + 0.3*noise)), "
                + s.slateSize() + " draws per session; uniform for the explore cohort")
            .put("propensity", "1 - (1 - pi_i)^slate_size")
            .put("hidden_intent", "per session eps ~ N(0,1), unseen by models: the relevance logit adds"
                + " intent_strength * eps * a_i, the logging policy's score policy_intent_strength * eps * a_i"
                + " (a_i ~ N(0,1) per item); exposures.tsv.gz holds each session's relevance and propensity,"
                + " the truth models are scored against is their mean over eps")
            .put("click_on_impression", "the user clicks with examination(position) * relevance,"
                + " examination = (1/(position+1))^0.7, and converts with y1, independently; a click is"
                + " logged (and 'clicked' is 1 in exposures.tsv.gz) when either happens"));
    Files.writeString(dir.resolve("world.json"), json.encodePrettily());
    try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("items.tsv"))) {
      out.write("item_id\tcategory\tpromoted\tpopularity\tquality\tawareness\tvector\n");
      for (int i = 0; i < s.items(); i++) {
        out.write(String.format(Locale.ROOT, "%s\t%s\t%d\t%.6g\t%.6g\t%.6g\t%s\n", World.itemId(i),
            Vocabulary.CATEGORIES.get(w.itemCategory[i]).name(), w.promoted[i] ? 1 : 0, w.popularity[i],
            w.quality[i], w.awareness[i], vector(w.itemVec[i])));
      }
    }
    try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("users.tsv"))) {
      out.write("user_id\thome_category\trandom_exposure\tactivity\tvector\n");
      for (int u = 0; u < s.users(); u++) {
        out.write(String.format(Locale.ROOT, "%s\t%s\t%d\t%.6g\t%s\n", World.userId(u),
            Vocabulary.CATEGORIES.get(w.userHome[u]).name(), w.userRandom[u] ? 1 : 0, w.userActivity[u],
            vector(w.userVec[u])));
      }
    }
  }

  private static String vector(float[] v) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < v.length; k++) {
      if (k > 0) {
        b.append(',');
      }
      b.append(String.format(Locale.ROOT, "%.5f", v[k]));
    }
    return b.toString();
  }
}
