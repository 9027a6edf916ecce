package org.causalrec.ingest;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.causalrec.config.Config;
import org.causalrec.store.CursorRepository;
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tails the events table and publishes {@link EventBatch}es on the event bus, in id order.
 *
 * <p>NOTIFY only wakes it (a periodic poll covers dropped notifications); it reads by event id
 * after its persisted cursor and saves the cursor after each published batch, so a restart
 * resumes after the last published id. A graceful stop finishes the batch in flight: every id is
 * then delivered exactly once; a crash between publish and save re-delivers at most that batch.
 *
 * <p>Writers insert concurrently, so a lower id can commit after a higher one. The tailer never
 * passes a gap in the ids while a transaction that may own it is in flight. Writers take their
 * transaction id before drawing event ids, so a gap seen in a snapshot belongs to a transaction
 * whose id is below a transaction id X drawn just after that snapshot. The tailer stops at the gap
 * until a later snapshot's xmin exceeds X (every such transaction has ended) and re-reads; a gap
 * that is still there was a rollback or an id burnt by a duplicate, and is skipped. While it
 * waits it polls only the xmin, backing off from 5 to 500 ms. A long-open writing transaction
 * elsewhere on the same server delays delivery past a gap until it ends; it never loses events.
 */
public final class EventTailer extends VerticleBase {

  /** Event-bus address of the stream. */
  public static final String ADDRESS = "causalrec.events";
  /** The channel the insert trigger notifies. */
  static final String CHANNEL = "causalrec_events";

