package org.causalrec.experiment;

import org.causalrec.eval.Auc;
import org.causalrec.eval.RankingMetrics;
import org.causalrec.model.TopK;
import ai.djl.Device;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.causalrec.store.Event;
import java.util.Set;
import java.util.function.Consumer;
import org.causalrec.causal.Propensities;
import org.causalrec.config.EventTypes;
import org.causalrec.data.Feedback;
import org.causalrec.data.Interactions;
import org.causalrec.model.CfModel;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.model.Objective;
import org.causalrec.model.PairWeights;
import org.causalrec.model.Popularity;
import org.causalrec.store.EventRepository;

/**
 * The random-exposure protocol (CAUSAL.md; Coat, Yahoo!R3, KuaiRec, OBD's random policy): train on
 * the biased log (every event not on the random surface), test on the randomly exposed pairs (the
 * random surface's ratings and impressions). A test pair is positive when rated at least 4 or
 * clicked, carted or bought. AUC over all test pairs (models' scores as per-user log-softmax so
 * they compare across users), NDCG@5 and Recall@5 per user over that user's test items (users
 * with a positive test pair), for
 * popularity and every Mult-VAE objective side by side. A randomly exposed pair the user also has in
 * the biased log (e.g. bought organically in another session) is left out of the test: the users
 * are folded in from that log, so its label would be an input.
 */
public final class RandomExposureRun {

  /** Ranking depth of the protocol (the debiasing papers' @5). */
  public static final int K = 5;
  /** The score of an item the model has no output for: below any log-probability. */
  static final float UNSCORED = -1e9f;

  private RandomExposureRun() {}

  /**
   * One model's result.
   *
   * @param model model and objective
   * @param auc AUC over all test pairs
   * @param ndcg NDCG@5, mean over users with a positive test pair
   * @param recall Recall@5, same users
   * @param users users scored
   */
  public record Result(String model, double auc, double ndcg, double recall, int users) {
    JsonObject toJson() {
      return new JsonObject().put("model", model).put("auc", auc).put("ndcg@5", ndcg).put("recall@5", recall)
          .put("users", users);
    }
  }

  /** Test pairs of the random surface: per user id, item id to label. */
  static Map<String, Map<String, Boolean>> testPairs(EventRepository events, String surface) {
    Map<String, Map<String, Boolean>> out = new HashMap<>();
    events.forEachBlocking(e -> addTestPair(out, e, surface));
    return out;
  }

  /** As {@link #testPairs(EventRepository, String)}, over events held in memory. */
  static Map<String, Map<String, Boolean>> testPairs(Iterable<Event> events, String surface) {
    Map<String, Map<String, Boolean>> out = new HashMap<>();
    events.forEach(e -> addTestPair(out, e, surface));
    return out;
  }

  /** The test pairs whose user does not have the item in {@code train} (users without any item are dropped). */
  static Map<String, Map<String, Boolean>> unseen(Map<String, Map<String, Boolean>> test, Feedback train) {
    Map<String, Map<String, Boolean>> out = new HashMap<>();
    for (Map.Entry<String, Map<String, Boolean>> u : test.entrySet()) {
      int row = train.users().indexOf(u.getKey());
      Set<Integer> had = new HashSet<>();
      if (row >= 0) {
        for (int c : train.matrix().row(row)) {
          had.add(c);
        }
      }
      Map<String, Boolean> left = new HashMap<>();
      u.getValue().forEach((item, label) -> {
        if (!had.contains(train.items().indexOf(item))) {
          left.put(item, label);
        }
      });
      if (!left.isEmpty()) {
        out.put(u.getKey(), left);
      }
    }
    return out;
  }

  /** The events the models train on (and users are folded in from): every event not on the random surface. */
  static Predicate<Event> biased(String surface) {
    return e -> !surface.equals(e.surface());
  }

  private static void addTestPair(Map<String, Map<String, Boolean>> out, Event e, String surface) {
    if (surface.equals(e.surface())) {
      boolean positive = switch (e.type()) {
        case "rating" -> e.value() != null && e.value() >= Feedback.POSITIVE_RATING;
        case "click", "add_to_cart", "purchase" -> true;
        default -> false;
      };
      out.computeIfAbsent(e.userId(), k -> new HashMap<>()).merge(e.itemId(), positive, Boolean::logicalOr);
    }
  }

