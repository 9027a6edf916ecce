package org.causalrec.causal;

import org.causalrec.core.Poisson;
import ai.djl.Device;
import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import java.io.IOException;
import java.nio.file.Path;
import org.causalrec.model.ModelKind;
import org.causalrec.model.PairModel;
import org.causalrec.model.TrainedModel;
import org.causalrec.model.TrainingLoop;

/**
 * The causal effect of recommending an item (CAUSAL.md, "Causal effect of recommending"): a
 * two-headed {@link PairModel} whose treated head learns P(conversion | recommended) from the
 * items sessions recommended, weighted by 1/e, and whose control head learns P(conversion | not
 * recommended) from the items they did not (organic purchases in the session, and a sample of the
 * rest), weighted by 1/(1 - e): the IPS-weighted two-model estimator in the spirit of Sato et al.
 * (RecSys 2019/2020). tau = treated - control. Conversions are rare, so the model starts from the
 * exposure model's embeddings and learns, in an extra head, whether recommended items were
 * clicked: both carry the user-item affinity the conversion heads need. The heads come in
 * {@link #REPLICAS} pairs, each
 * trained on its own Poisson(1) bootstrap weights of the examples; the estimate is their mean and
 * the interval their 2.5-97.5 % percentiles. One session in ten is held out and the epoch with the
 * lowest loss on it is kept: with few conversions the heads overfit within a few epochs. The interval is (a bootstrap of the output layer: the shared embeddings
 * are fitted once, so the interval is narrower than a full bootstrap's).
 */
public final class UpliftModel implements TrainedModel<PairModel.Pairs, UpliftModel.Estimate[]> {

  /** Bootstrap replicas of the (treated, control) head pair. */
  public static final int REPLICAS = 16;
  /** Heads: clicked (recommended items), then each replica's treated and control. */
  static final int HEADS = 1 + 2 * REPLICAS;
  /** Unrecommended, unpurchased items sampled per session and epoch for the control head. */
  static final int CONTROL_SAMPLES = 20;

  /**
   * One pair's estimate.
   *
   * @param treated P(conversion in a session | recommended)
   * @param control P(conversion in a session | not recommended)
   * @param uplift treated - control
   * @param low 2.5 % percentile of the replicas' uplift
   * @param high 97.5 % percentile of the replicas' uplift
   */
  public record Estimate(double treated, double control, double uplift, double low, double high) {}

  private final PairModel model;
  private final CfFeatures features;
  private final Impressions log;

  private UpliftModel(PairModel model, CfFeatures features, Impressions log) {
    this.model = model;
    this.features = features;
    this.log = log;
  }

  /** The kind: trains on a {@link Data} set, loads a saved model. */
  public static final ModelKind<Data, PairModel.Params, UpliftModel> KIND =
      ModelKind.of("uplift", UpliftModel::train, UpliftModel::load);

  /**
   * What the uplift model learns from: treated examples use the impressions' logged propensity
   * (or {@code exposure}'s where none was logged), control examples {@code exposure}'s; both are
   * clipped to [minPropensity, 1 - minPropensity].
   *
   * @param log the impressions
   * @param sessions the impressions grouped into the logging policy's decisions
   * @param exposure the exposure model of the same log (its embeddings start this model's)
   * @param features collaborative pair features, or null
   * @param minPropensity the propensity floor
   */
  public record Data(Impressions log, Sessions sessions, ExposureModel exposure, CfFeatures features,
      double minPropensity) {}

  private static UpliftModel train(Data data, PairModel.Params p, Device device,
      Consumer<TrainingLoop.Epoch> progress) {
    Impressions log = data.log();
    Sessions sessions = data.sessions();
    ExposureModel exposure = data.exposure();
    CfFeatures features = data.features();
    double minPropensity = data.minPropensity();
    int items = log.items().size();
    if (sessions.size() == 0) {
      throw new IllegalArgumentException("the log has no recommendation sessions to learn uplift from");
    }
    // features from each session's visible history, kept while they fit in MEMO_FLOATS
    int users = log.users().size();
    SessionFeatures userFeatures = features == null ? null : new SessionFeatures(features, log, items);
    PairModel model = PairModel.train(PairModel.Data.of(users, items, HEADS,
            epoch -> examples(log, sessions, false, exposure, userFeatures, minPropensity,
                new SplittableRandom(p.seed() * 17L + epoch)))
        .withFeatures(features == null ? 0 : CfFeatures.DIM).withHistories(log.history())
        .withWarmStart(exposure.pairModel())
        .withValidation(examples(log, sessions, true, exposure, userFeatures, minPropensity,
            new SplittableRandom(p.seed()))),
        p, device, progress);
    return new UpliftModel(model, features, log);
  }

