package org.causalrec.experiment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.causalrec.causal.Propensities;
import org.causalrec.data.Feedback;
import org.causalrec.data.IdIndex;
import org.causalrec.model.ExplicitModel;
import org.causalrec.model.Objective;
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;

/**
 * The labelled pairs of a random-exposure evaluation, read from the store: the observed (user,
 * item, label) pairs of the biased log (every event not on the random surface) and the uniformly
 * exposed test pairs (the random surface), with a small uniformly drawn sample of the test pairs
 * set aside to estimate propensities and to choose the epoch, and excluded from the metrics. A
 * pair is labelled positive when its latest rating is at least 4, or, unrated, when it was
 * clicked, carted or bought; its level is the rating (1..5) or, unrated, {@link #UNRATED} plus the
 * label, the classes naive Bayes propensities are conditioned on.
 */
final class ExplicitLog {

  /** Level of an unrated pair: UNRATED (not acted on) or UNRATED + 1 (acted on). */
  static final int UNRATED = 10;

  /** Pairs as parallel arrays; users and items are indexes of the log's vocabularies (-1 when unseen there). */
  record Pairs(String[] userIds, String[] itemIds, int[] user, int[] item, boolean[] label, int[] level) {
    int size() {
      return user.length;
    }
  }

  final IdIndex users = new IdIndex();
  final IdIndex items = new IdIndex();
  /** The biased log's observed pairs. */
  final Pairs observed;
  /** The random surface's pairs the metrics are computed on. */
  final Pairs test;
  /** The random surface's pairs set aside (propensities, epoch choice). */
  final Pairs sample;

  private ExplicitLog(Map<String, Acc> train, Map<String, Acc> random, double sampleShare, long seed) {
    for (Acc a : train.values()) {
      users.add(a.user);
      items.add(a.item);
    }
    observed = pairs(new ArrayList<>(train.values()));
    List<Acc> kept = new ArrayList<>();
    List<Acc> aside = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(seed);
    for (Acc a : random.values()) {
      (r.nextDouble() < sampleShare ? aside : kept).add(a);
    }
    test = pairs(kept);
    sample = pairs(aside);
  }

  /** Reads the log: the biased pairs (not on {@code surface}) and the randomly exposed ones, a {@code sampleShare} of them set aside. */
  static ExplicitLog load(EventRepository events, String surface, double sampleShare, long seed) {
    return read(events::forEachBlocking, surface, sampleShare, seed);
  }

  /** As {@link #load}, over events held in memory. */
  static ExplicitLog of(Iterable<Event> events, String surface, double sampleShare, long seed) {
    return read(events::forEach, surface, sampleShare, seed);
  }

  private static ExplicitLog read(java.util.function.Consumer<java.util.function.Consumer<Event>> events,
      String surface, double sampleShare, long seed) {
    Map<String, Acc> train = new LinkedHashMap<>();
    Map<String, Acc> random = new TreeMap<>();
    long[] order = {0};
    // events arrive in storage order, so the latest rating of a pair is the last one read
    events.accept(e -> {
      Map<String, Acc> into = surface.equals(e.surface()) ? random : train;
      into.computeIfAbsent(e.userId() + '\u0000' + e.itemId(), k -> new Acc(e.userId(), e.itemId())).add(e, order[0]++);
    });
    if (random.isEmpty()) {
      throw new IllegalArgumentException("no events on surface '" + surface + "': import a randomly exposed test"
          + " set (coat, triples --random-test, obd --random-test, kuairec) first");
    }
    if (train.isEmpty()) {
      throw new IllegalArgumentException("no events off surface '" + surface + "': there is no biased log to train on");
    }
    return new ExplicitLog(train, random, sampleShare, seed);
  }

  /**
   * The log of rating matrices (users x items, 0 for none): {@code train} the biased ratings,
   * {@code random} the randomly exposed ones; users and items are named by their indexes.
   */
  static ExplicitLog ofRatings(int[][] train, int[][] random, double sampleShare, long seed) {
    Map<String, Acc> t = new LinkedHashMap<>();
    Map<String, Acc> r = new TreeMap<>();
    for (int u = 0; u < train.length; u++) {
      for (int i = 0; i < train[u].length; i++) {
        for (Map<String, Acc> into : List.of(t, r)) {
          int rating = (into == t ? train : random)[u][i];
          if (rating > 0) {
            Acc a = new Acc("u" + u, "i" + i);
            a.ratedAt = 0;
            a.rating = rating;
            into.put(a.user + '\u0000' + a.item, a);
          }
        }
      }
    }
    return new ExplicitLog(t, r, sampleShare, seed);
  }

