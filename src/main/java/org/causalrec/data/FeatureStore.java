package org.causalrec.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.causalrec.config.Config;
import org.causalrec.ingest.EventBatch;
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;

/**
 * In-memory features kept current from the event stream: the id indexes, each user's recent
 * positive items and consumed items, and per-item counts of users with positive feedback. At
 * every start it bulk-loads the stored log up to the stream's cursor and then applies the stream's
 * batches (those that arrive during the load wait in a buffer), so it needs no persistence of its
 * own and adds no second reader of the events table. Thread-safe.
 */
public final class FeatureStore {

  /** How many recent positive items are kept per user (the history folded into the model). */
  public static final int HISTORY = 500;

  private static final int LOAD_PAGE = 50_000;
  private static final int APPLY_SLICE = 2_000;

  private static final class UserState {
    /** Recent positive items, oldest first; a hash set in insertion order, so a repeat moves in O(1). */
    final LinkedHashSet<Integer> recent = new LinkedHashSet<>();
    final Set<Integer> positive = new HashSet<>();
    final Set<Integer> consumed = new HashSet<>();
    /** The store's change count when this user's state last changed. */
    long stamp;
  }

  /** Ids applied from commits on this node ahead of the stream; the stream skips them when it delivers them. */
  private final Set<Long> appliedAhead = new HashSet<>();
  /** Beyond this many ids waiting for the stream, commits are left to the stream alone. */
  private static final int MAX_AHEAD = 1_000_000;
  private long changes;

  private final Config config;
  private final IdIndex users = new IdIndex();
  private final IdIndex items = new IdIndex();
  private final Map<Integer, UserState> state = new HashMap<>();
  private int[] itemUsers = new int[1024];
  private long lastId;
  /**
   * Events taken in id order (bulk load and stream) up to {@link #lastId}: the count of stored ids up
   * to it when delivery is exactly once.
   */
  private long delivered;
  private volatile boolean ready;
  private volatile boolean failed;
  private int[] popularOrder = new int[0];
  private boolean popularDirty = true;
  private long popularAt;

  public FeatureStore(Config config) {
    this.config = config;
  }

  private List<EventBatch> waiting = new ArrayList<>();

  /** Takes a batch from the stream: applied now, or after the bulk load when that is still running. */
  public synchronized void accept(EventBatch batch) {
    if (failed) {
      return; // the load failed: the recommender reads PostgreSQL, nothing is kept here
    }
    if (waiting != null) {
      waiting.add(batch);
    } else {
      apply(batch);
    }
  }

  /**
   * Bulk-loads the stored events with ids up to {@code upTo} (the stream's cursor at start: every
   * id below it has committed or never will), then applies the batches the stream delivered
   * meanwhile. Blocking: call it on a worker thread.
   */
  public void load(EventRepository events, long upTo) {
    try {
      long cursor = 0;
      while (cursor < upTo) {
        List<Event> page = events.scan(cursor, LOAD_PAGE).toCompletionStage().toCompletableFuture().join();
        List<Event> within = page.stream().filter(e -> e.id() <= upTo).toList();
        // applied in small slices, so the stream and readers never wait long on the lock
        for (int k = 0; k < within.size(); k += APPLY_SLICE) {
          apply(new EventBatch(within.subList(k, Math.min(within.size(), k + APPLY_SLICE))));
        }
        if (page.size() < LOAD_PAGE || within.size() < page.size()) {
          break;
        }
        cursor = page.get(page.size() - 1).id();
      }
      while (true) {
        List<EventBatch> next;
        synchronized (this) {
          if (waiting.isEmpty()) {
            waiting = null;
            ready = true;
            return;
          }
          next = waiting;
          waiting = new ArrayList<>();
        }
        next.forEach(this::apply);
      }
    } catch (RuntimeException e) {
      synchronized (this) {
        failed = true;
        waiting = null;
      }
      throw e;
    }
  }

  /** Applies a batch (ids increasing; ids already applied are skipped). */
  public synchronized void apply(EventBatch batch) {
    for (Event e : batch.events()) {
      if (e.id() <= lastId) {
        continue;
      }
      lastId = e.id();
      delivered++;
      if (!appliedAhead.remove(e.id())) {
        applyOne(e);
      }
    }
  }

  /**
   * Applies events this node just committed (with their server ids), ahead of the stream, so the
   * node's next answer to their users sees them; the stream's delivery of the same ids is then
   * skipped. Before the bulk load has finished it does nothing: the stream delivers them in order.
   */
  public synchronized void applyCommitted(List<Event> committed) {
    if (!ready || failed || appliedAhead.size() > MAX_AHEAD) {
      return;
    }
    for (Event e : committed) {
      if (e.id() != null && e.id() > lastId && appliedAhead.add(e.id())) {
        applyOne(e);
      }
    }
  }

