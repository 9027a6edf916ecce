package org.causalrec.experiment;

import org.causalrec.eval.Correlation;
import org.causalrec.eval.RankingMetrics;
import org.causalrec.model.TopK;
import ai.djl.Device;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.causalrec.causal.ExposureModel;
import org.causalrec.causal.OffPolicy;
import org.causalrec.causal.Propensities;
import org.causalrec.causal.SlateOpe;
import org.causalrec.causal.UpliftModel;
import org.causalrec.config.EventTypes;
import org.causalrec.data.Feedback;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import org.causalrec.model.ClickMlp;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.model.Objective;
import org.causalrec.model.PairModel;
import org.causalrec.model.PairWeights;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.Event;

/**
 * The causal layer measured against a simulated world's ground truth, one seed at a time: learned
 * exposure propensities against the true ones; click MLP and Mult-VAE trained naive and debiased,
 * ranked by NDCG@10 against true relevance over every item; uplift ranking against ranking by
 * conversion probability in true incremental conversions; and off-policy estimates of a
 * candidate policy against its true value. The log is simulated in memory (the same events the
 * ingest path would store).
 */
public final class CausalExperiment {

  /**
   * Settings.
   *
   * @param spec the world's shape
   * @param evalUsers users whose rankings are scored (a seeded sample)
   * @param k ranking depth
   * @param clickEpochs click MLP epochs
   * @param vaeEpochs Mult-VAE epochs
   * @param pairEpochs exposure model epochs
   * @param upliftEpochs uplift model epochs
   * @param minPropensity clipping floor
   * @param parts which measurements to run: propensity, click, vae, uplift, ope
   */
  public record Settings(WorldSpec spec, int evalUsers, int k, int clickEpochs, int vaeEpochs, int pairEpochs,
      int upliftEpochs, double minPropensity, java.util.Set<String> parts) {

    /** Every measurement. */
    public static final java.util.Set<String> ALL = java.util.Set.of("propensity", "click", "vae", "uplift", "ope");

    public Settings {
      if (!ALL.containsAll(parts)) {
        throw new IllegalArgumentException("parts must be among " + ALL);
      }
    }
  }

  /** Metric name to value, in insertion order, for one seed. */
  public record SeedResult(long seed, Map<String, Double> metrics, JsonObject detail) {}

  /** Temperatures of the candidate policies evaluated off-policy (softmax over Mult-VAE scores). */
  static final double[] OPE_TEMPERATURES = {4.0, 2.0};
  /** Logging propensities below this are "rarely shown": the log holds few or none of those actions. */
  static final double RARE_PROPENSITY = 1e-3;
  /** Clipping floor of the logged propensities in off-policy evaluation. */
  static final double OPE_MIN_PROPENSITY = 1e-4;

  private final Settings settings;
  private final Device device;
  private final Consumer<String> progress;

  public CausalExperiment(Settings settings, Device device, Consumer<String> progress) {
    this.settings = settings;
    this.device = device;
    this.progress = progress;
  }

  /** Simulates the world of {@code seed} and measures everything on it. */
  public SeedResult run(long seed) {
    World world = World.generate(settings.spec(), seed);
    Simulator sim = new Simulator(world);
    List<Event> events = new ArrayList<>();
    for (int u = 0; u < world.users(); u++) {
      for (JsonObject e : sim.simulateUser(u).events()) {
        events.add(Simulator.toEvent(e));
      }
    }
    progress.accept("seed " + seed + ": " + events.size() + " events");
    Impressions log = Impressions.of(events);
    Sessions sessions = Sessions.of(log);
    Feedback feedback = Feedback.of(events, EventTypes.defaults());
    WorldTruth truth = new WorldTruth(world, log, feedback);
    int[] evalUsers = sampleUsers(log.users(), seed);

    Map<String, Double> m = new LinkedHashMap<>();
    JsonObject detail = new JsonObject().put("events", events.size()).put("impressions", log.size())
        .put("sessions", sessions.size()).put("users", log.users().size()).put("items", log.items().size());
    PairModel.Params pp = PairModel.Params.defaults(settings.pairEpochs(), (int) seed);
    try (ExposureModel exposure = ExposureModel.KIND.train(new ExposureModel.Data(log, sessions, null), pp, device,
        ExposureModel.logTo(progress))) {
      java.util.Set<String> parts = settings.parts();
      if (parts.contains("propensity")) {
        propensityQuality(exposure, log, sessions, truth, feedback, m, detail);
      }
      if (parts.contains("click")) {
        clickModels(log, sessions, truth, evalUsers, seed, m);
      }
      if (parts.contains("vae")) {
        vaeModels(feedback, truth, periodPropensities(exposure, log, feedback, truth), evalUsers, seed, m);
      }
      if (parts.contains("uplift") || parts.contains("ope")) {
        try (MultVae cf = MultVae.KIND.train(MultVae.Data.naive(feedback.matrix()), MultVaeParams.forData(
                settings.vaeEpochs(), feedback.users().size(), (int) seed), device, r -> { });
            UpliftModel uplift = UpliftModel.KIND.train(new UpliftModel.Data(log, sessions, exposure,
                org.causalrec.causal.CfFeatures.of(cf, feedback, log.users(), log.items()), settings.minPropensity()),
                PairModel.Params.defaults(settings.upliftEpochs(), (int) seed), device, UpliftModel.logTo(progress))) {
          cfRanking(cf, log, feedback, truth, evalUsers, m);
          if (parts.contains("uplift")) {
            upliftRanking(uplift, truth, evalUsers, m);
          }
          if (parts.contains("ope")) {
            offPolicy(uplift, log, sessions, feedback, truth, seed, m, detail);
          }
        }
      }
    }
    return new SeedResult(seed, m, detail);
  }

