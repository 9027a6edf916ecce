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
 * Tails the events table and publishes {@link EventBatch}es on the event bus.
 *
 * <p>NOTIFY only wakes it (a periodic poll covers dropped notifications); it reads by event id
 * after its persisted cursor and saves the cursor after each published batch, so a restart
 * resumes after the last published id. A graceful stop finishes the batch in flight: every id is
 * then delivered exactly once; a crash between publish and save re-delivers at most that batch.
 */
public final class EventTailer extends VerticleBase {

  /** Event-bus address of the stream. */
  public static final String ADDRESS = "causalrec.events";
  /** The channel the insert trigger notifies. */
  static final String CHANNEL = "causalrec_events";

  private static final Logger LOG = LoggerFactory.getLogger(EventTailer.class);

  private final EventRepository events;
  private final CursorRepository cursors;
  private final PgConnectOptions connectOptions;
  private final Config.StreamConfig config;
  private final AtomicLong cursor = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();

  private PgSubscriber subscriber;
  private long pollTimer = -1;
  private boolean draining;
  private boolean wakeAgain;
  private boolean stopping;
  private Future<Void> inFlight = Future.succeededFuture();

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
        .put("delivered", delivered.get());
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
    return events.after(cursor.get(), config.batchSize()).compose(batch -> {
      if (batch.isEmpty()) {
        return Future.succeededFuture();
      }
      publish(batch);
      return cursors.save(config.cursorName(), cursor.get())
          .compose(v -> batch.size() == config.batchSize() && !stopping ? drain() : Future.succeededFuture());
    });
  }

  private void publish(List<Event> batch) {
    EventBatch b = new EventBatch(batch);
    vertx.eventBus().publish(ADDRESS, b);
    cursor.set(b.lastId());
    delivered.addAndGet(batch.size());
  }
}
