package org.causalrec.serve;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.causalrec.store.CatalogRepository;
import org.causalrec.store.Item;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalogue as serving sees it, in memory: what may be recommended (once the catalogue has
 * items, only its visible items are: not hidden, not expired; a deployment that never loads one
 * recommends every item its events name), and each item's title and categories. It reloads when
 * PostgreSQL says the items table changed (any node's write), every {@link #RELOAD_MS} in case a
 * notification was lost, and at once for the items this node changed ({@link #refresh}), so that a
 * deleted or hidden item leaves this node's next answer. A timer set for the next expiry makes an
 * expiring item leave at its time. Its {@link #version} moves with every change it sees, and the
 * listeners of {@link #onChange} are told.
 */
public final class Catalogue {

  private static final Logger LOG = LoggerFactory.getLogger(Catalogue.class);
  /** PostgreSQL's notification channel of catalogue changes (the items table's trigger). */
  static final String CHANNEL = "causalrec_catalogue";
  /** A full reload this often, whatever the notifications said. */
  static final long RELOAD_MS = 60_000;

  private final Vertx vertx;
  private final CatalogRepository catalog;
  private final AtomicLong version = new AtomicLong();
  private volatile Map<String, Item> items = Map.of();
  private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private long expiryTimer = -1;
  private PgSubscriber subscriber;
  private long timer = -1;
  private boolean reloading;
  private boolean reloadAgain;

  public Catalogue(Vertx vertx, CatalogRepository catalog) {
    this.vertx = vertx;
    this.catalog = catalog;
  }

  /** Loads the catalogue, then follows its changes on {@code connectOptions}' notifications. */
  public Future<Void> start(PgConnectOptions connectOptions) {
    subscriber = PgSubscriber.subscriber(vertx, connectOptions).reconnectPolicy(retries -> 1_000L);
    // a reconnect may have missed notifications: reloading on (re)subscription repairs that
    subscriber.channel(CHANNEL).subscribeHandler(v -> reload()).handler(payload -> reload());
    return loadAll().compose(v -> subscriber.connect()).onSuccess(v ->
        timer = vertx.setPeriodic(RELOAD_MS, id -> reload()));
  }

  /** Reloads now (coalesced: a reload asked for while one runs runs once more after it). */
  Future<Void> reload() {
    synchronized (this) { // notifications and the timer may call from different threads
      if (reloading) {
        reloadAgain = true;
        return Future.succeededFuture();
      }
      reloading = true;
    }
    Promise<Void> done = Promise.promise();
    loadAll().onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("The catalogue could not reload (serving keeps the last one): {}", ar.cause().getMessage());
      }
      boolean again;
      synchronized (this) {
        reloading = false;
        again = reloadAgain;
        reloadAgain = false;
      }
      if (again) {
        reload();
      }
      done.complete();
    });
    return done.future();
  }

  private Future<Void> loadAll() {
    return catalog.items(Integer.MAX_VALUE, 0).map(list -> {
      Map<String, Item> next = new HashMap<>(list.size() * 2);
      list.forEach(it -> next.put(it.id(), it));
      boolean changed;
      synchronized (this) {
        changed = !next.equals(items);
        if (changed) {
          items = next;
          version.incrementAndGet();
        }
      }
      if (changed) {
        changed();
      }
      return null;
    });
  }

  /** Tells the listeners and sets the timer for the next expiry. */
  private void changed() {
    listeners.forEach(Runnable::run);
    scheduleExpiry();
  }

  private synchronized void scheduleExpiry() {
    if (expiryTimer >= 0) {
      vertx.cancelTimer(expiryTimer);
      expiryTimer = -1;
    }
    Instant now = Instant.now();
    Instant next = null;
    for (Item it : items.values()) {
      Instant e = it.expiresAt();
      if (e != null && e.isAfter(now) && (next == null || e.isBefore(next))) {
        next = e;
      }
    }
    if (next != null) {
      long delay = Math.max(1, java.time.Duration.between(now, next).toMillis() + 1);
      expiryTimer = vertx.setTimer(delay, id -> {
        synchronized (this) {
          expiryTimer = -1;
        }
        version.incrementAndGet(); // an item expired: cached lists that hold it are stale
        changed();
      });
    }
  }

  /** Calls {@code listener} (on any thread) after every change this node sees, expiries included. */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  /**
   * Reads {@code ids} again (after this node wrote or deleted them) and completes once serving
   * sees them as stored.
   */
  public Future<Void> refresh(Collection<String> ids) {
    return catalog.items(ids).map(stored -> {
      synchronized (this) {
        Map<String, Item> next = new HashMap<>(items);
        ids.forEach(next::remove);
        stored.forEach(it -> next.put(it.id(), it));
        items = next;
        version.incrementAndGet();
      }
      changed();
      return null;
    });
  }

  /** Moves with every change of the catalogue this node has seen. */
  public long version() {
    return version.get();
  }

  /**
   * Whether {@code id} may be recommended, listed as similar or found: in the catalogue, not hidden
   * and not expired; or any item while the catalogue is empty.
   */
  public boolean recommendable(String id) {
    Map<String, Item> m = items;
    if (m.isEmpty()) {
      return true;
    }
    Item it = m.get(id);
    return it != null && it.visibleAt(Instant.now());
  }

  /**
   * The {@code n} visible items created last (newest first), in {@code category} when it is not
   * null, skipping {@code skip}.
   */
  public List<Item> latest(int n, String category, java.util.Set<String> skip) {
    Instant now = Instant.now();
    return items.values().stream()
        .filter(it -> it.visibleAt(now) && !skip.contains(it.id())
            && (category == null || it.categories().contains(category)))
        .sorted(java.util.Comparator.comparing(Item::createdAt).reversed().thenComparing(Item::id))
        .limit(n).toList();
  }

  /** The item's title, or null. */
  public String title(String id) {
    Item it = items.get(id);
    return it == null ? null : it.title();
  }

  /** The item's categories (empty when unknown). */
  public List<String> categories(String id) {
    Item it = items.get(id);
    return it == null ? List.of() : it.categories();
  }

  /** Items in memory. */
  public int size() {
    return items.size();
  }

  /** Stops following changes. */
  public Future<Void> close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    synchronized (this) {
      if (expiryTimer >= 0) {
        vertx.cancelTimer(expiryTimer);
      }
    }
    return subscriber == null ? Future.succeededFuture() : subscriber.close();
  }
}
