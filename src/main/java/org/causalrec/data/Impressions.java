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
 * @param history per user: positive items (clicks, carts, purchases) in time order
 * @param historyTime per user: the epoch second of each {@code history} entry
 */
public record Impressions(IdIndex users, IdIndex items, IdIndex surfaces, int[] user, int[] item, int[] position,
    int[] surface, int[] hour, long[] time, boolean[] clicked, int[][] history, long[][] historyTime) {

  /** A click counts for an impression when it follows it within this window. */
  public static final Duration CLICK_WINDOW = Duration.ofMinutes(30);

  /** Number of impressions. */
  public int size() {
    return user.length;
  }

  /** Reads every event (blocking; a worker or plain thread) and labels the impressions. */
  public static Impressions load(EventRepository events) {
    IdIndex users = new IdIndex();
    IdIndex items = new IdIndex();
    IdIndex surfaces = new IdIndex();
    surfaces.add("");
    List<long[]> imps = new ArrayList<>(); // user, item, position, surface, epochSecond
    Map<Long, List<Long>> clicks = new HashMap<>();
    Map<Integer, List<long[]>> positives = new HashMap<>(); // user -> (epochSecond, item)
    long cursor = 0;
    while (true) {
      List<Event> page = events.scan(cursor, 50_000).toCompletionStage().toCompletableFuture().join();
      for (Event e : page) {
        int u = users.add(e.userId());
        int i = items.add(e.itemId());
        long key = ((long) u << 32) | i;
        switch (e.type()) {
          case "impression" -> imps.add(new long[] {u, i, e.position() == null ? -1 : e.position(),
              surfaces.add(e.surface() == null ? "" : e.surface()), e.ts().getEpochSecond()});
          case "click", "purchase", "add_to_cart" -> {
            clicks.computeIfAbsent(key, k -> new ArrayList<>()).add(e.ts().getEpochSecond());
            positives.computeIfAbsent(u, k -> new ArrayList<>()).add(new long[] {e.ts().getEpochSecond(), i});
          }
          default -> { }
        }
      }
      if (page.size() < 50_000) {
        break;
      }
      cursor = page.get(page.size() - 1).id();
    }
    // Label each impression, then renumber users, items and surfaces in id order and sort the
    // impressions by (time, user, item): the result does not depend on the order events arrived in.
    long window = CLICK_WINDOW.getSeconds();
    List<long[]> labelled = new ArrayList<>(imps.size()); // user, item, position, surface, time, clicked
    for (long[] r : imps) {
      boolean c = false;
      List<Long> cs = clicks.get((r[0] << 32) | r[1]);
      if (cs != null) {
        for (long t : cs) {
          if (t >= r[4] && t <= r[4] + window) {
            c = true;
            break;
          }
        }
      }
      labelled.add(new long[] {r[0], r[1], r[2], r[3], r[4], c ? 1 : 0});
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
    }
    int[][] history = new int[users.size()][];
    long[][] historyTime = new long[users.size()][];
    for (int u = 0; u < users.size(); u++) {
      List<long[]> ps = positives.getOrDefault(u, new ArrayList<>());
      // same time: by item id, so ties do not depend on arrival order either
      ps.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Integer.compare(itemMap[(int) a[1]], itemMap[(int) b[1]]));
      history[userMap[u]] = ps.stream().mapToInt(x -> itemMap[(int) x[1]]).toArray();
      historyTime[userMap[u]] = ps.stream().mapToLong(x -> x[0]).toArray();
    }
    IdIndex sortedUsers = IdIndex.of(users.ids().stream().sorted().toList());
    IdIndex sortedItems = IdIndex.of(items.ids().stream().sorted().toList());
    IdIndex sortedSurfaces = IdIndex.of(surfaces.ids().stream().sorted().toList());
    return new Impressions(sortedUsers, sortedItems, sortedSurfaces, user, item, position, surface, hour, time,
        clicked, history, historyTime);
  }

  /**
   * Up to {@code max} most recent positive items of impression k's user strictly before it
   * (so the label's own click is never an input), newest last.
   */
  public int[] historyBefore(int k, int max) {
    long[] t = historyTime[user[k]];
    int end = java.util.Arrays.binarySearch(t, time[k]);
    if (end < 0) {
      end = -end - 1;
    } else {
      while (end > 0 && t[end - 1] == time[k]) {
        end--;
      }
    }
    return java.util.Arrays.copyOfRange(history[user[k]], Math.max(0, end - max), end);
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
    for (int k = 0; k < n; k++) {
      int r = rows[k];
      u[k] = user[r];
      i[k] = item[r];
      p[k] = position[r];
      s[k] = surface[r];
      h[k] = hour[r];
      t[k] = time[r];
      c[k] = clicked[r];
    }
    return new Impressions(users, items, surfaces, u, i, p, s, h, t, c, history, historyTime);
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
