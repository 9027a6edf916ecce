package org.causalrec.experiment;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.causalrec.causal.OffPolicy;
import org.causalrec.causal.PolicyFile;
import org.causalrec.causal.SlateOpe;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.data.Interactions;
import org.causalrec.data.Sessions;
import org.causalrec.model.CfModel;

/**
 * Off-policy evaluation of a candidate policy from the logged impressions. Where the
 * impressions carry per-position propensities (see {@link Impressions#PER_POSITION_SUFFIX}) the
 * action is (item, position) and {@link PositionOpe} estimates the candidate's reward per
 * impression; the candidate is a policy file or a model version ({@link OpeCandidates}). Where
 * they carry only slate-level propensities (the simulator's), only a position-independent reward
 * (conversions) of a model version can be estimated, item-wise ({@link SlateOpe}): the candidate
 * is a softmax over the model's fold-in scores of each user's history before the session, drawn
 * as many times as a logged session shows items, its value the expected conversions per session,
 * with each item's smoothed conversion rate when shown as the reward model. Clicks depend on the
 * position and are refused on such a log.
 */
public final class OpeRun {

  /** Prior strength (in impressions) of the item reward rates toward the overall rate. */
  static final double PRIOR = 10;

  private OpeRun() {}

  /**
   * Settings.
   *
   * @param temperature softmax temperature of a model candidate (larger: closer to uniform); 0 ranks
   *     deterministically (per-position logs only)
   * @param reward conversion or click
   * @param minPropensity clipping floor of the logged propensities
   * @param resamples bootstrap resamples
   * @param seed bootstrap seed
   */
  public record Settings(double temperature, String reward, double minPropensity, int resamples, long seed) {
    public Settings {
      if (!(temperature >= 0) || !(reward.equals("conversion") || reward.equals("click"))
          || !(minPropensity > 0 && minPropensity < 1) || resamples < 10) {
        throw new IllegalArgumentException("temperature >= 0, reward conversion or click, minPropensity in (0, 1),"
            + " resamples >= 10");
      }
    }
  }

  /** Evaluates the policy file {@code policy} (read from {@code name}) on {@code log}. Blocking. */
  public static JsonObject run(Impressions log, PolicyFile policy, String name, Settings s) {
    int[] rows = PositionOpe.rows(log, s.reward());
    PositionOpe.Items items = new PositionOpe.Items(log);
    PositionOpe.Candidate candidate = OpeCandidates.file(policy, log, rows, items);
    JsonObject p = new JsonObject().put("kind", "file").put("file", name)
        .put("form", policy.perUser() ? "per-user" : "context-free");
    return withPolicy(PositionOpe.run(log, rows, items, candidate, s), p);
  }

  /**
   * Evaluates {@code model} (a collaborative model over {@code modelItems}, named {@code version})
   * on {@code log}. Blocking.
   */
  public static JsonObject run(Impressions log, CfModel model, IdIndex modelItems, String version, Settings s) {
    JsonObject p = new JsonObject().put("kind", "model").put("version", version);
    if (hasPerPosition(log)) {
      int[] rows = PositionOpe.rows(log, s.reward());
      PositionOpe.Items items = new PositionOpe.Items(log);
      PositionOpe.Candidate candidate = OpeCandidates.model(model, modelItems, log, rows, items, s.temperature());
      p.put("ranking", s.temperature() == 0 ? "deterministic top-k" : "softmax at every position")
          .put("temperature", s.temperature());
      return withPolicy(PositionOpe.run(log, rows, items, candidate, s), p);
    }
    if (s.reward().equals("click")) {
      PositionOpe.rows(log, s.reward()); // refuses, saying why
    }
    if (s.temperature() == 0) {
      throw new IllegalArgumentException("temperature 0 (a deterministic ranking) needs per-position propensities;"
          + " the log's are slate-level: give a softmax temperature above 0");
    }
    p.put("ranking", "softmax drawn per slate").put("temperature", s.temperature());
    return withPolicy(slate(log, model, modelItems, s), p);
  }