  private int[] sampleUsers(IdIndex users, long seed) {
    int n = users.size();
    int[] all = new int[n];
    for (int u = 0; u < n; u++) {
      all[u] = u;
    }
    SplittableRandom rng = new SplittableRandom(seed ^ 0xE7A1L);
    for (int k = n - 1; k > 0; k--) {
      int j = rng.nextInt(k + 1);
      int t = all[k];
      all[k] = all[j];
      all[j] = t;
    }
    int[] out = Arrays.copyOf(all, Math.min(n, settings.evalUsers()));
    Arrays.sort(out);
    return out;
  }

  /** Correlation and calibration of the learned propensities, and the popularity fallback's correlation. */
  private void propensityQuality(ExposureModel exposure, Impressions log, Sessions sessions, WorldTruth truth,
      Feedback feedback, Map<String, Double> m, JsonObject detail) {
    ExposureModel.Calibration cal = exposure.calibration(log, sessions);
    int[] counts = new int[log.items().size()];
    for (int i : log.item()) {
      counts[i]++;
    }
    double[] pop = Propensities.popularityPower(counts, 1.0, 1e-6);
    List<double[]> learned = new ArrayList<>();
    List<double[]> popular = new ArrayList<>();
    for (int u = 0; u < log.users().size(); u += Math.max(1, log.users().size() / 300)) {
      double[] trueP = truth.world.propensities(truth.impUser[u]);
      float[] e = exposure.sessionForUser(u);
      for (int i = 0; i < e.length; i++) {
        double t = trueP[truth.impItem[i]];
        learned.add(new double[] {e[i], t});
        popular.add(new double[] {pop[i], t});
      }
    }
    m.put("propensity_pearson", Correlation.pearson(learned, false));
    m.put("propensity_spearman", Correlation.pearson(learned, true));
    m.put("popularity_spearman", Correlation.pearson(popular, true));
    m.put("propensity_ece", cal.expectedCalibrationError());
    JsonArray deciles = new JsonArray();
    for (ExposureModel.Decile d : cal.deciles()) {
      deciles.add(new JsonObject().put("decile", d.decile()).put("predicted", d.predicted()).put("observed", d.observed()));
    }
    detail.put("calibration", deciles).put("calibration_sessions", cal.sessions());
  }

  /** Click MLP naive, ips, snips and dr on the logged propensities; NDCG@k on true relevance. */
  private void clickModels(Impressions log, Sessions sessions, WorldTruth truth, int[] evalUsers, long seed,
      Map<String, Double> m) {
    float[] logged = log.propensity();
    Sessions.Unshown unshown = sessions.unshown(log, 10, seed);
    int home = Math.max(0, log.surfaces().indexOf("home"));
    for (Objective o : Objective.values()) {
      ClickMlp.Params p = new ClickMlp.Params(32, 256, 1e-3f, 1024, settings.clickEpochs(), (int) seed);
      ClickMlp.Debiasing d = new ClickMlp.Debiasing(o, logged, (float) settings.minPropensity(),
          o == Objective.DR ? unshown.pairs() : null, o == Objective.DR ? unshown.weight() : null);
      long t0 = System.nanoTime();
      try (ClickMlp mlp = ClickMlp.KIND.train(new ClickMlp.Data(log, null, d), p, device,
          r -> progress.accept("click " + o.wireName() + " epoch " + r.epoch() + " loss " + r.loss()))) {
        double sum = 0;
        double rho = 0;
        int n = 0;
        for (int u : evalUsers) {
          float[] s = mlp.predict(allItems(log, u, home));
          double[] rel = truth.relevance(truth.impUser[u]);
          double v = RankingMetrics.ndcgGraded(truth.rankWorldItems(s, truth.impItem), rel, settings.k());
          if (!Double.isNaN(v)) {
            sum += v;
            rho += Correlation.spearman(s, truth.impItem, rel);
            n++;
          }
        }
        m.put("click_" + o.wireName() + "_ndcg@" + settings.k(), sum / n);
        m.put("click_" + o.wireName() + "_spearman", rho / n);
        progress.accept(String.format(java.util.Locale.ROOT, "click %s NDCG@%d %.4f (%.0f s)", o.wireName(),
            settings.k(), sum / n, (System.nanoTime() - t0) / 1e9));
      }
    }
  }