  private void applyOne(Event e) {
    int u = users.add(e.userId());
    int i = items.add(e.itemId());
    UserState s = state.computeIfAbsent(u, k -> new UserState());
    if (Feedback.weight(e, config.eventTypes()) > 0) {
      s.stamp = ++changes;
      s.recent.remove(i);
      s.recent.add(i);
      if (s.recent.size() > HISTORY) {
        s.recent.remove(s.recent.iterator().next());
      }
      if (s.positive.add(i)) {
        if (i >= itemUsers.length) {
          itemUsers = Arrays.copyOf(itemUsers, Math.max(i + 1, itemUsers.length * 2));
        }
        itemUsers[i]++;
        popularDirty = true;
      }
    }
    if (config.models().excludeTypes().contains(e.type()) && s.consumed.add(i)) {
      s.stamp = ++changes;
    }
  }

  /** Whether the bulk load has finished (recommendations may use it from now on). */
  public boolean ready() {
    return ready;
  }

  /** The last event id applied. */
  public synchronized long lastEventId() {
    return lastId;
  }

  /**
   * A user's features at one moment.
   *
   * @param history recent positive items, oldest first
   * @param consumed items of the configured exclude types
   * @param stamp changes whenever the user's history or consumed items do (0: none yet)
   */
  public record UserView(List<String> history, Set<String> consumed, long stamp) {}

  /** The user's history, consumed items and stamp, read together. */
  public synchronized UserView view(String userId) {
    int u = users.indexOf(userId);
    UserState s = u < 0 ? null : state.get(u);
    return s == null ? new UserView(List.of(), Set.of(), 0) : new UserView(history(userId), consumed(userId), s.stamp);
  }

  /** The user's stamp (see {@link UserView#stamp}): equal stamps, equal features. */
  public synchronized long stamp(String userId) {
    int u = users.indexOf(userId);
    UserState s = u < 0 ? null : state.get(u);
    return s == null ? 0 : s.stamp;
  }

  /** The user's recent positive items, oldest first (empty for unknown users). */
  public synchronized List<String> history(String userId) {
    int u = users.indexOf(userId);
    UserState s = u < 0 ? null : state.get(u);
    if (s == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>(s.recent.size());
    s.recent.forEach(i -> out.add(items.id(i)));
    return out;
  }

  /** Items the user consumed (events of the configured exclude types). */
  public synchronized Set<String> consumed(String userId) {
    int u = users.indexOf(userId);
    UserState s = u < 0 ? null : state.get(u);
    if (s == null) {
      return Set.of();
    }
    Set<String> out = new HashSet<>();
    s.consumed.forEach(i -> out.add(items.id(i)));
    return out;
  }

  /**
   * Item ids by how many users gave them positive feedback, most first, with the count; at most
   * {@code max}.
   */
  public synchronized List<Map.Entry<String, Integer>> popular(int max) {
    // re-sorted at most once a second under a stream of new feedback
    if (popularDirty && (popularOrder.length == 0 || System.currentTimeMillis() - popularAt > 1_000)) {
      popularAt = System.currentTimeMillis();
      Integer[] order = new Integer[items.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      int[] counts = itemUsers;
      Arrays.sort(order, (a, b) -> counts[b] != counts[a] ? Integer.compare(counts[b], counts[a])
          : items.id(a).compareTo(items.id(b)));
      popularOrder = Arrays.stream(order).mapToInt(Integer::intValue).filter(i -> counts[i] > 0).toArray();
      popularDirty = false;
    }
    List<Map.Entry<String, Integer>> out = new ArrayList<>();
    for (int k = 0; k < Math.min(max, popularOrder.length); k++) {
      out.add(Map.entry(items.id(popularOrder[k]), itemUsers[popularOrder[k]]));
    }
    return out;
  }

  /** How many users gave the item positive feedback (0 for an unknown item). */
  public synchronized int itemUsers(String itemId) {
    int i = items.indexOf(itemId);
    return i < 0 || i >= itemUsers.length ? 0 : itemUsers[i];
  }

  /** Sizes, for {@code /health/ready}. */
  public synchronized Map<String, Object> stats() {
    Map<String, Object> m = new HashMap<>();
    m.put("ready", ready);
    m.put("failed", failed);
    m.put("users", users.size());
    m.put("items", items.size());
    m.put("last_event_id", lastId);
    m.put("events_through_last_id", delivered);
    return m;
  }
}
