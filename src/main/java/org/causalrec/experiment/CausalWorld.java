package org.causalrec.experiment;

import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.causalrec.config.EventTypes;
import org.causalrec.data.Feedback;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.data.Sessions;
import org.causalrec.eval.Correlation;
import org.causalrec.eval.RankingMetrics;
import org.causalrec.model.TopK;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.Event;

/**
 * A simulated world's log (impressions, sessions, positive feedback, the same events the ingest
 * path would store), its ground truth in the indexes of the log and of the feedback (world ids
 * are u&lt;k&gt;, i&lt;k&gt;), and the seeded sample of users whose rankings are scored.
 */
final class CausalWorld {

  final World world;
  final long seed;
  final int events;
  final Impressions log;
  final Sessions sessions;
  final Feedback feedback;
  /** World index of each log user, log item, feedback user and feedback item. */
  final int[] impUser;
  final int[] impItem;
  final int[] fbUser;
  final int[] fbItem;
  /** Feedback index of each log user and item (-1: no positive feedback). */
  final int[] logToFbUser;
  final int[] logToFbItem;
  /** Log indexes of the users whose rankings are scored, ascending. */
  final int[] evalUsers;

  private CausalWorld(World world, long seed, List<Event> events, int evalUsers) {
    this.world = world;
    this.seed = seed;
    this.events = events.size();
    log = Impressions.of(events);
    sessions = Sessions.of(log);
    feedback = Feedback.of(events, EventTypes.defaults());
    impUser = worldIndexes(log.users());
    impItem = worldIndexes(log.items());
    fbUser = worldIndexes(feedback.users());
    fbItem = worldIndexes(feedback.items());
    logToFbUser = log.users().indexesIn(feedback.users());
    logToFbItem = log.items().indexesIn(feedback.items());
    this.evalUsers = sampleUsers(log.users().size(), seed, evalUsers);
  }

  /** Simulates the world of {@code seed} in memory; {@code evalUsers} users (at most) are sampled for scoring. */
  static CausalWorld simulate(WorldSpec spec, long seed, int evalUsers, Consumer<String> progress) {
    World world = World.generate(spec, seed);
    List<Event> events = new Simulator(world).events();
    progress.accept("seed " + seed + ": " + events.size() + " events");
    return new CausalWorld(world, seed, events, evalUsers);
  }

  /** The log's size: events, impressions, sessions, users and items. */
  JsonObject detail() {
    return new JsonObject().put("events", events).put("impressions", log.size()).put("sessions", sessions.size())
        .put("users", log.users().size()).put("items", log.items().size());
  }

  private static int[] worldIndexes(IdIndex ids) {
    int[] out = new int[ids.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = Integer.parseInt(ids.id(k).substring(1));
    }
    return out;
  }

  /** A seeded shuffle of the n users, the first {@code count} of it, ascending. */
  private static int[] sampleUsers(int n, long seed, int count) {
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
    int[] out = Arrays.copyOf(all, Math.min(n, count));
    Arrays.sort(out);
    return out;
  }

  /** True relevance of world user wu for every world item. */
  double[] relevance(int wu) {
    double[] r = new double[world.items()];
    for (int i = 0; i < r.length; i++) {
      r[i] = world.relevance(wu, i);
    }
    return r;
  }

  /** World items ranked by a model's scores over its own items (items it does not know last). */
  int[] rankWorldItems(float[] scores, int[] toWorld) {
    float[] s = new float[world.items()];
    Arrays.fill(s, Float.NEGATIVE_INFINITY);
    for (int i = 0; i < scores.length; i++) {
      s[toWorld[i]] = scores[i];
    }
    return TopK.of(s, world.items(), null);
  }

  /** A new tally of how a model's rankings agree with true relevance, at depth k. */
  Agreement agreement(int k) {
    return new Agreement(k);
  }

  /** Mean NDCG@k (gains: true relevance) and Spearman ρ with true relevance of a model's scores over every item. */
  final class Agreement {

    private final int k;
    private double ndcg;
    private double spearman;
    private int users;

    private Agreement(int k) {
      this.k = k;
    }

    /** Adds world user wu's scores over the model's items ({@code toWorld}: their world indexes). */
    void add(int wu, float[] scores, int[] toWorld) {
      double[] rel = relevance(wu);
      double v = RankingMetrics.ndcgGraded(rankWorldItems(scores, toWorld), rel, k);
      if (!Double.isNaN(v)) {
        ndcg += v;
        spearman += Correlation.spearman(scores, toWorld, rel);
        users++;
      }
    }

    /** Adds world user wu's scores over every world item, in world order. */
    void add(int wu, double[] worldScores) {
      float[] scores = new float[worldScores.length];
      int[] identity = new int[worldScores.length];
      for (int i = 0; i < scores.length; i++) {
        scores[i] = (float) worldScores[i];
        identity[i] = i;
      }
      add(wu, scores, identity);
    }

    /** Puts {@code key}_ndcg@k and {@code key}_spearman into m and tells how {@code label} did since t0. */
    void report(String key, String label, long t0, Map<String, Double> m, Consumer<String> progress) {
      m.put(key + "_ndcg@" + k, ndcg / users);
      m.put(key + "_spearman", spearman / users);
      progress.accept(String.format(Locale.ROOT, "%s NDCG@%d %.4f (%.0f s)", label, k, ndcg / users,
          (System.nanoTime() - t0) / 1e9));
    }
  }
}