  /** A progress listener that writes one line per epoch to {@code log}. */
  public static Consumer<TrainingLoop.Epoch> logTo(Consumer<String> log) {
    return e -> log.accept(String.format(java.util.Locale.ROOT, "uplift epoch %d held-out loss %.4f", e.epoch(),
        e.loss()));
  }

  /** Per-history features are kept in memory while their floats stay under this. */
  static final long MEMO_FLOATS = 64L << 20;

  /**
   * The pair features of a session's examples: from the user's history strictly before the
   * session starts (so nothing the session or later sessions did reaches them), each item's row
   * without the item itself ({@link CfFeatures#forHistory}); memoised per (user, history length).
   */
  static final class SessionFeatures {
    private final CfFeatures features;
    private final Impressions log;
    private final java.util.Map<Long, float[]> memo = new java.util.HashMap<>();
    private final long budget;

    SessionFeatures(CfFeatures features, Impressions log, int items) {
      this.features = features;
      this.log = log;
      this.budget = MEMO_FLOATS / ((long) items * CfFeatures.DIM);
    }

    /** Features of every item for user u in a session starting at epoch second {@code start}. */
    float[] at(int u, long start) {
      int visible = Impressions.firstAtOrAfter(log.historyTime()[u], start);
      long key = ((long) u << 32) | visible;
      float[] f = memo.get(key);
      if (f == null) {
        f = features.forHistory(Arrays.copyOf(log.history()[u], visible));
        if (memo.size() < budget) {
          memo.put(key, f);
        }
      }
      return f;
    }
  }

  /** The examples of the held-out sessions ({@code heldOut}) or of the others. */
  private static PairModel.Examples examples(Impressions log, Sessions sessions, boolean heldOut,
      ExposureModel exposure, SessionFeatures userFeatures, double minPropensity, SplittableRandom rng) {
    int heads = HEADS;
    int items = log.items().size();
    int cap = log.size() + sessions.size() * CONTROL_SAMPLES;
    for (int u = 0; u < log.purchases().length; u++) {
      cap += log.purchases()[u].length;
    }
    int[] us = new int[cap];
    int[] is = new int[cap];
    float[] y = new float[cap * heads];
    float[] w = new float[cap * heads];
    int dim = CfFeatures.DIM;
    float[] f = null;
    float[] uf = null;
    int n = 0;
    BitSet shown = new BitSet(items);
    BitSet bought = new BitSet(items);
    float[] e = null;
    int cachedUser = -1;
    for (int s = 0; s < sessions.size(); s++) {
      if (ExposureModel.isHeldOut(s) != heldOut) {
        continue;
      }
      int u = sessions.user()[s];
      if (u != cachedUser) { // sessions come grouped by user
        e = exposure.sessionForUser(u);
        cachedUser = u;
      }
      uf = userFeatures == null ? null : userFeatures.at(u, sessions.start()[s]);
      if (uf != null && f == null) {
        f = new float[cap * dim];
      }
      int first = n;
      shown.clear();
      bought.clear();
      for (int r : sessions.rows()[s]) {
        int i = log.item()[r];
        if (shown.get(i)) {
          continue;
        }
        shown.set(i);
        double logged = log.propensity()[r];
        double prop = clip(Double.isNaN(logged) ? e[i] : logged, minPropensity);
        set(us, is, y, w, n, u, i, log.converted()[r] ? 1f : 0f, (float) (1 / prop), true, heads, s);
        y[n * heads] = log.clicked()[r] ? 1f : 0f;
        w[n * heads] = 1f;
        n++;
      }
      int[] buys = log.purchases()[u];
      long[] at = log.purchaseTime()[u];
      int from = Impressions.firstAtOrAfter(at, sessions.start()[s]);
      for (int k = from; k < at.length && at[k] <= sessions.end()[s]; k++) {
        int i = buys[k];
        if (!shown.get(i) && !bought.get(i)) {
          bought.set(i);
          set(us, is, y, w, n, u, i, 1f, (float) (1 / (1 - clip(e[i], minPropensity))), false, heads, s);
          n++;
        }
      }
      int rest = items - shown.cardinality() - bought.cardinality();
      if (rest > 0) {
        float stand = rest / (float) CONTROL_SAMPLES;
        for (int k = 0; k < CONTROL_SAMPLES; k++) {
          int i;
          do {
            i = rng.nextInt(items);
          } while (shown.get(i) || bought.get(i));
          set(us, is, y, w, n, u, i, 0f, (float) (stand / (1 - clip(e[i], minPropensity))), false, heads, s);
          n++;
        }
      }
      if (uf != null) {
        for (int k = first; k < n; k++) {
          System.arraycopy(uf, is[k] * dim, f, k * dim, dim);
        }
      }
    }
    return new PairModel.Examples(Arrays.copyOf(us, n), Arrays.copyOf(is, n), Arrays.copyOf(y, n * heads),
        Arrays.copyOf(w, n * heads), f == null ? null : Arrays.copyOf(f, n * dim));
  }

