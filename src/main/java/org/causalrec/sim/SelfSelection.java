package org.causalrec.sim;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A world of ratings missing not at random, shaped like Coat (Schnabel et al., ICML 2016) and
 * Yahoo!R3: every user has a true 1–5 rating of every item; users
 * choose which items to rate, preferring items they rate higher (P(O = 1 | Y = y) rises with y,
 * by the factors {@link #SELECTION}, as Marlin and Zemel measured on Yahoo!) and more visible
 * items (a log-normal visibility per item, independent of the ratings); each user also rates
 * {@code randomPerUser} items drawn uniformly from those they did not choose (the
 * random-exposure test set). A true rating is a latent affinity (user and item factors, an item
 * quality and a user leniency, plus noise) cut into five levels by fixed thresholds, so that over
 * all pairs the shares of 1..5 are {@link #RATING_SHARES}. Written in Coat's files
 * ({@code train.ascii}, {@code test.ascii}: a user per line, a rating per item, 0 for none), so
 * {@code causalrec import --format coat} reads it exactly as it reads the real data.
 *
 * @param users users
 * @param items items
 * @param ratedPerUser self-selected ratings per user (Coat: 24)
 * @param randomPerUser uniformly random test ratings per user (Coat: 16)
 * @param factors latent factors of the affinity
 */
public record SelfSelection(int users, int items, int ratedPerUser, int randomPerUser, int factors) {

  /** Relative chance of choosing to rate an item the user rates 1..5. */
  static final double[] SELECTION = {1.0, 1.3, 2.0, 3.5, 5.0};
  /** The intended share of ratings 1..5 over all pairs (what a uniformly random test sees). */
  static final double[] RATING_SHARES = {0.40, 0.22, 0.20, 0.12, 0.06};
  /** Standard deviation of log visibility. */
  static final double VISIBILITY_SD = 1.0;

  public SelfSelection {
    if (users < 1 || factors < 1 || ratedPerUser < 1 || randomPerUser < 1 || ratedPerUser + randomPerUser > items) {
      throw new IllegalArgumentException("a self-selection world needs rated + random per user <= items");
    }
  }

  /** Coat's shape: 290 users, 300 items, 24 chosen and 16 random ratings each; 8 latent factors. */
  public static SelfSelection coatShaped() {
    return new SelfSelection(290, 300, 24, 16, 8);
  }

  /**
   * The generated ratings.
   *
   * @param truth every pair's true rating, 1..5 ([user][item])
   * @param train the chosen ratings (0 where not chosen)
   * @param test the uniformly random ratings (0 elsewhere; disjoint from train)
   */
  public record Ratings(int[][] truth, int[][] train, int[][] test) {}

  /** Draws the world from {@code seed}. */
  public Ratings generate(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] x = gaussian(r, users, factors, 1 / Math.sqrt(factors));
    double[][] y = gaussian(r, items, factors, 1);
    double[] quality = gaussian(r, 1, items, 0.5)[0];
    double[] leniency = gaussian(r, 1, users, 0.3)[0];
    double[] visibility = gaussian(r, 1, items, VISIBILITY_SD)[0];
    double[][] affinity = new double[users][items];
    double[] all = new double[users * items];
    for (int u = 0; u < users; u++) {
      for (int i = 0; i < items; i++) {
        double a = quality[i] + leniency[u] + 0.5 * normal(r);
        for (int f = 0; f < factors; f++) {
          a += x[u][f] * y[i][f];
        }
        affinity[u][i] = a;
        all[u * items + i] = a;
      }
    }
    java.util.Arrays.sort(all);
    double[] cuts = new double[4];
    double share = 0;
    for (int level = 0; level < 4; level++) {
      share += RATING_SHARES[level];
      cuts[level] = all[(int) Math.min(all.length - 1, Math.round(share * all.length))];
    }
    int[][] truth = new int[users][items];
    int[][] train = new int[users][items];
    int[][] test = new int[users][items];
    for (int u = 0; u < users; u++) {
      double[] key = new double[items];
      for (int i = 0; i < items; i++) {
        int rating = 1;
        while (rating < 5 && affinity[u][i] >= cuts[rating - 1]) {
          rating++;
        }
        truth[u][i] = rating;
        // Gumbel top-k: sampling without replacement with weight SELECTION[y] * visibility
        key[i] = Math.log(SELECTION[rating - 1]) + visibility[i] - Math.log(-Math.log(1 - r.nextDouble()));
      }
      for (int i : top(key, ratedPerUser)) {
        train[u][i] = truth[u][i];
      }
      double[] uniform = new double[items];
      for (int i = 0; i < items; i++) {
        uniform[i] = train[u][i] > 0 ? Double.NEGATIVE_INFINITY : r.nextDouble();
      }
      for (int i : top(uniform, randomPerUser)) {
        test[u][i] = truth[u][i];
      }
    }
    return new Ratings(truth, train, test);
  }

  /** Writes {@code train.ascii} and {@code test.ascii} of the ratings into {@code dir} (created). */
  public static void writeCoat(Ratings ratings, Path dir) throws IOException {
    Files.createDirectories(dir);
    write(ratings.train(), dir.resolve("train.ascii"));
    write(ratings.test(), dir.resolve("test.ascii"));
  }

  private static void write(int[][] m, Path file) throws IOException {
    try (Writer w = Files.newBufferedWriter(file)) {
      for (int[] row : m) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < row.length; i++) {
          b.append(i == 0 ? "" : " ").append(row[i]);
        }
        w.write(b.append('\n').toString());
      }
    }
  }

  private static int[] top(double[] key, int k) {
    Integer[] idx = new Integer[key.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    java.util.Arrays.sort(idx, (a, b) -> Double.compare(key[b], key[a]));
    int[] out = new int[k];
    for (int j = 0; j < k; j++) {
      out[j] = idx[j];
    }
    return out;
  }

  private static double[][] gaussian(SplittableRandom r, int rows, int cols, double sd) {
    double[][] out = new double[rows][cols];
    for (double[] row : out) {
      for (int c = 0; c < cols; c++) {
        row[c] = sd * normal(r);
      }
    }
    return out;
  }

  private static double normal(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }
}