  /**
   * Runs the protocol on the stored events (blocking): trains popularity and a Mult-VAE per
   * objective (naive; ips and snips with popularity-power propensities, eta {@code eta}, clipped
   * at {@code minPropensity}) on the biased log and scores the test pairs of {@code surface}.
   */
  public static JsonObject run(EventRepository events, EventTypes types, String surface, int epochs, double eta,
      double minPropensity, Device device, long seed, Consumer<String> progress) {
    Feedback train = Feedback.load(events, types, biased(surface));
    Map<String, Map<String, Boolean>> raw = testPairs(events, surface);
    int inTraining = raw.values().stream().mapToInt(Map::size).sum();
    Map<String, Map<String, Boolean>> test = unseen(raw, train);
    inTraining -= test.values().stream().mapToInt(Map::size).sum();
    if (raw.isEmpty()) {
      throw new IllegalArgumentException("no events on surface '" + surface + "': import a randomly exposed test"
          + " set (coat, triples --random-test, obd --random-test, kuairec) first");
    }
    // every test pair counts: a user without positive feedback in the log is scored from an empty
    // history, an item without any ranks last (the model has no output for it)
    List<int[]> items = new ArrayList<>();
    List<boolean[]> labels = new ArrayList<>();
    Interactions.Builder rows = new Interactions.Builder(test.size(), train.items().size());
    int pairs = 0;
    int unknownItems = 0;
    int coldUsers = 0;
    int at = 0;
    for (Map.Entry<String, Map<String, Boolean>> u : test.entrySet()) {
      int row = train.users().indexOf(u.getKey());
      if (row < 0) {
        coldUsers++;
      } else {
        int[] cols = train.matrix().row(row);
        float[] w = train.matrix().rowWeights(row);
        for (int k = 0; k < cols.length; k++) {
          rows.add(at, cols[k], w[k]);
        }
      }
      int[] is = new int[u.getValue().size()];
      boolean[] ls = new boolean[is.length];
      int k = 0;
      for (Map.Entry<String, Boolean> p : u.getValue().entrySet()) {
        is[k] = train.items().indexOf(p.getKey());
        unknownItems += is[k] < 0 ? 1 : 0;
        ls[k++] = p.getValue();
      }
      items.add(is);
      labels.add(ls);
      pairs += is.length;
      at++;
    }
    if (train.items().size() < 2) {
      throw new IllegalArgumentException("the biased log has positive feedback on fewer than 2 items");
    }
    Interactions history = rows.build();
    List<Result> results = new ArrayList<>();
    results.add(score("popularity", Popularity.fit(train.matrix()), history, items, labels));
    double[] pop = Propensities.popularityPower(train.matrix().itemCounts(), eta, minPropensity);
    PairWeights inverse = (u, i) -> (float) (1 / pop[i]);
    for (Objective o : List.of(Objective.NAIVE, Objective.IPS, Objective.SNIPS)) {
      MultVaeParams p = MultVaeParams.forData(epochs, train.users().size(), (int) seed);
      try (MultVae vae = MultVae.KIND.train(new MultVae.Data(train.matrix(), o, o.debiased() ? inverse : null, null),
          p, device, r -> { })) {
        Result r = score("mult-vae " + o.wireName(), vae, history, items, labels);
        results.add(r);
        progress.accept(r.toJson().encode());
      }
    }
    JsonArray out = new JsonArray();
    results.forEach(r -> out.add(r.toJson()));
    return new JsonObject().put("protocol", "random-exposure").put("surface", surface)
        .put("train_users", train.users().size()).put("train_items", train.items().size())
        .put("train_pairs", train.matrix().nnz()).put("test_users", test.size()).put("test_pairs", pairs)
        .put("test_users_without_positive_feedback", coldUsers)
        .put("test_pairs_with_items_without_positive_feedback", unknownItems)
        .put("test_pairs_in_training_left_out", inTraining).put("propensity", "popularity^" + eta)
        .put("epochs", epochs).put("results", out);
  }

  /** The protocol's metrics of one model. */
  static Result score(String name, CfModel model, Interactions history, List<int[]> items, List<boolean[]> labels) {
    float[][] scores = model.score(history, 0, history.users());
    List<Float> all = new ArrayList<>();
    List<Boolean> allLabels = new ArrayList<>();
    double ndcg = 0;
    double recall = 0;
    int users = 0;
    for (int r = 0; r < scores.length; r++) {
      float[] s = logSoftmax(scores[r]);
      int[] is = items.get(r);
      boolean[] ls = labels.get(r);
      float[] mine = new float[is.length];
      Set<Integer> positives = new HashSet<>();
      for (int k = 0; k < is.length; k++) {
        mine[k] = is[k] < 0 ? UNSCORED : s[is[k]];
        all.add(mine[k]);
        allLabels.add(ls[k]);
        if (ls[k]) {
          positives.add(k);
        }
      }
      if (!positives.isEmpty()) {
        int[] ranked = TopK.of(mine, mine.length, null);
        ndcg += RankingMetrics.ndcg(ranked, positives, K);
        recall += RankingMetrics.recall(ranked, positives, K);
        users++;
      }
    }
    float[] flat = new float[all.size()];
    boolean[] flatLabels = new boolean[all.size()];
    for (int k = 0; k < flat.length; k++) {
      flat[k] = all.get(k);
      flatLabels[k] = allLabels.get(k);
    }
    return new Result(name, Auc.of(flat, flatLabels), users == 0 ? Double.NaN : ndcg / users,
        users == 0 ? Double.NaN : recall / users, users);
  }

  private static float[] logSoftmax(float[] x) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : x) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : x) {
      sum += Math.exp(v - max);
    }
    double log = max + Math.log(sum);
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) (x[i] - log);
    }
    return out;
  }

  /** The Markdown table of a run's JSON. */
  public static String table(JsonObject run) {
    StringBuilder b = new StringBuilder("| model | AUC | NDCG@5 | Recall@5 | users |\n|---|---|---|---|---|\n");
    for (Object o : run.getJsonArray("results")) {
      JsonObject r = (JsonObject) o;
      b.append(String.format(java.util.Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %d |%n", r.getString("model"),
          r.getDouble("auc"), r.getDouble("ndcg@5"), r.getDouble("recall@5"), r.getInteger("users")));
    }
    return b.toString();
  }
}