  /** Writes one example: its label in every head, its weight (times a bootstrap draw) in its group's heads. */
  private static void set(int[] us, int[] is, float[] y, float[] w, int n, int u, int i, float label, float weight,
      boolean treated, int heads, int session) {
    us[n] = u;
    is[n] = i;
    SplittableRandom boot = new SplittableRandom(((long) session << 32) ^ i ^ (treated ? 0x5DEECE66DL : 0));
    for (int r = 0; r < REPLICAS; r++) {
      int head = 1 + 2 * r + (treated ? 0 : 1);
      y[n * heads + 1 + 2 * r] = label;
      y[n * heads + 2 + 2 * r] = label;
      w[n * heads + head] = weight * Poisson.draw(boot, 1);
    }
  }

  private static double clip(double p, double min) {
    return Math.max(min, Math.min(1 - min, p));
  }

  /**
   * Estimates for user u (of the training log) and every item, from the user's whole training
   * history (each item's pair features without the item itself).
   */
  public Estimate[] forUser(int u) {
    return forUserAt(u, Long.MAX_VALUE);
  }

  /**
   * Estimates for user u (of the training log) and every item as of epoch second {@code time}:
   * from the user's history strictly before it (each item's pair features without the item).
   */
  public Estimate[] forUserAt(int u, long time) {
    int[] history = null;
    float[] f = null;
    if (log != null) {
      history = Arrays.copyOf(log.history()[u], Impressions.firstAtOrAfter(log.historyTime()[u], time));
      f = features == null ? null : features.forHistory(history);
    }
    return estimates(model.predictUser(u, history, f), model.items());
  }

  /**
   * Estimates for any user and every item, from the user's current {@code history} (item indexes,
   * oldest first) and, for a model with pair features, {@code pairFeatures} (from {@link CfFeatures});
   * {@code u} is the user's training index or -1 for a user unseen in training.
   */
  public Estimate[] forUser(int u, int[] history, float[] pairFeatures) {
    return estimates(model.predictUser(u, history, pairFeatures), model.items());
  }

  /** Estimates for each pair. */
  @Override
  public Estimate[] score(PairModel.Pairs pairs) {
    return estimates(model.score(pairs), pairs.users().length);
  }

  /** Whether the model takes collaborative pair features. */
  public boolean usesFeatures() {
    return model.features() > 0;
  }

  private static Estimate[] estimates(float[] heads, int n) {
    Estimate[] out = new Estimate[n];
    double[] taus = new double[REPLICAS];
    for (int k = 0; k < n; k++) {
      double t = 0;
      double c = 0;
      for (int r = 0; r < REPLICAS; r++) {
        double pt = heads[k * HEADS + 1 + 2 * r];
        double pc = heads[k * HEADS + 2 + 2 * r];
        t += pt;
        c += pc;
        taus[r] = pt - pc;
      }
      Arrays.sort(taus);
      t /= REPLICAS;
      c /= REPLICAS;
      out[k] = new Estimate(t, c, t - c, OffPolicy.percentile(taus, 0.025), OffPolicy.percentile(taus, 0.975));
    }
    return out;
  }

  /** Saves into {@code dir}. */
  @Override
  public void save(java.nio.file.Path dir) throws java.io.IOException {
    model.save(dir, "uplift");
  }

  /** Loads what {@link #save} wrote. */
  private static UpliftModel load(java.nio.file.Path dir, Device device) throws java.io.IOException {
    PairModel m = PairModel.load(dir, "uplift", device);
    if (m.heads() != HEADS) {
      m.close();
      throw new java.io.IOException("not an uplift model: " + m.heads() + " heads");
    }
    return new UpliftModel(m, null, null);
  }

  @Override
  public void close() {
    model.close();
  }
}
