package org.causalrec.experiment;

import ai.djl.Device;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.causalrec.causal.Propensities;
import org.causalrec.config.EventTypes;
import org.causalrec.data.Feedback;
import org.causalrec.data.Interactions;
import org.causalrec.eval.Auc;
import org.causalrec.eval.RankingMetrics;
import org.causalrec.model.CfModel;
import org.causalrec.model.ExplicitModel;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.model.Objective;
import org.causalrec.model.PairWeights;
import org.causalrec.model.Popularity;
import org.causalrec.model.TopK;
import org.causalrec.store.EventRepository;

/**
 * The random-exposure protocol (Coat, Yahoo!R3, KuaiRec, OBD's random policy): train on
 * the biased log (every event not on the random surface), test on the randomly exposed pairs. A
 * pair is positive when rated at least 4 or, unrated, clicked, carted or bought. A uniformly drawn
 * share of the test pairs (default 5 %) is set aside to estimate propensities and choose epochs,
 * and is not scored. Side by side: popularity and Mult-VAE (naive, ips, snips), trained on the
 * positive feedback; matrix factorisation and an MLP trained on the observed (user, item, label)
 * pairs with naive, ips, snips, dr (DR-JL) and mrdr. Metrics: AUC over all test pairs (so scores
 * must compare across users: the Mult-VAE's as per-user log-softmax, the pair models' as
 * probabilities), NDCG@5 and Recall@5 (hits / positives, the debiasing papers' definition) per
 * user with a positive test pair.
 */
public final class RandomExposureRun {

  /** Ranking depth of the protocol (the debiasing papers' @5). */
  public static final int K = 5;
  /** The score of an item the model has no output for: below any log-probability. */
  static final float UNSCORED = -1e9f;

  private RandomExposureRun() {}

  /**
   * Settings of a run.
   *
   * @param surface the surface of the randomly exposed events
   * @param epochs Mult-VAE epochs
   * @param pairEpochs most epochs of the pair models (the best on the set-aside sample is kept)
   * @param propensity naive-bayes, learned (an exposure model of the log) or popularity
   * @param eta popularity power's exponent
   * @param minPropensity propensities are clipped to at least this
   * @param sampleShare share of the test pairs set aside
   * @param seed split, initialisation and sampling seed
   */
  public record Options(String surface, int epochs, int pairEpochs, String propensity, double eta,
      double minPropensity, double sampleShare, long seed) {
    public Options {
      if (!List.of("naive-bayes", "learned", "popularity").contains(propensity)) {
        throw new IllegalArgumentException("propensity must be naive-bayes, learned or popularity: " + propensity);
      }
      if (!(sampleShare >= 0 && sampleShare < 1)) {
        throw new IllegalArgumentException("the sample share must be in [0, 1): " + sampleShare);
      }
    }

    /** The defaults: naive Bayes propensities from a 5 % random sample, clipped at {@code minPropensity}. */
    public static Options defaults(String surface, int epochs, double eta, double minPropensity, long seed) {
      return new Options(surface, epochs, 100, "naive-bayes", eta, minPropensity, 0.05, seed);
    }
  }

