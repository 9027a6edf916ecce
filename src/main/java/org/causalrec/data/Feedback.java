package org.causalrec.data;

import java.util.List;
import org.causalrec.config.EventTypes;
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;

/**
 * Implicit feedback read from the event store: the id indexes, the weighted CSR user × item
 * matrix, and the last event id it covers (the data snapshot a model is trained on).
 *
 * @param users user id index (rows)
 * @param items item id index (columns)
 * @param matrix summed feedback weights per (user, item); only positive weights are kept
 * @param maxEventId the largest event id read
 */
public record Feedback(IdIndex users, IdIndex items, Interactions matrix, long maxEventId) {

  /** Ratings at or above this value count as positive feedback (the debiasing papers' convention). */
  public static final double POSITIVE_RATING = 4.0;

  /**
   * Reads every event (blocking: call it from a worker or a plain thread, never an event loop). An event's weight is its type's weight;
   * a rating counts only when its value is at least {@link #POSITIVE_RATING}; events of weight
   * 0 (impressions by default) and of unknown types are left out.
   */
  public static Feedback load(EventRepository events, EventTypes types) {
    return load(events, types, e -> true);
  }

  /** As {@link #load(EventRepository, EventTypes)}, over the events {@code keep} accepts only. */
  public static Feedback load(EventRepository events, EventTypes types, java.util.function.Predicate<Event> keep) {
    Raw raw = read(events, types, keep);
    return new Feedback(raw.sortedUsers(), raw.sortedItems(), raw.matrix(t -> true), raw.maxEventId());
  }

  /** The feedback of events held in memory (any order; their ids may be null). */
  public static Feedback of(Iterable<Event> events, EventTypes types) {
    IdIndex users = new IdIndex();
    IdIndex items = new IdIndex();
    TripletBuffer triplets = new TripletBuffer();
    long maxId = 0;
    for (Event e : events) {
      add(e, types, users, items, triplets);
      maxId = e.id() == null ? maxId : Math.max(maxId, e.id());
    }
    Raw raw = new Raw(users, items, triplets, maxId);
    return new Feedback(raw.sortedUsers(), raw.sortedItems(), raw.matrix(t -> true), raw.maxEventId());
  }

  /**
   * The stored feedback split in time: the first {@code trainShare} of the positive events (by
   * timestamp) and the rest, as two matrices over the same indexes.
   *
   * @param before feedback before the cut-off (its maxEventId is that of the whole read)
   * @param after the user x item matrix of feedback at or after the cut-off
   * @param cutoff the cut-off time
   */
  public record Temporal(Feedback before, Interactions after, java.time.Instant cutoff) {}

  /** Reads every event and splits the positive feedback at the {@code trainShare} quantile of time. */
  public static Temporal loadTemporal(EventRepository events, EventTypes types, double trainShare) {
    Raw raw = read(events, types, e -> true);
    long[] times = java.util.Arrays.copyOf(raw.triplets().ts, raw.triplets().n);
    java.util.Arrays.sort(times);
    long cutoff = times.length == 0 ? 0 : times[(int) Math.min(times.length - 1, Math.floor(trainShare * times.length))];
    Feedback before = new Feedback(raw.sortedUsers(), raw.sortedItems(), raw.matrix(t -> t < cutoff), raw.maxEventId());
    return new Temporal(before, raw.matrix(t -> t >= cutoff), java.time.Instant.ofEpochSecond(cutoff));
  }

  private record Raw(IdIndex users, IdIndex items, TripletBuffer triplets, long maxEventId, int[] userMap,
      int[] itemMap) {

    Raw(IdIndex users, IdIndex items, TripletBuffer triplets, long maxEventId) {
      this(users, items, triplets, maxEventId, sortedRemap(users), sortedRemap(items));
    }

    IdIndex sortedUsers() {
      return IdIndex.of(users.ids().stream().sorted().toList());
    }

    IdIndex sortedItems() {
      return IdIndex.of(items.ids().stream().sorted().toList());
    }

    /** Indexes in id order, not arrival order: concurrent writers may interleave arrivals, and
     * splits and seeds must give the same result for the same stored data. */
    Interactions matrix(java.util.function.LongPredicate keepTime) {
      return triplets.build(users.size(), items.size(), userMap, itemMap, keepTime);
    }
  }

  private static Raw read(EventRepository events, EventTypes types, java.util.function.Predicate<Event> keep) {
    IdIndex users = new IdIndex();
    IdIndex items = new IdIndex();
    TripletBuffer triplets = new TripletBuffer();
    long last = events.forEachBlocking(e -> {
      if (keep.test(e)) {
        add(e, types, users, items, triplets);
      }
    });
    return new Raw(users, items, triplets, last);
  }

  private static void add(Event e, EventTypes types, IdIndex users, IdIndex items, TripletBuffer triplets) {
    float w = weight(e, types);
    if (w > 0) {
      triplets.add(users.add(e.userId()), items.add(e.itemId()), w, e.ts().getEpochSecond());
    }
  }

  /** For each index of {@code index}, its position when the ids are sorted. */
  static int[] sortedRemap(IdIndex index) {
    List<String> ids = index.ids();
    Integer[] order = new Integer[ids.size()];
    for (int k = 0; k < order.length; k++) {
      order[k] = k;
    }
    java.util.Arrays.sort(order, java.util.Comparator.comparing(ids::get));
    int[] map = new int[order.length];
    for (int pos = 0; pos < order.length; pos++) {
      map[order[pos]] = pos;
    }
    return map;
  }

  /** The implicit-feedback weight of one event under the configured types. */
  public static float weight(Event e, EventTypes types) {
    EventTypes.Type t = types.get(e.type());
    if (t == null) {
      return 0f;
    }
    if (t.valueRequired() && e.type().equals("rating")) {
      return e.value() != null && e.value() >= POSITIVE_RATING ? (float) t.weight() : 0f;
    }
    return (float) t.weight();
  }

  /** Triplets gathered before the matrix size is known. */
  private static final class TripletBuffer {
    private int[] us = new int[4096];
    private int[] is = new int[4096];
    private float[] ws = new float[4096];
    private long[] ts = new long[4096];
    private int n;

    void add(int u, int i, float w, long t) {
      if (n == us.length) {
        us = java.util.Arrays.copyOf(us, n * 2);
        is = java.util.Arrays.copyOf(is, n * 2);
        ws = java.util.Arrays.copyOf(ws, n * 2);
        ts = java.util.Arrays.copyOf(ts, n * 2);
      }
      us[n] = u;
      is[n] = i;
      ws[n] = w;
      ts[n] = t;
      n++;
    }

    Interactions build(int users, int items, int[] userMap, int[] itemMap, java.util.function.LongPredicate keep) {
      Interactions.Builder b = new Interactions.Builder(users, items);
      for (int k = 0; k < n; k++) {
        if (keep.test(ts[k])) {
          b.add(userMap[us[k]], itemMap[is[k]], ws[k]);
        }
      }
      return b.build();
    }
  }
}