  /** Rows for user u and every item at the top position of the home surface, after all of u's history. */
  static Impressions allItems(Impressions log, int u, int surface) {
    int n = log.items().size();
    int[] us = new int[n];
    int[] is = new int[n];
    int[] zeros = new int[n];
    int[] surfaces = new int[n];
    long[] time = new long[n];
    float[] nan = new float[n];
    Arrays.fill(us, u);
    Arrays.fill(surfaces, surface);
    Arrays.fill(time, Long.MAX_VALUE / 2);
    Arrays.fill(nan, Float.NaN);
    for (int i = 0; i < n; i++) {
      is[i] = i;
    }
    return new Impressions(log.users(), log.items(), log.surfaces(), us, is, zeros, surfaces, new int[n], time,
        new boolean[n], new boolean[n], nan, log.history(), log.historyTime(), log.purchases(), log.purchaseTime());
  }

  /** The learned exposure over each user's whole log, in the feedback's indexes. */
  private float[][] periodPropensities(ExposureModel exposure, Impressions log, Feedback feedback, WorldTruth truth) {
    float[][] out = new float[feedback.users().size()][];
    int[] itemToImp = new int[feedback.items().size()];
    for (int i = 0; i < itemToImp.length; i++) {
      itemToImp[i] = log.items().indexOf(feedback.items().id(i));
    }
    for (int u = 0; u < out.length; u++) {
      int iu = log.users().indexOf(feedback.users().id(u));
      float[] e = iu < 0 ? null : exposure.periodForUser(iu);
      out[u] = new float[itemToImp.length];
      for (int i = 0; i < itemToImp.length; i++) {
        out[u][i] = e == null || itemToImp[i] < 0 ? 0f : e[itemToImp[i]];
      }
    }
    return out;
  }

  /** Mult-VAE naive and debiased (learned and popularity propensities); NDCG@k on true relevance. */
  private void vaeModels(Feedback feedback, WorldTruth truth, float[][] period, int[] evalImpUsers, long seed,
      Map<String, Double> m) {
    int[] counts = feedback.matrix().itemCounts();
    double[] pop = Propensities.popularityPower(counts, 0.5, 1e-6);
    double floor = settings.minPropensity();
    // the learned propensity is that of the recommendation channel: it weighs feedback on items a
    // slate showed the user; feedback that came through other channels keeps weight 1
    java.util.BitSet[] shown = new java.util.BitSet[feedback.users().size()];
    int[] logToFbItem = new int[truth.log.items().size()];
    for (int i = 0; i < logToFbItem.length; i++) {
      logToFbItem[i] = feedback.items().indexOf(truth.log.items().id(i));
    }
    int[] logToFbUser = new int[truth.log.users().size()];
    for (int u = 0; u < logToFbUser.length; u++) {
      logToFbUser[u] = feedback.users().indexOf(truth.log.users().id(u));
    }
    for (int r = 0; r < truth.log.size(); r++) {
      int fu = logToFbUser[truth.log.user()[r]];
      int fi = logToFbItem[truth.log.item()[r]];
      if (fu >= 0 && fi >= 0) {
        (shown[fu] == null ? shown[fu] = new java.util.BitSet() : shown[fu]).set(fi);
      }
    }
    PairWeights learned = (u, i) -> shown[u] != null && shown[u].get(i)
        ? 1f / (float) Math.max(floor, period[u][i]) : 1f;
    PairWeights popular = (u, i) -> 1f / (float) Math.max(floor, pop[i]);
    record Variant(String name, Objective objective, PairWeights weights) {}
    List<Variant> variants = List.of(new Variant("naive", Objective.NAIVE, null),
        new Variant("ips", Objective.IPS, learned), new Variant("snips", Objective.SNIPS, learned),
        new Variant("ips_popularity", Objective.IPS, popular), new Variant("snips_popularity", Objective.SNIPS, popular));
    int[] rows = Arrays.stream(evalImpUsers).map(u -> feedback.users().indexOf(truth.log.users().id(u)))
        .filter(u -> u >= 0).toArray();
    var history = feedback.matrix().selectRows(rows);
    for (Variant v : variants) {
      MultVaeParams p = MultVaeParams.forData(settings.vaeEpochs(), feedback.users().size(), (int) seed);
      long t0 = System.nanoTime();
      try (MultVae vae = MultVae.KIND.train(new MultVae.Data(feedback.matrix(), v.objective(), v.weights(), null), p,
          device, r -> { })) {
        float[][] scores = vae.score(history, 0, rows.length);
        double sum = 0;
        double rho = 0;
        int n = 0;
        for (int r = 0; r < rows.length; r++) {
          double[] rel = truth.relevance(truth.fbUser[rows[r]]);
          double x = RankingMetrics.ndcgGraded(truth.rankWorldItems(scores[r], truth.fbItem), rel, settings.k());
          if (!Double.isNaN(x)) {
            sum += x;
            rho += Correlation.spearman(scores[r], truth.fbItem, rel);
            n++;
          }
        }
        m.put("vae_" + v.name() + "_ndcg@" + settings.k(), sum / n);
        m.put("vae_" + v.name() + "_spearman", rho / n);
        progress.accept(String.format(java.util.Locale.ROOT, "mult-vae %s NDCG@%d %.4f (%.0f s)", v.name(),
            settings.k(), sum / n, (System.nanoTime() - t0) / 1e9));
      }
    }
  }

