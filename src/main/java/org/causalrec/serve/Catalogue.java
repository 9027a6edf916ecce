package org.causalrec.serve;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
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
 * items, only its items are; a deployment that never loads one recommends every item its events
 * name), and each item's title and categories. It reloads when PostgreSQL says the items table
 * changed (any node's write), every {@link #RELOAD_MS} in case a notification was lost, and at
 * once for the items this node changed ({@link #refresh}), so that a deleted item leaves this
 * node's next answer. Its {@link #version} moves with every change it sees.
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
      synchronized (this) {
        if (!next.equals(items)) {
          items = next;
          version.incrementAndGet();
        }
      }
      return null;
    });
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
      return null;
    });
  }

  /** Moves with every change of the catalogue this node has seen. */
  public long version() {
    return version.get();
  }

  /** Whether {@code id} may be recommended: in the catalogue, or any item while the catalogue is empty. */
  public boolean recommendable(String id) {
    Map<String, Item> m = items;
    return m.isEmpty() || m.containsKey(id);
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
    return subscriber == null ? Future.succeededFuture() : subscriber.close();
  }
}