  /** Runs the protocol on the stored events (blocking) and returns the document {@code evaluate --json} prints. */
  public static JsonObject run(EventRepository events, EventTypes types, Options o, Device device,
      Consumer<String> progress) {
    ExplicitLog log = ExplicitLog.load(events, o.surface(), o.sampleShare(), o.seed());
    if (log.test.size() == 0) {
      throw new IllegalArgumentException("every random pair was set aside: lower the sample share");
    }
    float[] propensity = switch (o.propensity()) {
      case "naive-bayes" -> log.naiveBayes();
      case "learned" -> log.learned(4, o.seed());
      default -> log.popularity(o.eta());
    };
    JsonArray results = new JsonArray();
    Consumer<JsonObject> add = r -> {
      results.add(r);
      progress.accept(r.encode());
    };
    Feedback positives = Feedback.load(events, types, e -> !o.surface().equals(e.surface()));
    VaeInputs vae = VaeInputs.of(positives, log.test);
    if (positives.items().size() >= 2) {
      add.accept(row("popularity", "naive", new JsonObject(), log.test, vae.scores(Popularity.fit(positives.matrix()))));
      Map<String, Float> byPair = new HashMap<>();
      for (int k = 0; k < propensity.length; k++) {
        byPair.put(log.observed.userIds()[k] + '\u0000' + log.observed.itemIds()[k], propensity[k]);
      }
      PairWeights inverse = (u, i) -> 1f / (float) Math.max(o.minPropensity(), Math.min(1, byPair.getOrDefault(
          positives.users().id(u) + '\u0000' + positives.items().id(i), 1f)));
      for (Objective obj : List.of(Objective.NAIVE, Objective.IPS, Objective.SNIPS)) {
        MultVaeParams p = MultVaeParams.forData(o.epochs(), positives.users().size(), (int) o.seed());
        try (MultVae m = MultVae.KIND.train(new MultVae.Data(positives.matrix(), obj, obj.debiased() ? inverse : null,
            null), p, device, r -> { })) {
          add.accept(row("mult-vae", obj.wireName(), new JsonObject().put("epochs", o.epochs()), log.test,
              vae.scores(m)));
        }
      }
    }
    for (ExplicitModel.Arch arch : ExplicitModel.Arch.values()) {
      for (Objective obj : Objective.values()) {
        ExplicitModel.Data d = new ExplicitModel.Data(log.users.size(), log.items.size(), log.observed.user(),
            log.observed.item(), log.observed.label(), propensity, (float) o.minPropensity(), obj);
        Fit best = fit(log, d, arch, o);
        add.accept(row(arch.wireName(), obj.wireName(), params(best), log.test,
            best.model().probabilities(log.test.user(), log.test.item())));
        if (obj == Objective.DR && log.sample.size() > 0) {
          Fit cdr = conservative(log, d, best.params());
          add.accept(row(arch.wireName(), "dr+cdr", params(cdr).put("cdr_eta", cdr.params().cdrEta())
                  .put("cdr_kept_share", cdr.model().keptShare()), log.test,
              cdr.model().probabilities(log.test.user(), log.test.item())));
        }
      }
    }
    JsonObject dataset = new JsonObject().put("surface", o.surface()).put("users", log.users.size())
        .put("items", log.items.size()).put("observed_pairs", log.observed.size())
        .put("observed_positive_share", share(log.observed.label())).put("test_pairs", log.test.size())
        .put("test_positive_share", share(log.test.label())).put("set_aside_pairs", log.sample.size())
        .put("mult_vae_users_without_history", vae.coldUsers)
        .put("mult_vae_pairs_of_unseen_items", vae.unknownItems);
    JsonObject prop = new JsonObject().put("source", o.propensity()).put("min", o.minPropensity())
        .put("clipped_share", Propensities.clippedShare(propensity, o.minPropensity()));
    if (o.propensity().equals("popularity")) {
      prop.put("eta", o.eta());
    }
    return new JsonObject().put("protocol", "random-exposure").put("dataset", dataset).put("propensity", prop)
        .put("recall", "hits in the top 5 / the user's test positives").put("seed", o.seed()).put("results", results);
  }

  /** L2 penalties tried for every pair model; the one with the best AUC on the set-aside sample is kept. */
  static final float[] L2_GRID = {1e-4f, 1e-3f, 1e-2f};

  record Fit(ExplicitModel model, ExplicitModel.Params params, double validation) {}

  /**
   * Trains {@code d} with each L2 of the grid, each stopped at its best epoch on the set-aside
   * sample's AUC, and keeps the best; without a sample, the default L2 and every epoch.
   */
  static Fit fit(ExplicitLog log, ExplicitModel.Data d, ExplicitModel.Arch arch, Options o) {
    ExplicitModel.Params defaults = ExplicitModel.Params.defaults(arch, o.pairEpochs(), o.seed());
    if (log.sample.size() == 0) {
      return new Fit(ExplicitModel.train(d, defaults, null), defaults, Double.NaN);
    }
    return best(log, d, IntStream.range(0, L2_GRID.length).mapToObj(k -> defaults.withL2(L2_GRID[k])).toList());
  }

  /** The conservative filter's thresholds tried (a subset of CDR's grid). */
  static final double[] CDR_ETA_GRID = {0.01, 0.03, 0.1, 0.3, 1};

  /**
   * DR-JL with the conservative filter (CDR) at each η of the grid, at the L2 plain DR-JL chose,
   * each stopped at its best epoch on the set-aside sample's AUC; the best is kept.
   */
  static Fit conservative(ExplicitLog log, ExplicitModel.Data d, ExplicitModel.Params dr) {
    return best(log, d, Arrays.stream(CDR_ETA_GRID).mapToObj(dr::withCdr).toList());
  }

  /** Trains {@code d} with each of {@code candidates}, each stopped at its best epoch on the set-aside AUC; keeps the best. */
  private static Fit best(ExplicitLog log, ExplicitModel.Data d, List<ExplicitModel.Params> candidates) {
    java.util.function.ToDoubleFunction<ExplicitModel> validate =
        x -> Auc.of(x.probabilities(log.sample.user(), log.sample.item()), log.sample.label());
    Fit best = null;
    for (ExplicitModel.Params p : candidates) {
      ExplicitModel m = ExplicitModel.train(d, p, validate);
      if (best == null || m.bestScore() > best.validation()) {
        best = new Fit(m, p, m.bestScore());
      }
    }
    return best;
  }

