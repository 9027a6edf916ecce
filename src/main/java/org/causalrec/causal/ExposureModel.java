package org.causalrec.causal;

import ai.djl.Device;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import org.causalrec.eval.Calibration;
import java.io.IOException;
import java.nio.file.Path;
import org.causalrec.model.ModelKind;
import org.causalrec.model.PairModel;
import org.causalrec.model.PairWeights;
import org.causalrec.model.TrainedModel;
import org.causalrec.model.TrainingLoop;

/**
 * The learned exposure propensity: the probability
 * that the logging policy shows item i to user u in a session, a {@link PairModel} classifier of
 * the items each logged slate showed against items it did not (sampled, and weighted back to
 * their number so the output stays calibrated). One session in ten is held out of training: the
 * epoch with the lowest loss on it is kept, and the calibration report is computed on it. Over a user's whole log, exposure is 1 - (1 - e)^sessions.
 */
public final class ExposureModel implements TrainedModel<PairModel.Pairs, float[]> {

  /** Unshown items sampled per session and epoch. */
  static final int NEGATIVES = 20;
  /** The calibration report reads at most this many (session, item) pairs (the first held-out sessions). */
  static final int MAX_CALIBRATION_PAIRS = 20_000_000;
  /** Sessions whose hash falls here (of 10) are held out for calibration. */
  static final int HOLDOUT_BUCKET = 0;

  private final PairModel model;
  private final int[] sessionsPerUser;
  private final int items;

  private ExposureModel(PairModel model, int[] sessionsPerUser, int items) {
    this.model = model;
    this.sessionsPerUser = sessionsPerUser;
    this.items = items;
  }

  /** The kind: trains on a {@link Data} set, loads a saved model. */
  public static final ModelKind<Data, PairModel.Params, ExposureModel> KIND =
      ModelKind.of("exposure", ExposureModel::train, ExposureModel::load);

  /**
   * What the exposure model learns from.
   *
   * @param log the impressions
   * @param sessions the impressions grouped into the logging policy's decisions
   * @param itemText each item's text embedding (one row per item of {@code log}), an input since
   *     item content confounds exposure; or null
   */
  public record Data(Impressions log, Sessions sessions, float[][] itemText, float[] userWeight) {

    /** Every user counted once. */
    public Data(Impressions log, Sessions sessions, float[][] itemText) {
      this(log, sessions, itemText, null);
    }
  }

  private static ExposureModel train(Data data, PairModel.Params p, Device device,
      Consumer<TrainingLoop.Epoch> progress) {
    Impressions log = data.log();
    Sessions sessions = data.sessions();
    int items = log.items().size();
    if (sessions.size() == 0 || items < 2) {
      throw new IllegalArgumentException("the log has no impressions to learn exposure from");
    }
    int[] train = java.util.stream.IntStream.range(0, sessions.size()).filter(s -> !isHeldOut(s)).toArray();
    int[] held = java.util.stream.IntStream.range(0, sessions.size()).filter(ExposureModel::isHeldOut).toArray();
    PairModel model = PairModel.train(PairModel.Data.of(log.users().size(), items, 1,
            epoch -> examples(log, sessions, train, items, data.userWeight(),
                new SplittableRandom(p.seed() * 31L + epoch)))
        .withItemText(data.itemText()).withHistories(log.history())
        .withValidation(held.length == 0 ? null : examples(log, sessions, held, items, data.userWeight(),
            new SplittableRandom(p.seed()))),
        p, device, progress);
    return new ExposureModel(model, sessions.perUser(), items);
  }

  /** A progress listener that writes one line per epoch to {@code log}. */
  public static Consumer<TrainingLoop.Epoch> logTo(Consumer<String> log) {
    return e -> log.accept(String.format(java.util.Locale.ROOT, "exposure epoch %d loss %.4f", e.epoch(), e.loss()));
  }

  /** Width of the item text rows the model takes (0 for none). */
  public int textDim() {
    return model.textDim();
  }

  /** Whether session s is one of the held-out sessions (one in ten, by a hash of its index). */
  public static boolean isHeldOut(int session) {
    return Math.floorMod(Integer.hashCode(session * 0x9E3779B1), 10) == HOLDOUT_BUCKET;
  }

  private static PairModel.Examples examples(Impressions log, Sessions sessions, int[] train, int items,
      float[] userWeight, SplittableRandom rng) {
    int cap = 0;
    for (int s : train) {
      cap += sessions.rows()[s].length + NEGATIVES;
    }
    int[] us = new int[cap];
    int[] is = new int[cap];
    float[] y = new float[cap];
    float[] w = new float[cap];
    int n = 0;
    java.util.BitSet shown = new java.util.BitSet(items);
    for (int s : train) {
      shown.clear();
      int u = sessions.user()[s];
      float uw = userWeight == null ? 1f : userWeight[u];
      if (uw == 0) {
        continue;
      }
      for (int r : sessions.rows()[s]) {
        int i = log.item()[r];
        if (!shown.get(i)) {
          shown.set(i);
          us[n] = u;
          is[n] = i;
          y[n] = 1f;
          w[n] = uw;
          n++;
        }
      }
      int unshown = items - shown.cardinality();
      if (unshown == 0) {
        continue;
      }
      float weight = uw * unshown / (float) NEGATIVES;
      for (int k = 0; k < NEGATIVES; k++) {
        int i;
        do {
          i = rng.nextInt(items);
        } while (shown.get(i));
        us[n] = u;
        is[n] = i;
        y[n] = 0f;
        w[n] = weight;
        n++;
      }
    }
    return new PairModel.Examples(java.util.Arrays.copyOf(us, n), java.util.Arrays.copyOf(is, n),
        java.util.Arrays.copyOf(y, n), java.util.Arrays.copyOf(w, n));
  }

