package org.causalrec.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.causalrec.data.Interactions;

/**
 * Training rows, and validation and test users each with a fold-in part (the model sees it) and a
 * target part (to be ranked). Two protocols build it: the Mult-VAE paper's strong generalisation
 * (held-out users disjoint from training users, their items split 80/20) and a temporal split
 * (train on everything before a cut-off time, rank what users did after it).
 *
 * @param train rows of the training users
 * @param valFoldIn validation users' fold-in items
 * @param valTarget validation users' held-out items
 * @param testFoldIn test users' fold-in items
 * @param testTarget test users' held-out items
 * @param trainRows for each row of {@code train}, its row in the matrix that was split
 */
public record HoldoutSplit(Interactions train, Interactions valFoldIn, Interactions valTarget,
    Interactions testFoldIn, Interactions testTarget, int[] trainRows) {

  /**
   * The temporal split: the model trains on {@code before} (every user's interactions before the
   * cut-off); users with interactions on both sides are split in halves into validation and test
   * users, whose fold-in is their row of {@code before} and whose target is what they did after
   * the cut-off with items they had not had before. Both matrices share indexes.
   */
  public static HoldoutSplit temporal(Interactions before, Interactions after, long seed) {
    java.util.List<Integer> users = new java.util.ArrayList<>();
    for (int u = 0; u < before.users(); u++) {
      if (before.rowLength(u) > 0 && newItems(before, after, u).length > 0) {
        users.add(u);
      }
    }
    java.util.Collections.shuffle(users, new java.util.Random(seed));
    int half = users.size() / 2;
    Interactions[] v = temporalPart(before, after, users.subList(0, half));
    Interactions[] t = temporalPart(before, after, users.subList(half, users.size()));
    return new HoldoutSplit(before, v[0], v[1], t[0], t[1],
        java.util.stream.IntStream.range(0, before.users()).toArray());
  }

  private static Interactions[] temporalPart(Interactions before, Interactions after, java.util.List<Integer> users) {
    Interactions.Builder in = new Interactions.Builder(users.size(), before.items());
    Interactions.Builder out = new Interactions.Builder(users.size(), before.items());
    for (int r = 0; r < users.size(); r++) {
      int u = users.get(r);
      for (int i : before.row(u)) {
        in.add(r, i, 1f);
      }
      for (int i : newItems(before, after, u)) {
        out.add(r, i, 1f);
      }
    }
    return new Interactions[] {in.build(), out.build()};
  }

  private static int[] newItems(Interactions before, Interactions after, int u) {
    java.util.Set<Integer> had = new java.util.HashSet<>();
    for (int i : before.row(u)) {
      had.add(i);
    }
    return java.util.Arrays.stream(after.row(u)).filter(i -> !had.contains(i)).toArray();
  }

  /** Held-out users need at least this many items to be split 80/20 (the paper keeps users with 5+). */
  public static final int MIN_ITEMS = 5;

  /**
   * Splits {@code x}: {@code heldOut} users each for validation and test, drawn among users with
   * at least {@link #MIN_ITEMS} items; a {@code foldIn} share of each one's items is folded in.
   */
  public static HoldoutSplit strongGeneralization(Interactions x, int heldOut, double foldIn, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] perm = permutation(x.users(), rng);
    List<Integer> val = new ArrayList<>();
    List<Integer> test = new ArrayList<>();
    List<Integer> train = new ArrayList<>();
    for (int u : perm) {
      if (x.rowLength(u) >= MIN_ITEMS && val.size() < heldOut) {
        val.add(u);
      } else if (x.rowLength(u) >= MIN_ITEMS && test.size() < heldOut) {
        test.add(u);
      } else if (x.rowLength(u) > 0) {
        train.add(u);
      }
    }
    Interactions[] v = foldIn(x, val, foldIn, rng);
    Interactions[] t = foldIn(x, test, foldIn, rng);
    int[] rows = toArray(train);
    return new HoldoutSplit(x.selectRows(rows), v[0], v[1], t[0], t[1], rows);
  }

  private static Interactions[] foldIn(Interactions x, List<Integer> users, double share, SplittableRandom rng) {
    Interactions.Builder in = new Interactions.Builder(users.size(), x.items());
    Interactions.Builder out = new Interactions.Builder(users.size(), x.items());
    for (int r = 0; r < users.size(); r++) {
      int[] items = x.row(users.get(r));
      float[] w = x.rowWeights(users.get(r));
      int[] order = permutation(items.length, rng);
      int keep = (int) Math.round(share * items.length);
      for (int k = 0; k < items.length; k++) {
        int j = order[k];
        (k < keep ? in : out).add(r, items[j], w[j]);
      }
    }
    return new Interactions[] {in.build(), out.build()};
  }

  private static int[] permutation(int n, SplittableRandom rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  private static int[] toArray(List<Integer> list) {
    return list.stream().mapToInt(Integer::intValue).toArray();
  }
}