  /** True incremental conversions per 1,000 recommendations of the collaborative model's top k. */
  private void cfRanking(MultVae cf, Impressions log, Feedback feedback, WorldTruth truth, int[] evalUsers,
      Map<String, Double> m) {
    double sum = 0;
    for (int u : evalUsers) {
      int fu = feedback.users().indexOf(log.users().id(u));
      if (fu < 0) {
        continue;
      }
      float[] s = cf.score(feedback.matrix(), fu, fu + 1)[0];
      int wu = truth.impUser[u];
      for (int i : TopK.of(s, settings.k(), null)) {
        sum += truth.world.uplift(wu, truth.fbItem[i]);
      }
    }
    m.put("incremental_per_1000_cf", sum / (evalUsers.length * (double) settings.k() / 1000.0));
  }

  /** True incremental conversions per 1,000 recommendations of the top k by uplift, by P(convert | recommended), at random and by true uplift. */
  private void upliftRanking(UpliftModel uplift, WorldTruth truth, int[] evalUsers, Map<String, Double> m) {
    double byUplift = 0;
    double byProbability = 0;
    double byTruth = 0;
    double atRandom = 0;
    List<double[]> pairs = new ArrayList<>();
    List<double[]> treatedPairs = new ArrayList<>();
    List<double[]> controlPairs = new ArrayList<>();
    for (int u : evalUsers) {
      int wu = truth.impUser[u];
      UpliftModel.Estimate[] est = uplift.forUser(u);
      float[] tau = new float[est.length];
      float[] treated = new float[est.length];
      double[] trueTau = new double[est.length];
      for (int i = 0; i < est.length; i++) {
        tau[i] = (float) est[i].uplift();
        treated[i] = (float) est[i].treated();
        trueTau[i] = truth.world.uplift(wu, truth.impItem[i]);
        pairs.add(new double[] {tau[i], trueTau[i]});
        double y0 = truth.world.organicConversion(wu, truth.impItem[i]);
        treatedPairs.add(new double[] {treated[i], y0 + trueTau[i]});
        controlPairs.add(new double[] {est[i].control(), y0});
        atRandom += trueTau[i] / est.length * settings.k();
      }
      byUplift += sumAt(TopK.of(tau, settings.k(), null), trueTau);
      byProbability += sumAt(TopK.of(treated, settings.k(), null), trueTau);
      float[] t = new float[trueTau.length];
      for (int i = 0; i < t.length; i++) {
        t[i] = (float) trueTau[i];
      }
      byTruth += sumAt(TopK.of(t, settings.k(), null), trueTau);
    }
    double recs = evalUsers.length * (double) settings.k() / 1000.0;
    m.put("incremental_per_1000_uplift", byUplift / recs);
    m.put("incremental_per_1000_probability", byProbability / recs);
    m.put("incremental_per_1000_random", atRandom / recs);
    m.put("incremental_per_1000_oracle", byTruth / recs);
    m.put("uplift_spearman", Correlation.pearson(pairs, true));
    m.put("treated_spearman", Correlation.pearson(treatedPairs, true));
    m.put("control_spearman", Correlation.pearson(controlPairs, true));
  }

