package org.causalrec.serve;

import ai.djl.Device;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.causalrec.causal.CfFeatures;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.data.Interactions;
import org.causalrec.model.ClickMlp;
import org.causalrec.model.Devices;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.model.TopK;

/**
 * The single-client latency of one uncached recommendation's compute, at a given catalogue size:
 * the Mult-VAE fold-in of a 50-item history, the top {@link #CANDIDATES}, and the click MLP's
 * probabilities of those candidates with their pair features, exactly as the scoring and ranking
 * threads run them (same classes, same thread settings), on models trained for one epoch on
 * random data (latency does not depend on what the weights learnt). HTTP, the cache and the
 * database are not in it: {@code bench recommendations} measures those over HTTP.
 */
public final class ServingLatency {

  private static final int CANDIDATES = 200;
  private static final int USERS = 2_000;
  private static final int HISTORY = 50;
  private static final int REQUESTS = 400;

  private ServingLatency() {}

  /**
   * Measures at 1,000 and 20,000 items, with the scoring thread's PyTorch threads as configured
   * ({@code scoringThreads}) and with every core, and prints a table.
   */
  public static void print(PrintStream out, int scoringThreads) {
    int cores = Runtime.getRuntime().availableProcessors();
    out.printf(Locale.ROOT, "single client, compute only (CPU):%n%n| items | PyTorch threads | fold-in p50 ms |"
        + " fold-in p99 ms | fold-in + ranking p50 ms | fold-in + ranking p99 ms |%n|---|---|---|---|---|---|%n");
    for (int items : new int[] {1_000, 20_000}) {
      for (int threads : scoringThreads == cores ? new int[] {cores} : new int[] {scoringThreads, cores}) {
        Devices.useThreads(threads);
        double[][] t = measure(items);
        out.printf(Locale.ROOT, "| %,d | %d%s | %.2f | %.2f | %.2f | %.2f |%n", items, threads,
            threads == scoringThreads ? " (serving.scoring_threads)" : "", pct(t[0], 0.5), pct(t[0], 0.99),
            pct(t[1], 0.5), pct(t[1], 0.99));
      }
    }
    Devices.useThreads(scoringThreads);
  }

  /** Per request: [fold-in ms], [fold-in + top-k + ranking ms]. */
  static double[][] measure(int items) {
    SplittableRandom rng = new SplittableRandom(items);
    int[][] histories = new int[USERS][];
    Interactions.Builder b = new Interactions.Builder(USERS, items);
    for (int u = 0; u < USERS; u++) {
      histories[u] = rng.ints(HISTORY, 0, items).distinct().toArray();
      for (int i : histories[u]) {
        b.add(u, i, 1f);
      }
    }
    Interactions matrix = b.build();
    IdIndex ids = IdIndex.of(IntStream.range(0, items).mapToObj(i -> "i" + i).toList());
    try (MultVae vae = MultVae.KIND.train(MultVae.Data.naive(matrix), MultVaeParams.forData(1, USERS, 1),
        Device.cpu(), r -> { })) {
      int[] identity = IntStream.range(0, items).toArray();
      CfFeatures features = new CfFeatures(CfFeatures.scorer(vae, identity, items),
          CfFeatures.popularity(matrix.itemCounts()));
      Impressions log = impressions(ids, histories, rng);
      try (ClickMlp mlp = ClickMlp.KIND.train(new ClickMlp.Data(log, null, ClickMlp.Debiasing.NONE, features),
          ClickMlp.Params.defaults(1), Device.cpu(), r -> { })) {
        ClickServing.ClickVersion v = new ClickServing.ClickVersion("bench", mlp, ids, log.surfaces(),
            new CfFeatures(null, CfFeatures.popularity(matrix.itemCounts())), new ClickServing.Mapping());
        double[] foldIn = new double[REQUESTS];
        double[] total = new double[REQUESTS];
        for (int k = -50; k < REQUESTS; k++) { // the first 50 warm up
          int u = rng.nextInt(USERS);
          List<String> history = Arrays.stream(histories[u]).mapToObj(ids::id).toList();
          long t0 = System.nanoTime();
          Interactions.Builder one = new Interactions.Builder(1, items);
          for (int i : histories[u]) {
            one.add(0, i, 1f);
          }
          float[] scores = vae.score(one.build(), 0, 1)[0];
          long t1 = System.nanoTime();
          List<String> candidates = new ArrayList<>(CANDIDATES);
          for (int c : TopK.of(scores, CANDIDATES, null)) {
            candidates.add(ids.id(c));
          }
          ClickServing.probabilities(v, List.of(new ClickServing.Request(history, candidates, null, 12, ids, scores)));
          long t2 = System.nanoTime();
          if (k >= 0) {
            foldIn[k] = (t1 - t0) / 1e6;
            total[k] = (t2 - t0) / 1e6;
          }
        }
        return new double[][] {foldIn, total};
      }
    }
  }

  /** 20 impressions per user of random items, 5 % clicked, at positions 0..9 on one surface. */
  private static Impressions impressions(IdIndex items, int[][] histories, SplittableRandom rng) {
    int n = USERS * 20;
    int[] user = new int[n];
    int[] item = new int[n];
    int[] position = new int[n];
    boolean[] clicked = new boolean[n];
    long[] time = new long[n];
    float[] propensity = new float[n];
    Arrays.fill(propensity, Float.NaN);
    Arrays.fill(time, 1);
    for (int r = 0; r < n; r++) {
      user[r] = r / 20;
      item[r] = rng.nextInt(items.size());
      position[r] = r % 10;
      clicked[r] = rng.nextDouble() < 0.05;
    }
    long[][] historyTime = new long[USERS][];
    for (int u = 0; u < USERS; u++) {
      historyTime[u] = new long[histories[u].length];
    }
    return new Impressions(IdIndex.of(IntStream.range(0, USERS).mapToObj(u -> "u" + u).toList()), items,
        IdIndex.of(List.of("home")), user, item, position, new int[n], new int[n], time, clicked, new boolean[n],
        propensity, new boolean[n], histories, historyTime, new int[USERS][0], new long[USERS][0]);
  }

  private static double pct(double[] v, double q) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[(int) Math.min(s.length - 1, Math.floor(q * s.length))];
  }
}