  private Pairs pairs(List<Acc> list) {
    int n = list.size();
    Pairs p = new Pairs(new String[n], new String[n], new int[n], new int[n], new boolean[n], new int[n]);
    for (int k = 0; k < n; k++) {
      Acc a = list.get(k);
      p.userIds()[k] = a.user;
      p.itemIds()[k] = a.item;
      p.user()[k] = users.indexOf(a.user);
      p.item()[k] = items.indexOf(a.item);
      p.label()[k] = a.label();
      p.level()[k] = a.level();
    }
    return p;
  }

  /**
   * Naive Bayes propensities (Schnabel et al. 2016): P(O = 1 | level) = P(level | O = 1) P(O = 1) /
   * P(level), P(level | O = 1) from the biased log, P(level) from the set-aside random sample,
   * P(O = 1) = observed pairs / (users x items); add-one smoothing over the levels seen.
   */
  float[] naiveBayes() {
    if (sample.size() == 0) {
      throw new IllegalArgumentException("naive Bayes propensities need a random sample: raise the sample share");
    }
    Map<Integer, Integer> inLog = counts(observed.level());
    Map<Integer, Integer> inSample = counts(sample.level());
    java.util.Set<Integer> levels = new java.util.TreeSet<>(inLog.keySet());
    levels.addAll(inSample.keySet());
    double pObserved = observed.size() / ((double) users.size() * items.size());
    Map<Integer, Float> byLevel = new HashMap<>();
    for (int level : levels) {
      double given = (inLog.getOrDefault(level, 0) + 1.0) / (observed.size() + levels.size());
      double prior = (inSample.getOrDefault(level, 0) + 1.0) / (sample.size() + levels.size());
      byLevel.put(level, (float) Math.min(1, given * pObserved / prior));
    }
    float[] out = new float[observed.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = byLevel.get(observed.level()[k]);
    }
    return out;
  }

  /** Popularity power: P(O = 1 | item) = (n_i / max_j n_j)^eta, n_i the item's observed pairs. */
  float[] popularity(double eta) {
    int[] n = new int[items.size()];
    for (int i : observed.item()) {
      n[i]++;
    }
    // unclipped here: the training clips, and the run reports the clipped share
    double[] byItem = Propensities.popularityPower(n, eta, 0);
    float[] out = new float[observed.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = (float) byItem[observed.item()[k]];
    }
    return out;
  }

  /**
   * A learned exposure model: matrix factorisation of O (observed = 1) trained on every observed
   * pair and {@code negatives} uniformly drawn pairs per observed one (counted unobserved), its odds
   * corrected for that sampling rate.
   */
  float[] learned(int negatives, long seed) {
    int n = observed.size();
    int m = n * negatives;
    int[] u = new int[n + m];
    int[] i = new int[n + m];
    boolean[] o = new boolean[n + m];
    System.arraycopy(observed.user(), 0, u, 0, n);
    System.arraycopy(observed.item(), 0, i, 0, n);
    java.util.Arrays.fill(o, 0, n, true);
    SplittableRandom r = new SplittableRandom(seed);
    for (int k = n; k < n + m; k++) {
      u[k] = r.nextInt(users.size());
      i[k] = r.nextInt(items.size());
    }
    ExplicitModel exposure = ExplicitModel.train(new ExplicitModel.Data(users.size(), items.size(), u, i, o, null, 1f,
        Objective.NAIVE), ExplicitModel.Params.defaults(ExplicitModel.Arch.MF, 10, seed), null);
    // the sample keeps every observed pair but only a share of the unobserved ones
    double unobserved = (double) users.size() * items.size() - n;
    double rate = m / unobserved;
    float[] s = exposure.probabilities(observed.user(), observed.item());
    float[] out = new float[n];
    for (int k = 0; k < n; k++) {
      double odds = s[k] / Math.max(1e-6, 1 - s[k]) * rate;
      out[k] = (float) (odds / (1 + odds));
    }
    return out;
  }

  private static Map<Integer, Integer> counts(int[] levels) {
    Map<Integer, Integer> out = new HashMap<>();
    for (int l : levels) {
      out.merge(l, 1, Integer::sum);
    }
    return out;
  }

  /** What one (user, item) pair's events say. */
  private static final class Acc {
    final String user;
    final String item;
    long ratedAt = -1;
    double rating;
    boolean acted;

    Acc(String user, String item) {
      this.user = user;
      this.item = item;
    }

    void add(Event e, long at) {
      switch (e.type()) {
        case "rating" -> {
          if (e.value() != null && at >= ratedAt) {
            ratedAt = at;
            rating = e.value();
          }
        }
        case "click", "add_to_cart", "purchase" -> acted = true;
        default -> { }
      }
    }

    boolean label() {
      return ratedAt >= 0 ? rating >= Feedback.POSITIVE_RATING : acted;
    }

    int level() {
      return ratedAt >= 0 ? (int) Math.max(1, Math.min(5, Math.round(rating))) : UNRATED + (acted ? 1 : 0);
    }
  }
}
