package org.causalrec.data;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;

/**
 * Logged impressions with their context and whether the user then clicked (a click or a
 * conversion on the same item within {@link #CLICK_WINDOW}): the click model's examples.
 *
 * @param users user id index
 * @param items item id index
 * @param surfaces surface vocabulary (index 0 = unknown)
 * @param user user index per impression
 * @param item item index per impression
 * @param position position per impression (-1 when not logged)
 * @param surface surface index per impression
 * @param hour hour of day (UTC) per impression
 * @param time epoch second per impression
 * @param clicked label per impression
 * @param converted per impression: a purchase of the item followed within {@link #CLICK_WINDOW}
 * @param propensity per impression: the logged propensity of showing it, NaN when not logged
 * @param perPosition per impression: whether its propensity is P(this item at this position) rather
 *     than P(this item anywhere in the slate); see {@link #PER_POSITION_SUFFIX}
 * @param history per user: positive items (clicks, carts, purchases) in time order
 * @param historyTime per user: the epoch second of each {@code history} entry
 * @param purchases per user: purchased items in time order (recommended or not)
 * @param purchaseTime per user: the epoch second of each {@code purchases} entry
 */
public record Impressions(IdIndex users, IdIndex items, IdIndex surfaces, int[] user, int[] item, int[] position,
    int[] surface, int[] hour, long[] time, boolean[] clicked, boolean[] converted, float[] propensity,
    boolean[] perPosition, int[][] history, long[][] historyTime, int[][] purchases, long[][] purchaseTime) {

  /** A click counts for an impression when it follows it within this window. */
  public static final Duration CLICK_WINDOW = Duration.ofMinutes(30);

  /**
   * An impression's propensity is per position (the probability that the logging policy put this
   * item at this position, as the Open Bandit Dataset logs it) when the logging policy's version
   * in its {@code context.model_version} ends with this suffix; otherwise it is the probability
   * that the item was in the slate at all (as the simulator logs it).
   */
  public static final String PER_POSITION_SUFFIX = "@position";

  /** Number of impressions. */
  public int size() {
    return user.length;
  }

  /** Reads every event (blocking; a worker or plain thread) and labels the impressions. */
  public static Impressions load(EventRepository events) {
    Builder b = new Builder();
    events.forEachBlocking(b::add);
    return b.build();
  }

  /** The impressions of events held in memory (any order). */
  public static Impressions of(Iterable<Event> events) {
    Builder b = new Builder();
    events.forEach(b::add);
    return b.build();
  }

  /** Gathers events, then labels and orders the impressions. */
  private static final class Builder {
    private final IdIndex users = new IdIndex();
    private final IdIndex items = new IdIndex();
    private final IdIndex surfaces = new IdIndex();
    // user, item, position, surface, epochSecond, propensity bits, per-position propensity
    private final List<long[]> imps = new ArrayList<>();
    private final Map<Long, List<Long>> clicks = new HashMap<>();
    private final Map<Long, List<Long>> buys = new HashMap<>();
    private final Map<Integer, List<long[]>> positives = new HashMap<>(); // user -> (epochSecond, item)
    private final Map<Integer, List<long[]>> purchased = new HashMap<>();

    Builder() {
      surfaces.add("");
    }

    void add(Event e) {
      int u = users.add(e.userId());
      int i = items.add(e.itemId());
      long key = ((long) u << 32) | i;
      long t = e.ts().getEpochSecond();
      switch (e.type()) {
        case "impression" -> imps.add(new long[] {u, i, e.position() == null ? -1 : e.position(),
            surfaces.add(e.surface() == null ? "" : e.surface()), t,
            Float.floatToIntBits(e.propensity() == null ? Float.NaN : e.propensity().floatValue()),
            e.modelVersion() != null && e.modelVersion().endsWith(PER_POSITION_SUFFIX) ? 1 : 0});
        case "click", "purchase", "add_to_cart" -> {
          clicks.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
          positives.computeIfAbsent(u, k -> new ArrayList<>()).add(new long[] {t, i});
          if (e.type().equals("purchase")) {
            buys.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
            purchased.computeIfAbsent(u, k -> new ArrayList<>()).add(new long[] {t, i});
          }
        }
        default -> { }
      }
    }

    Impressions build() {
      return Impressions.build(users, items, surfaces, imps, clicks, buys, positives, purchased);
    }
  }

  private static boolean within(List<Long> times, long from, long window) {
    if (times != null) {
      for (long t : times) {
        if (t >= from && t <= from + window) {
          return true;
        }
      }
    }
    return false;
  }

  private static Impressions build(IdIndex users, IdIndex items, IdIndex surfaces, List<long[]> imps,
      Map<Long, List<Long>> clicks, Map<Long, List<Long>> buys, Map<Integer, List<long[]>> positives,
      Map<Integer, List<long[]>> purchased) {
    // Label each impression, then renumber users, items and surfaces in id order and sort the
    // impressions by (time, user, item): the result does not depend on the order events arrived in.
    long window = CLICK_WINDOW.getSeconds();
    // user, item, position, surface, time, clicked, bought, p, per-position p
    List<long[]> labelled = new ArrayList<>(imps.size());
    for (long[] r : imps) {
      long key = (r[0] << 32) | r[1];
      labelled.add(new long[] {r[0], r[1], r[2], r[3], r[4], within(clicks.get(key), r[4], window) ? 1 : 0,
          within(buys.get(key), r[4], window) ? 1 : 0, r[5], r[6]});
    }
    int[] userMap = Feedback.sortedRemap(users);
    int[] itemMap = Feedback.sortedRemap(items);
    int[] surfaceMap = Feedback.sortedRemap(surfaces);
    for (long[] r : labelled) {
      r[0] = userMap[(int) r[0]];
      r[1] = itemMap[(int) r[1]];
      r[3] = surfaceMap[(int) r[3]];
    }
    labelled.sort((a, b) -> a[4] != b[4] ? Long.compare(a[4], b[4]) : a[0] != b[0] ? Long.compare(a[0], b[0])
        : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
    int n = labelled.size();
    int[] user = new int[n];
    int[] item = new int[n];
    int[] position = new int[n];
    int[] surface = new int[n];
    int[] hour = new int[n];
    boolean[] clicked = new boolean[n];
    boolean[] converted = new boolean[n];
    float[] propensity = new float[n];
    boolean[] perPosition = new boolean[n];
    long[] time = new long[n];
    for (int k = 0; k < n; k++) {
      long[] r = labelled.get(k);
      user[k] = (int) r[0];
      item[k] = (int) r[1];
      position[k] = (int) r[2];
      surface[k] = (int) r[3];
      time[k] = r[4];
      hour[k] = (int) ((r[4] / 3600) % 24);
      clicked[k] = r[5] == 1;
      converted[k] = r[6] == 1;
      propensity[k] = Float.intBitsToFloat((int) r[7]);
      perPosition[k] = r[8] == 1;
    }
    int[][] history = new int[users.size()][];
    long[][] historyTime = new long[users.size()][];
    int[][] purchases = new int[users.size()][];
    long[][] purchaseTime = new long[users.size()][];
    for (int u = 0; u < users.size(); u++) {
      ordered(positives.get(u), itemMap, userMap[u], history, historyTime);
      ordered(purchased.get(u), itemMap, userMap[u], purchases, purchaseTime);
    }
    IdIndex sortedUsers = IdIndex.of(users.ids().stream().sorted().toList());
    IdIndex sortedItems = IdIndex.of(items.ids().stream().sorted().toList());
    IdIndex sortedSurfaces = IdIndex.of(surfaces.ids().stream().sorted().toList());
    return new Impressions(sortedUsers, sortedItems, sortedSurfaces, user, item, position, surface, hour, time,
        clicked, converted, propensity, perPosition, history, historyTime, purchases, purchaseTime);
  }

  /** One user's (epochSecond, item) list in time order (ties by item id, so arrival order does not matter). */
  private static void ordered(List<long[]> ps, int[] itemMap, int row, int[][] items, long[][] times) {
    List<long[]> l = ps == null ? List.of() : ps;
    l = new ArrayList<>(l);
    l.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Integer.compare(itemMap[(int) a[1]], itemMap[(int) b[1]]));
    items[row] = l.stream().mapToInt(x -> itemMap[(int) x[1]]).toArray();
    times[row] = l.stream().mapToLong(x -> x[0]).toArray();
  }

  /**
   * Up to {@code max} most recent positive items of impression k's user strictly before it
   * (so the label's own click is never an input), newest last.
   */
  public int[] historyBefore(int k, int max) {
    int end = firstAtOrAfter(historyTime[user[k]], time[k]);
    return java.util.Arrays.copyOfRange(history[user[k]], Math.max(0, end - max), end);
  }

  /** The index of the first entry of ascending {@code sorted} at or after {@code time} (its length if none). */
  public static int firstAtOrAfter(long[] sorted, long time) {
    int k = java.util.Arrays.binarySearch(sorted, time);
    if (k < 0) {
      return -k - 1;
    }
    while (k > 0 && sorted[k - 1] == time) {
      k--;
    }
    return k;
  }

  /** The impressions at the given indexes (same indexes and vocabularies). */
  public Impressions select(int[] rows) {
    int n = rows.length;
    int[] u = new int[n];
    int[] i = new int[n];
    int[] p = new int[n];
    int[] s = new int[n];
    int[] h = new int[n];
    long[] t = new long[n];
    boolean[] c = new boolean[n];
    boolean[] b = new boolean[n];
    float[] e = new float[n];
    boolean[] pp = new boolean[n];
    for (int k = 0; k < n; k++) {
      int r = rows[k];
      u[k] = user[r];
      i[k] = item[r];
      p[k] = position[r];
      s[k] = surface[r];
      h[k] = hour[r];
      t[k] = time[r];
      c[k] = clicked[r];
      b[k] = converted[r];
      e[k] = propensity[r];
      pp[k] = perPosition[r];
    }
    return new Impressions(users, items, surfaces, u, i, p, s, h, t, c, b, e, pp, history, historyTime, purchases,
        purchaseTime);
  }

  /** These impressions followed by {@code other}'s, which must share the vocabularies and histories. */
  public Impressions concat(Impressions other) {
    if (other.items != items || other.users != users || other.history != history) {
      throw new IllegalArgumentException("impressions of different logs cannot be joined");
    }
    int n = size();
    int m = other.size();
    return new Impressions(users, items, surfaces, join(user, other.user), join(item, other.item),
        join(position, other.position), join(surface, other.surface), join(hour, other.hour),
        java.util.stream.LongStream.concat(Arrays.stream(time), Arrays.stream(other.time)).toArray(),
        joinBool(clicked, other.clicked, n, m), joinBool(converted, other.converted, n, m),
        joinFloat(propensity, other.propensity), joinBool(perPosition, other.perPosition, n, m), history, historyTime, purchases, purchaseTime);
  }

  private static int[] join(int[] a, int[] b) {
    int[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static float[] joinFloat(float[] a, float[] b) {
    float[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static boolean[] joinBool(boolean[] a, boolean[] b, int n, int m) {
    boolean[] c = Arrays.copyOf(a, n + m);
    System.arraycopy(b, 0, c, n, m);
    return c;
  }

  /** Share of impressions that were clicked. */
  public double clickRate() {
    int c = 0;
    for (boolean b : clicked) {
      if (b) {
        c++;
      }
    }
    return c / (double) Math.max(1, clicked.length);
  }

  @Override
  public String toString() {
    return "Impressions[" + size() + ", click rate " + clickRate() + ", surfaces " + Arrays.toString(
        surfaces.ids().toArray()) + "]";
  }
}
