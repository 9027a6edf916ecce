package org.causalrec.experiment;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.causalrec.causal.OffPolicy;
import org.causalrec.causal.PositionRewardModel;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;

/**
 * Position-aware off-policy evaluation on logged impressions with per-position propensities: the
 * action is (item, position), w_k = pi_e(item_k at pos_k | x_k) /
 * pi_b(item_k at pos_k | x_k), the value is the candidate's expected reward per impression at the
 * positions the log shows, and the reward model of DM and its DR relatives is
 * {@link PositionRewardModel}, fitted on the same impressions. Bootstrap intervals resample
 * sessions (the impressions of one slate are not independent).
 */
final class PositionOpe {

  /**
   * A candidate's item distribution at one position.
   *
   * @param items item indexes in the evaluation's item space ({@link Items})
   * @param probabilities the probability of each, summing to 1
   */
  record Slot(int[] items, double[] probabilities) {

    /** The probability of {@code item} (0 when the slot does not name it). */
    double of(int item) {
      for (int k = 0; k < items.length; k++) {
        if (items[k] == item) {
          return probabilities[k];
        }
      }
      return 0;
    }
  }

  /** A candidate policy: its item distribution at the position of impression {@code row} of the log, for its user. */
  interface Candidate {
    Slot at(int row);
  }

  /** The log's items (their indexes) followed by items only the candidate names. */
  static final class Items {
    private final Map<String, Integer> index = new HashMap<>();

    Items(Impressions log) {
      for (int i = 0; i < log.items().size(); i++) {
        index.put(log.items().ids().get(i), i);
      }
    }

    /** The index of item {@code id}, added when new. */
    int of(String id) {
      return index.computeIfAbsent(id, k -> index.size());
    }

    int size() {
      return index.size();
    }
  }

  private PositionOpe() {}