  private static double sumAt(int[] top, double[] values) {
    double s = 0;
    for (int i : top) {
      s += values[i];
    }
    return s;
  }

  /**
   * Candidate policies (softmax over a naive Mult-VAE's scores at several temperatures, drawn as
   * many times per session as the logging policy) evaluated on the logged sessions; the true value
   * (expected conversions from recommended items per session) comes from the world.
   */
  private void offPolicy(UpliftModel uplift, Impressions log, Sessions sessions, Feedback feedback, WorldTruth truth,
      long seed, Map<String, Double> m, JsonObject detail) {
    MultVaeParams p = MultVaeParams.forData(settings.vaeEpochs(), feedback.users().size(), (int) seed);
    int slate = settings.spec().slateSize();
    int items = log.items().size();
    int[] impToFb = new int[items];
    for (int i = 0; i < items; i++) {
      impToFb[i] = feedback.items().indexOf(log.items().id(i));
    }
    try (MultVae vae = MultVae.KIND.train(MultVae.Data.naive(feedback.matrix()), p, device, r -> { })) {
      JsonArray reports = new JsonArray();
      for (double temperature : OPE_TEMPERATURES) {
        List<SlateOpe.Session> logged = new ArrayList<>();
        double trueValue = 0;
        double rareValue = 0;
        int cachedUser = -1;
        double[] incl = null;
        double[] q = null;
        double direct = 0;
        double size = 0;
        for (int s = 0; s < sessions.size(); s++) {
          int u = sessions.user()[s];
          if (u != cachedUser) {
            cachedUser = u;
            int fu = feedback.users().indexOf(log.users().id(u));
            float[] scores = fu < 0 ? new float[feedback.items().size()]
                : vae.score(feedback.matrix().selectRows(new int[] {fu}), 0, 1)[0];
            incl = OpeRun.inclusion(scores, impToFb, temperature, slate);
            UpliftModel.Estimate[] est = uplift.forUser(u);
            q = new double[items];
            direct = 0;
            size = 0;
            double value = 0;
            double rare = 0;
            double[] logging = truth.world.propensities(truth.impUser[u]);
            for (int i = 0; i < items; i++) {
              q[i] = est[i].treated();
              direct += incl[i] * q[i];
              size += incl[i];
              double y0 = truth.world.organicConversion(truth.impUser[u], truth.impItem[i]);
              double v = incl[i] * (y0 + truth.world.uplift(truth.impUser[u], truth.impItem[i]));
              value += v;
              rare += logging[truth.impItem[i]] < RARE_PROPENSITY ? v : 0;
            }
            trueValue += value * sessions.perUser()[u];
            rareValue += rare * sessions.perUser()[u];
          }
          int[] rows = sessions.rows()[s];
          double[] b = new double[rows.length];
          double[] t = new double[rows.length];
          double[] r = new double[rows.length];
          double[] qs = new double[rows.length];
          for (int k = 0; k < rows.length; k++) {
            int i = log.item()[rows[k]];
            b[k] = log.propensity()[rows[k]];
            t[k] = incl[i];
            r[k] = log.converted()[rows[k]] ? 1 : 0;
            qs[k] = q[i];
          }
          logged.add(new SlateOpe.Session(b, t, r, qs, direct, size));
        }
        trueValue /= sessions.size();
        // logged propensities are the logging policy's own: clip only against numerical accidents
        OffPolicy.Report rep = SlateOpe.evaluate(logged, OPE_MIN_PROPENSITY, 200, seed);
        String key = "ope_t" + (int) temperature;
        m.put(key + "_true", trueValue);
        m.put(key + "_rare_share", rareValue / sessions.size() / trueValue);
        JsonObject jr = new JsonObject().put("temperature", temperature).put("true_value", trueValue)
            .put("ess", rep.effectiveSampleSize()).put("max_weight", rep.maxWeight()).put("warnings", rep.warnings());
        for (OffPolicy.Estimate e : rep.estimates()) {
          m.put(key + "_" + e.estimator() + "_relerr", Math.abs(e.value() - trueValue) / trueValue);
          jr.put(e.estimator(), new JsonObject().put("value", e.value()).put("low", e.low()).put("high", e.high()));
        }
        reports.add(jr);
        progress.accept("OPE at temperature " + temperature + ": " + jr.encode());
      }
      detail.put("ope", reports);
    }
  }

}