  private static boolean hasPerPosition(Impressions log) {
    for (int k = 0; k < log.size(); k++) {
      if (log.perPosition()[k] && !Float.isNaN(log.propensity()[k]) && log.position()[k] >= 0) {
        return true;
      }
    }
    return false;
  }

  private static JsonObject withPolicy(JsonObject report, JsonObject policy) {
    JsonObject out = new JsonObject().put("protocol", report.getValue("protocol"))
        .put("dataset", report.getValue("dataset")).put("policy", policy);
    report.forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** The report as a Markdown table of the estimates, with the dataset, policy, diagnostics and warnings around it. */
  public static String table(JsonObject report) {
    StringBuilder b = new StringBuilder();
    b.append("policy ").append(report.getJsonObject("policy").encode()).append(", reward ")
        .append(report.getString("reward")).append(" (").append(report.getString("value_unit")).append(")\n")
        .append("dataset ").append(report.getJsonObject("dataset").encode()).append('\n')
        .append(String.format(Locale.ROOT, "logging policy's value %.5f, effective sample size %.1f, largest weight"
            + " %.2f%n%n", report.getDouble("logging_policy_value"), report.getDouble("ess"),
            report.getDouble("max_weight")));
    b.append("| estimator | value | 95% low | 95% high |\n|---|---|---|---|\n");
    JsonObject estimates = report.getJsonObject("estimates");
    for (String name : estimates.fieldNames()) {
      JsonObject e = estimates.getJsonObject(name);
      b.append(String.format(Locale.ROOT, "| %s | %.5f | %.5f | %.5f |%n", name, e.getDouble("value"),
          e.getDouble("low"), e.getDouble("high")));
    }
    if (report.containsKey("tuning")) {
      b.append("\ntuning ").append(report.getJsonObject("tuning").encode()).append('\n');
    }
    report.getJsonArray("warnings").forEach(w -> b.append("warning: ").append(w).append('\n'));
    return b.toString();
  }

  /** Item-wise slate-level estimate of a model's conversions per session. */
  private static JsonObject slate(Impressions log, CfModel model, IdIndex modelItems, Settings s) {
    Sessions sessions = Sessions.of(log);
    int items = log.items().size();
    int[] toModel = log.items().indexesIn(modelItems);
    boolean[] reward = log.converted();
    double[] q = itemRates(log, reward, items);
    List<SlateOpe.Session> logged = new ArrayList<>();
    int skipped = 0;
    int[] sizes = new int[sessions.size()];
    for (int k = 0; k < sessions.size(); k++) {
      sizes[k] = sessions.rows()[k].length;
    }
    int[] sortedSizes = sizes.clone();
    Arrays.sort(sortedSizes);
    int slate = sortedSizes.length == 0 ? 1 : Math.max(1, sortedSizes[sortedSizes.length / 2]);
    double loggedReward = 0;
    for (int k = 0; k < sessions.size(); k++) {
      int[] rows = sessions.rows()[k];
      boolean complete = true;
      for (int r : rows) {
        complete &= !Float.isNaN(log.propensity()[r]);
      }
      if (!complete) {
        skipped++;
        continue;
      }
      float[] scores = scoresBefore(model, modelItems.size(), toModel, log, sessions.user()[k], sessions.start()[k]);
      Candidate candidate = Candidate.of(inclusion(scores, toModel, s.temperature(), slate), q);
      SlateOpe.Session session = candidate.session(log, rows, reward);
      for (double r : session.reward()) {
        loggedReward += r;
      }
      logged.add(session);
    }
    if (logged.isEmpty()) {
      throw new IllegalArgumentException("no logged session carries propensities for all of its impressions: "
          + "log impressions with context.propensity to evaluate off-policy");
    }
    OffPolicy.Report rep = SlateOpe.evaluate(logged, s.minPropensity(), s.resamples(), s.seed());
    JsonObject estimates = new JsonObject();
    for (OffPolicy.Estimate e : rep.estimates()) {
      estimates.put(e.estimator(), new JsonObject().put("value", e.value()).put("low", e.low()).put("high", e.high()));
    }
    JsonObject dataset = new JsonObject().put("rounds", logged.size()).put("sessions", logged.size())
        .put("propensities", "slate-level").put("slate_size", slate)
        .put("sessions_skipped_without_propensities", skipped);
    return new JsonObject().put("protocol", "ope").put("dataset", dataset).put("reward", s.reward())
        .put("value_unit", s.reward() + "s per session")
        .put("logging_policy_value", loggedReward / logged.size())
        .put("estimates", estimates).put("ess", rep.effectiveSampleSize())
        .put("max_weight", rep.maxWeight()).put("clipped", rep.clipped())
        .put("warnings", new JsonArray(new ArrayList<Object>(rep.warnings())))
        .put("reward_model", "per-item reward rate when shown, smoothed toward the overall rate with a prior of "
            + (int) PRIOR + " impressions");
  }

  /**
   * A candidate policy over the log's items: its inclusion probabilities, the reward model q, and
   * the sums DM and DR take of them (the expected reward and the expected slate size).
   */
  record Candidate(double[] inclusion, double[] q, double direct, double size) {

    /** The candidate with these inclusion probabilities and reward model. */
    static Candidate of(double[] inclusion, double[] q) {
      double direct = 0;
      double size = 0;
      for (int i = 0; i < inclusion.length; i++) {
        direct += inclusion[i] * q[i];
        size += inclusion[i];
      }
      return new Candidate(inclusion, q, direct, size);
    }

    /** The logged session of impressions {@code rows} as the estimators see it under this candidate. */
    SlateOpe.Session session(Impressions log, int[] rows, boolean[] reward) {
      double[] b = new double[rows.length];
      double[] t = new double[rows.length];
      double[] r = new double[rows.length];
      double[] qs = new double[rows.length];
      for (int j = 0; j < rows.length; j++) {
        int i = log.item()[rows[j]];
        b[j] = log.propensity()[rows[j]];
        t[j] = inclusion[i];
        r[j] = reward[rows[j]] ? 1 : 0;
        qs[j] = q[i];
      }
      return new SlateOpe.Session(b, t, r, qs, direct, size);
    }
  }

  /** Each item's reward rate when shown, smoothed toward the overall rate. */
  static double[] itemRates(Impressions log, boolean[] reward, int items) {
    double[] hits = new double[items];
    double[] shown = new double[items];
    double all = 0;
    for (int r = 0; r < log.size(); r++) {
      shown[log.item()[r]]++;
      if (reward[r]) {
        hits[log.item()[r]]++;
        all++;
      }
    }
    double overall = log.size() == 0 ? 0 : all / log.size();
    double[] q = new double[items];
    for (int i = 0; i < items; i++) {
      q[i] = (hits[i] + PRIOR * overall) / (shown[i] + PRIOR);
    }
    return q;
  }

  /** The model's fold-in scores of the user's positive items strictly before {@code time}. */
  static float[] scoresBefore(CfModel model, int modelItems, int[] toModel, Impressions log, int user, long time) {
    int end = Impressions.firstAtOrAfter(log.historyTime()[user], time);
    Interactions.Builder b = new Interactions.Builder(1, modelItems);
    java.util.BitSet added = new java.util.BitSet(modelItems);
    for (int k = 0; k < end; k++) {
      int m = toModel[log.history()[user][k]];
      if (m >= 0 && !added.get(m)) {
        added.set(m);
        b.add(0, m, 1f);
      }
    }
    return added.isEmpty() ? new float[modelItems] : model.score(b.build(), 0, 1)[0];
  }

  /** Inclusion probabilities 1 - (1 - pi)^slate of a softmax over scores / temperature, in the log's item indexes. */
  static double[] inclusion(float[] scores, int[] toModel, double temperature, int slate) {
    double[] p = new double[toModel.length];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < p.length; i++) {
      if (toModel[i] >= 0) {
        max = Math.max(max, scores[toModel[i]] / temperature);
      }
    }
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] = toModel[i] < 0 ? 0 : Math.exp(scores[toModel[i]] / temperature - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] = sum == 0 ? 0 : 1 - Math.pow(1 - p[i] / sum, slate);
    }
    return p;
  }
}