  /**
   * The impressions to evaluate on: those with a position and a per-position propensity. Refuses a
   * log without any, explaining why slate-level propensities will not do for {@code reward}.
   */
  static int[] rows(Impressions log, String reward) {
    int slate = 0;
    List<Integer> rows = new ArrayList<>();
    for (int k = 0; k < log.size(); k++) {
      if (Float.isNaN(log.propensity()[k]) || log.position()[k] < 0) {
        continue;
      }
      if (log.perPosition()[k]) {
        rows.add(k);
      } else {
        slate++;
      }
    }
    if (rows.isEmpty() && slate > 0) {
      throw new IllegalArgumentException(reward.equals("click")
          ? "reward click depends on the position an item is shown at, so its off-policy estimate needs the"
              + " probability of the (item, position) action; the log's " + slate + " impressions carry only"
              + " slate-level propensities (the probability that the item was anywhere in the slate), which is not"
              + " the probability of showing it at the position it was clicked at. Log per-position propensities"
              + " (context.model_version ending in " + Impressions.PER_POSITION_SUFFIX + ", as import --format"
              + " obd does), or evaluate a model version with --reward conversion"
          : "a per-position policy needs per-position propensities; the log's " + slate + " impressions carry"
              + " only slate-level ones (context.model_version not ending in " + Impressions.PER_POSITION_SUFFIX
              + "): evaluate a model version instead, which uses the slate-level estimator for conversions");
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no logged impression carries a position and a propensity: log"
          + " impressions with context.position and context.propensity to evaluate off-policy");
    }
    return rows.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * Evaluates {@code candidate} on impressions {@code rows} of {@code log} (from {@link #rows}),
   * over {@code items}; the report has the shape of {@code evaluate --ope --json} less the policy.
   */
  static JsonObject run(Impressions log, int[] rows, Items items, Candidate candidate, OpeRun.Settings s) {
    boolean[] hit = s.reward().equals("click") ? log.clicked() : log.converted();
    int n = rows.length;
    int[] item = new int[n];
    int[] position = new int[n];
    double[] reward = new double[n];
    int positions = 0;
    double logged = 0;
    for (int k = 0; k < n; k++) {
      item[k] = log.item()[rows[k]];
      position[k] = log.position()[rows[k]];
      reward[k] = hit[rows[k]] ? 1 : 0;
      positions = Math.max(positions, position[k] + 1);
      logged += reward[k];
    }
    PositionRewardModel q = PositionRewardModel.fit(item, position, reward, null, items.size(), positions);
    Sessions sessions = Sessions.of(log);
    List<OffPolicy.Logged> records = new ArrayList<>(n);
    java.util.Set<Integer> users = new java.util.HashSet<>();
    java.util.Set<Integer> clusters = new java.util.HashSet<>();
    double[][] mass = new double[items.size()][positions]; // sum over the impressions at p of pi_e(i at p)
    int[] atPosition = new int[positions];
    double[] qTargets = new double[n];
    for (int k = 0; k < n; k++) {
      Slot slot = candidate.at(rows[k]);
      double qTarget = 0;
      for (int j = 0; j < slot.items().length; j++) {
        qTarget += slot.probabilities()[j] * q.q(slot.items()[j], position[k]);
        mass[slot.items()[j]][position[k]] += slot.probabilities()[j];
      }
      atPosition[position[k]]++;
      qTargets[k] = qTarget;
      int cluster = sessions.sessionOf()[rows[k]];
      records.add(new OffPolicy.Logged(log.propensity()[rows[k]], Math.min(1, slot.of(item[k])), reward[k],
          q.q(item[k], position[k]), qTarget, cluster));
      users.add(log.user()[rows[k]]);
      clusters.add(cluster);
    }
    OffPolicy.Refit refit = refit(item, position, reward, q, qTargets, mass, atPosition);
    OffPolicy.Report rep = OffPolicy.evaluate(records, refit, s.minPropensity(), s.resamples(), s.seed());
    JsonObject estimates = new JsonObject();
    for (OffPolicy.Estimate e : rep.estimates()) {
      estimates.put(e.estimator(), new JsonObject().put("value", e.value()).put("low", e.low()).put("high", e.high()));
    }
    JsonObject tuning = new JsonObject();
    rep.tuning().forEach((k, v) -> tuning.put(k, Double.isInfinite(v) ? null : v));
    JsonObject dataset = new JsonObject().put("rounds", n).put("sessions", clusters.size()).put("users", users.size())
        .put("positions", positions).put("propensities", "per-position")
        .put("skipped_without_per_position_propensity", log.size() - n);
    return new JsonObject().put("protocol", "ope").put("dataset", dataset).put("reward", s.reward())
        .put("value_unit", s.reward() + "s per impression").put("logging_policy_value", logged / n)
        .put("estimates", estimates).put("tuning", tuning).put("ess", rep.effectiveSampleSize())
        .put("max_weight", rep.maxWeight()).put("clipped", rep.clipped())
        .put("warnings", new JsonArray(new ArrayList<Object>(rep.warnings())))
        .put("reward_model", "per-(item, position) " + s.reward() + " rate shrunk toward a position-based click"
            + " model (position mean times item attractiveness), prior " + (int) PositionRewardModel.PRIOR
            + " impressions")
        .put("bootstrap", new JsonObject().put("unit", "session").put("resamples", s.resamples())
            .put("reward_model", "refitted on each resample"));
  }

  /**
   * The reward model fitted again on a resample: q logged exactly, q target to first order (the
   * change of each (item, position)'s q times the candidate's total probability of it at that
   * position, spread over the impressions at the position), which spares a pass over every
   * candidate distribution per resample.
   */
  private static OffPolicy.Refit refit(int[] item, int[] position, double[] reward, PositionRewardModel q,
      double[] qTargets, double[][] mass, int[] atPosition) {
    int positions = atPosition.length;
    return counts -> {
      PositionRewardModel b = PositionRewardModel.fit(item, position, reward, counts, mass.length, positions);
      double[] shift = new double[positions];
      for (int i = 0; i < mass.length; i++) {
        for (int p = 0; p < positions; p++) {
          if (mass[i][p] != 0) {
            shift[p] += mass[i][p] * (b.q(i, p) - q.q(i, p));
          }
        }
      }
      double[] ql = new double[item.length];
      double[] qt = new double[item.length];
      for (int k = 0; k < item.length; k++) {
        ql[k] = b.q(item[k], position[k]);
        qt[k] = qTargets[k] + shift[position[k]] / atPosition[position[k]];
      }
      return new double[][] {ql, qt};
    };
  }
}