  /** P(i shown to u in one session) for each pair. */
  @Override
  public float[] score(PairModel.Pairs pairs) {
    return model.score(pairs);
  }

  /** P(i shown to u in one session). */
  public float[] session(int[] users, int[] items) {
    return model.predict(users, items);
  }

  /** P(item shown to u in one session) for every item. */
  public float[] sessionForUser(int u) {
    return model.predictUser(u);
  }

  /**
   * As {@link #sessionForUser(int)} with {@code history} (item indexes, oldest first) standing
   * for the user's: a loaded model keeps no histories.
   */
  public float[] sessionForUser(int u, int[] history) {
    return model.predictUser(u, history, null);
  }

  /** P(i shown to u at least once over u's logged sessions) for every item. */
  public float[] periodForUser(int u) {
    float[] e = sessionForUser(u);
    int s = u < sessionsPerUser.length ? Math.max(1, sessionsPerUser[u]) : 1;
    for (int i = 0; i < e.length; i++) {
      e[i] = (float) (1 - Math.pow(1 - e[i], s));
    }
    return e;
  }

  /**
   * Inverse propensity weights over another vocabulary's users and items (a feedback's, mapped by
   * id): one over the exposure of each user's whole log, at least {@code floor}, for the items a
   * slate of {@code log} (the log this model learned from) showed the user; other pairs keep
   * weight 1 (their channel's exposure is not logged). Predicts every user's exposure now, so the
   * weights outlive this model.
   */
  public PairWeights inverseWeights(Impressions log, IdIndex users, IdIndex items, double floor) {
    int[] userToLog = users.indexesIn(log.users());
    int[] itemToLog = items.indexesIn(log.items());
    BitSet[] shown = new BitSet[log.users().size()];
    for (int r = 0; r < log.size(); r++) {
      int u = log.user()[r];
      (shown[u] == null ? shown[u] = new BitSet() : shown[u]).set(log.item()[r]);
    }
    float[][] period = new float[userToLog.length][];
    for (int u = 0; u < period.length; u++) {
      period[u] = userToLog[u] < 0 ? null : periodForUser(userToLog[u]);
    }
    return (u, i) -> {
      int lu = userToLog[u];
      int li = itemToLog[i];
      BitSet b = lu < 0 ? null : shown[lu];
      return b == null || li < 0 || !b.get(li) ? 1f : 1f / (float) Math.max(floor, period[u][li]);
    };
  }

  /** The underlying pair model (its embeddings warm-start the uplift model). */
  PairModel pairModel() {
    return model;
  }

  /** Number of items it covers. */
  public int items() {
    return items;
  }

  /**
   * Predicted against observed exposure by decile over every item of the held-out sessions (as
   * many as fit in the calibration's budget of pairs; {@code examples / items()} of them).
   */
  public Calibration calibration(Impressions log, Sessions sessions) {
    int cap = Math.max(1, MAX_CALIBRATION_PAIRS / items);
    int held = 0;
    for (int s = 0; s < sessions.size() && held < cap; s++) {
      held += isHeldOut(s) ? 1 : 0;
    }
    long[] pairs = new long[held * items];
    int n = 0;
    int used = 0;
    java.util.BitSet shown = new java.util.BitSet(items);
    for (int s = 0; s < sessions.size() && used < held; s++) {
      if (!isHeldOut(s)) {
        continue;
      }
      used++;
      shown.clear();
      for (int r : sessions.rows()[s]) {
        shown.set(log.item()[r]);
      }
      float[] e = sessionForUser(sessions.user()[s]);
      for (int i = 0; i < items; i++) {
        pairs[n++] = Calibration.pack(e[i], shown.get(i));
      }
    }
    return Calibration.ofPacked(pairs);
  }

  /** Saves the parameters and each user's session count into {@code dir}. */
  @Override
  public void save(java.nio.file.Path dir) throws java.io.IOException {
    model.save(dir, "exposure");
    java.nio.file.Files.writeString(dir.resolve("exposure-sessions.json"),
        new io.vertx.core.json.JsonArray(java.util.Arrays.stream(sessionsPerUser).boxed().toList()).encode());
  }

  /** Loads what {@link #save} wrote; a missing or corrupt artifact is an IOException. */
  private static ExposureModel load(java.nio.file.Path dir, Device device) throws java.io.IOException {
    PairModel m = PairModel.load(dir, "exposure", device);
    try {
      io.vertx.core.json.JsonArray a = new io.vertx.core.json.JsonArray(
          java.nio.file.Files.readString(dir.resolve("exposure-sessions.json")));
      int[] perUser = new int[a.size()];
      for (int u = 0; u < perUser.length; u++) {
        perUser[u] = a.getInteger(u);
      }
      if (m.heads() != 1 || perUser.length != m.users()) {
        throw new java.io.IOException("not an exposure model: " + m.heads() + " heads, " + perUser.length + " users");
      }
      return new ExposureModel(m, perUser, m.items());
    } catch (java.io.IOException | RuntimeException e) {
      m.close();
      throw e instanceof java.io.IOException io ? io : new java.io.IOException("corrupt exposure model in " + dir, e);
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
