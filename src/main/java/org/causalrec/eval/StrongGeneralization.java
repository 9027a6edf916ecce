package org.causalrec.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.causalrec.data.Interactions;

/**
 * The Mult-VAE paper's strong-generalisation split: validation and test users are disjoint from
 * training users; each held-out user's items are split 80/20 into a fold-in part (the model sees
 * it) and a target part (to be ranked).
 *
 * @param train rows of the training users
 * @param valFoldIn validation users' fold-in items
 * @param valTarget validation users' held-out items
 * @param testFoldIn test users' fold-in items
 * @param testTarget test users' held-out items
 */
public record StrongGeneralization(Interactions train, Interactions valFoldIn, Interactions valTarget,
    Interactions testFoldIn, Interactions testTarget) {

  /** Held-out users need at least this many items to be split 80/20 (the paper keeps users with 5+). */
  public static final int MIN_ITEMS = 5;

  /**
   * Splits {@code x}: {@code heldOut} users each for validation and test, drawn among users with
   * at least {@link #MIN_ITEMS} items; a {@code foldIn} share of each one's items is folded in.
   */
  public static StrongGeneralization split(Interactions x, int heldOut, double foldIn, long seed) {
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
    return new StrongGeneralization(x.selectRows(toArray(train)), v[0], v[1], t[0], t[1]);
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
