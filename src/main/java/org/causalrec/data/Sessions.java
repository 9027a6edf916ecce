package org.causalrec.data;

import java.time.Duration;
import java.util.Arrays;

/**
 * Impressions grouped into sessions: a user's impressions belong to one session while each
 * follows the previous one within {@link #GAP}. A session is one decision of the logging policy
 * (a slate), the unit that exposure and uplift are estimated per.
 *
 * @param sessionOf per impression row: its session
 * @param user per session: the user
 * @param start per session: the epoch second of its first impression
 * @param end per session: the epoch second of its last impression plus {@link Impressions#CLICK_WINDOW}
 * @param rows per session: its impression rows
 * @param perUser per user index: number of sessions
 */
public record Sessions(int[] sessionOf, int[] user, long[] start, long[] end, int[][] rows, int[] perUser) {

  /** A gap longer than this between a user's impressions starts a new session. */
  public static final Duration GAP = Duration.ofMinutes(30);

  /** Number of sessions. */
  public int size() {
    return user.length;
  }

  /** Groups {@code log}'s impressions into sessions. */
  public static Sessions of(Impressions log) {
    int n = log.size();
    Integer[] order = new Integer[n];
    for (int k = 0; k < n; k++) {
      order[k] = k;
    }
    Arrays.sort(order, (a, b) -> log.user()[a] != log.user()[b] ? Integer.compare(log.user()[a], log.user()[b])
        : Long.compare(log.time()[a], log.time()[b]));
    int[] sessionOf = new int[n];
    int[] perUser = new int[log.users().size()];
    int[] user = new int[n];
    long[] start = new long[n];
    long[] end = new long[n];
    int[] count = new int[n];
    int s = -1;
    for (int k = 0; k < n; k++) {
      int r = order[k];
      int u = log.user()[r];
      long t = log.time()[r];
      boolean same = k > 0 && log.user()[order[k - 1]] == u && t - log.time()[order[k - 1]] <= GAP.getSeconds();
      if (!same) {
        s++;
        user[s] = u;
        start[s] = t;
        perUser[u]++;
      }
      end[s] = t + Impressions.CLICK_WINDOW.getSeconds();
      sessionOf[r] = s;
      count[s]++;
    }
    int sessions = s + 1;
    int[][] rows = new int[sessions][];
    int[] filled = new int[sessions];
    for (int k = 0; k < sessions; k++) {
      rows[k] = new int[count[k]];
    }
    for (int k = 0; k < n; k++) {
      int r = order[k];
      rows[sessionOf[r]][filled[sessionOf[r]]++] = r;
    }
    return new Sessions(sessionOf, Arrays.copyOf(user, sessions), Arrays.copyOf(start, sessions),
        Arrays.copyOf(end, sessions), rows, perUser);
  }

  /**
   * Pairs the sessions did not show: per session, {@code perSession} items drawn uniformly from
   * those its slate left out, as impressions in the session's context (its surface, time and the
   * user's history then) at a position drawn from the slate's own, never clicked. Each stands for
   * (items not shown) / perSession pairs: {@link Unshown#weight}.
   *
   * @param pairs the sampled pairs, over the log's vocabularies
   * @param weight per pair: how many unshown pairs of its session it stands for
   */
  public record Unshown(Impressions pairs, float[] weight) {}

  /** Samples unshown pairs of every session of {@code log} (see {@link Unshown}). */
  public Unshown unshown(Impressions log, int perSession, long seed) {
    int items = log.items().size();
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    int cap = size() * perSession;
    int[] u = new int[cap];
    int[] it = new int[cap];
    int[] pos = new int[cap];
    int[] surf = new int[cap];
    int[] hr = new int[cap];
    long[] t = new long[cap];
    float[] w = new float[cap];
    int n = 0;
    java.util.BitSet shown = new java.util.BitSet(items);
    for (int s = 0; s < size(); s++) {
      shown.clear();
      for (int r : rows[s]) {
        shown.set(log.item()[r]);
      }
      int unshown = items - shown.cardinality();
      if (unshown == 0) {
        continue;
      }
      for (int k = 0; k < perSession; k++) {
        int i;
        do {
          i = rng.nextInt(items);
        } while (shown.get(i));
        int like = rows[s][rng.nextInt(rows[s].length)];
        u[n] = user[s];
        it[n] = i;
        pos[n] = log.position()[like];
        surf[n] = log.surface()[like];
        hr[n] = log.hour()[like];
        t[n] = log.time()[like];
        w[n] = unshown / (float) perSession;
        n++;
      }
    }
    float[] nan = new float[n];
    Arrays.fill(nan, Float.NaN);
    Impressions pairs = new Impressions(log.users(), log.items(), log.surfaces(), Arrays.copyOf(u, n),
        Arrays.copyOf(it, n), Arrays.copyOf(pos, n), Arrays.copyOf(surf, n), Arrays.copyOf(hr, n),
        Arrays.copyOf(t, n), new boolean[n], new boolean[n], nan, new boolean[n], log.history(), log.historyTime(),
        log.purchases(), log.purchaseTime());
    return new Unshown(pairs, Arrays.copyOf(w, n));
  }
}