  private static final Logger LOG = LoggerFactory.getLogger(EventTailer.class);
  private static final io.vertx.core.eventbus.DeliveryOptions LOCAL =
      new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true);
  /** How soon to look again when stopped at a gap a transaction in flight may own; doubles while waiting. */
  private static final long GAP_RETRY_MIN_MS = 5;
  private static final long GAP_RETRY_MAX_MS = 500;

  private final EventRepository events;
  private final CursorRepository cursors;
  private final PgConnectOptions connectOptions;
  private final Config.StreamConfig config;
  private final AtomicLong cursor = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  /** The highest event id the last read saw committed. */
  private final AtomicLong committed = new AtomicLong();
  private volatile double lastLagMs;
  private volatile java.util.function.DoubleConsumer lagObserver = ms -> { };

  private PgSubscriber subscriber;
  private long pollTimer = -1;
  private boolean draining;
  private boolean wakeAgain;
  private boolean stopping;
  /** Transaction id drawn after the gap right after the cursor was first seen; -1 when none. */
  private long gapXid = -1;
  private long gapRetryMs = GAP_RETRY_MIN_MS;
  private Future<Void> inFlight = Future.succeededFuture();

  /** A tailer with a persisted cursor that publishes on {@link #ADDRESS}. */
  public EventTailer(EventRepository events, CursorRepository cursors, PgConnectOptions connectOptions,
      Config.StreamConfig config) {
    this.events = events;
    this.cursors = cursors;
    this.connectOptions = connectOptions;
    this.config = config;
  }


  @Override
  public Future<?> start() {
    EventBatch.registerCodec(vertx);
    subscriber = PgSubscriber.subscriber(vertx, connectOptions)
        .reconnectPolicy(retries -> 1_000L);
    subscriber.channel(CHANNEL)
        .subscribeHandler(v -> wake())
        .handler(payload -> wake());
    return cursors.load(config.cursorName())
        .compose(last -> {
          cursor.set(last);
          LOG.info("Event tailer '{}' resumes after event id {}", config.cursorName(), last);
          return subscriber.connect();
        })
        .onSuccess(v -> {
          pollTimer = vertx.setPeriodic(config.pollIntervalMs(), id -> wake());
          wake();
        });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (pollTimer >= 0) {
      vertx.cancelTimer(pollTimer);
    }
    return inFlight.transform(ar -> subscriber == null ? Future.succeededFuture() : subscriber.close());
  }

  /** Position and throughput counters, for health and benchmarks. */
  public JsonObject status() {
    return new JsonObject().put("cursor", config.cursorName()).put("last_id", cursor.get())
        .put("delivered", delivered.get()).put("lag_events", lagEvents()).put("last_lag_ms", lastLagMs);
  }

  /**
   * Committed events not yet delivered, as of the last read: the highest committed id it saw less
   * the cursor (ids burnt by rollbacks and duplicates in between count until the cursor passes them).
   */
  public long lagEvents() {
    return Math.max(0, committed.get() - cursor.get());
  }

  /** Milliseconds from the newest delivered event's write to its delivery (0 before the first). */
  public double lastLagMs() {
    return lastLagMs;
  }

  /** Tells {@code o} the write-to-delivery milliseconds of the newest event of every delivered batch. */
  public void observeLag(java.util.function.DoubleConsumer o) {
    this.lagObserver = o;
  }

  private void wake() {
    if (stopping) {
      return;
    }
    if (draining) {
      wakeAgain = true;
      return;
    }
    draining = true;
    inFlight = drain().andThen(ar -> {
      if (ar.failed()) {
        LOG.warn("Event tailer could not read past id {}: {} (retrying on the next wake-up)", cursor.get(),
            ar.cause().getMessage());
      }
      draining = false;
      if (wakeAgain && !stopping) {
        wakeAgain = false;
        wake();
      }
    }).mapEmpty();
  }

  private Future<Void> drain() {
    if (gapXid >= 0) {
      // Waiting at a gap: a one-value query tells whether its possible owners have ended.
      return events.snapshotXmin().compose(xmin -> {
        if (xmin > gapXid) {
          return readAndPublish();
        }
        retryGapLater();
        return Future.succeededFuture();
      });
    }
    return readAndPublish();
  }

  private Future<Void> readAndPublish() {
    return events.after(cursor.get(), config.batchSize()).compose(page -> {
      committed.accumulateAndGet(page.maxId(), Math::max);
      List<Event> ready = contiguous(page);
      boolean blocked = ready.size() < page.events().size();
      Future<Void> gapNoted = Future.succeededFuture();
      if (blocked) {
        gapNoted = (gapXid >= 0 ? Future.<Void>succeededFuture()
            : events.newTransactionId().onSuccess(x -> gapXid = x).<Void>mapEmpty())
            .onSuccess(v -> retryGapLater());
      } else {
        gapRetryMs = GAP_RETRY_MIN_MS;
      }
      if (ready.isEmpty()) {
        return gapNoted;
      }
      publish(ready);
      lastLagMs = page.ageMs()[ready.size() - 1];
      lagObserver.accept(lastLagMs);
      boolean more = !blocked && page.events().size() == config.batchSize();
      return gapNoted.compose(v -> cursors.save(config.cursorName(), cursor.get()))
          .compose(v -> more && !stopping ? drain() : Future.succeededFuture());
    });
  }

  private void retryGapLater() {
    if (!stopping) {
      vertx.setTimer(gapRetryMs, id -> wake());
      gapRetryMs = Math.min(GAP_RETRY_MAX_MS, gapRetryMs * 2);
    }
  }

  /** The events of the page that can be delivered now: up to the first gap a writer may still own. */
  private List<Event> contiguous(EventRepository.Page page) {
    long expected = cursor.get() + 1;
    int k = 0;
    for (Event e : page.events()) {
      if (e.id() != expected && !(gapXid >= 0 && page.xmin() > gapXid)) {
        break;
      }
      gapXid = -1;
      expected = e.id() + 1;
      k++;
    }
    return page.events().subList(0, k);
  }

  private void publish(List<Event> batch) {
    EventBatch b = new EventBatch(batch);
    // every node tails PostgreSQL itself: the batch stays on this node, also on a clustered bus
    vertx.eventBus().publish(ADDRESS, b, LOCAL);
    cursor.set(b.lastId());
    delivered.addAndGet(batch.size());
  }
}