  /** A pair model's settings as a result row reports them. */
  private static JsonObject params(Fit fit) {
    ExplicitModel.Params p = fit.params();
    JsonObject params = new JsonObject().put("dim", p.dim()).put("learning_rate", p.learningRate())
        .put("l2", p.l2()).put("batch", p.batchSize()).put("epochs", fit.model().bestEpoch());
    if (p.arch() == ExplicitModel.Arch.MLP) {
      params.put("hidden", p.hidden());
    }
    return params;
  }

  private static double share(boolean[] labels) {
    int n = 0;
    for (boolean b : labels) {
      n += b ? 1 : 0;
    }
    return labels.length == 0 ? Double.NaN : n / (double) labels.length;
  }

  /** One result row: the protocol's metrics of {@code scores}, one per test pair. */
  static JsonObject row(String model, String objective, JsonObject params, ExplicitLog.Pairs test, float[] scores) {
    Map<String, List<Integer>> byUser = new LinkedHashMap<>();
    for (int k = 0; k < test.size(); k++) {
      byUser.computeIfAbsent(test.userIds()[k], u -> new ArrayList<>()).add(k);
    }
    double ndcg = 0;
    double recall = 0;
    int users = 0;
    for (List<Integer> pairs : byUser.values()) {
      float[] mine = new float[pairs.size()];
      Set<Integer> positives = new HashSet<>();
      for (int j = 0; j < mine.length; j++) {
        mine[j] = scores[pairs.get(j)];
        if (test.label()[pairs.get(j)]) {
          positives.add(j);
        }
      }
      if (!positives.isEmpty()) {
        int[] ranked = TopK.of(mine, mine.length, null);
        ndcg += RankingMetrics.ndcg(ranked, positives, K);
        recall += RankingMetrics.recallOfAll(ranked, positives, K);
        users++;
      }
    }
    JsonObject metrics = new JsonObject().put("auc", Auc.of(scores, test.label()))
        .put("ndcg@5", users == 0 ? Double.NaN : ndcg / users).put("recall@5", users == 0 ? Double.NaN : recall / users);
    return new JsonObject().put("model", model).put("objective", objective).put("params", params)
        .put("metrics", metrics).put("users", users);
  }

  /** The Mult-VAE's and popularity's view of the test: each test user's positive feedback, and the test pairs' columns. */
  private static final class VaeInputs {
    final Interactions history;
    final int[] row;
    final int[] column;
    int coldUsers;
    int unknownItems;

    private VaeInputs(Interactions history, int[] row, int[] column) {
      this.history = history;
      this.row = row;
      this.column = column;
    }

    static VaeInputs of(Feedback train, ExplicitLog.Pairs test) {
      Map<String, Integer> rows = new LinkedHashMap<>();
      for (String u : test.userIds()) {
        rows.putIfAbsent(u, rows.size());
      }
      Interactions.Builder b = new Interactions.Builder(rows.size(), train.items().size());
      int cold = 0;
      for (Map.Entry<String, Integer> u : rows.entrySet()) {
        int r = train.users().indexOf(u.getKey());
        if (r < 0) {
          cold++;
          continue;
        }
        int[] cols = train.matrix().row(r);
        float[] w = train.matrix().rowWeights(r);
        for (int k = 0; k < cols.length; k++) {
          b.add(u.getValue(), cols[k], w[k]);
        }
      }
      int[] row = new int[test.size()];
      int[] column = new int[test.size()];
      int unknown = 0;
      for (int k = 0; k < row.length; k++) {
        row[k] = rows.get(test.userIds()[k]);
        column[k] = train.items().indexOf(test.itemIds()[k]);
        unknown += column[k] < 0 ? 1 : 0;
      }
      VaeInputs v = new VaeInputs(b.build(), row, column);
      v.coldUsers = cold;
      v.unknownItems = unknown;
      return v;
    }

    /** Each test pair's per-user log-softmax score (comparable across users); unseen items score lowest. */
    float[] scores(CfModel model) {
      float[][] s = model.score(history, 0, history.users());
      for (int r = 0; r < s.length; r++) {
        s[r] = logSoftmax(s[r]);
      }
      float[] out = new float[row.length];
      for (int k = 0; k < out.length; k++) {
        out[k] = column[k] < 0 ? UNSCORED : s[row[k]][column[k]];
      }
      return out;
    }
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
    StringBuilder b = new StringBuilder("| model | objective | AUC | NDCG@5 | Recall@5 | users |\n"
        + "|---|---|---|---|---|---|\n");
    for (Object x : run.getJsonArray("results")) {
      JsonObject r = (JsonObject) x;
      JsonObject m = r.getJsonObject("metrics");
      b.append(String.format(Locale.ROOT, "| %s | %s | %.4f | %.4f | %.4f | %d |%n", r.getString("model"),
          r.getString("objective"), m.getDouble("auc"), m.getDouble("ndcg@5"), m.getDouble("recall@5"),
          r.getInteger("users")));
    }
    return b.toString();
  }
}
