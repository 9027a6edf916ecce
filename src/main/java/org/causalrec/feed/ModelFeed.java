package org.causalrec.feed;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.causalrec.ingest.EventBatch;
import org.causalrec.ingest.EventTailer;
import org.causalrec.store.ModelRepository;
import org.causalrec.train.TrainingJobs;

/**
 * The model feed for the dashboard: on connect the registry's versions; then every
 * training progress message (epochs with loss and validation NDCG, stages, ready and failed
 * versions) as it is published, and once a second the events per second the event stream
 * delivers. Slow clients are coalesced like the recommendation feed's ({@link Outbox}).
 */
public final class ModelFeed implements AutoCloseable {

  static final long STATS_MS = 1_000;

  private final Vertx vertx;
  private final ModelRepository registry;
  private final Supplier<JsonObject> feedStatus;
  private final Map<ServerWebSocket, Sink> sockets = new ConcurrentHashMap<>();
  private final MessageConsumer<JsonObject> progress;
  private final MessageConsumer<EventBatch> events;
  private final AtomicLong streamed = new AtomicLong();
  private final AtomicLong pushed = new AtomicLong();
  private final AtomicLong coalesced = new AtomicLong();
  private final long ticker;
  private long lastCount;
  private long lastTick = System.nanoTime();

  private record Sink(Context ctx, Outbox out) {}

  public ModelFeed(Vertx vertx, ModelRepository registry, Supplier<JsonObject> feedStatus) {
    this.vertx = vertx;
    this.registry = registry;
    this.feedStatus = feedStatus;
    this.progress = vertx.eventBus().consumer(TrainingJobs.PROGRESS_ADDRESS,
        m -> broadcast(new JsonObject().put("type", "training").put("progress", m.body()).encode()));
    this.events = vertx.eventBus().localConsumer(EventTailer.ADDRESS, m -> streamed.addAndGet(m.body().events().size()));
    this.ticker = vertx.setPeriodic(STATS_MS, id -> tick());
  }

  /** Serves an accepted socket; call on its context. */
  public void open(ServerWebSocket ws) {
    Sink sink = new Sink(vertx.getOrCreateContext(), new Outbox(ws, pushed, coalesced));
    ws.closeHandler(v -> sockets.remove(ws));
    ws.textMessageHandler(t -> { });
    // the socket joins the broadcasts only once its first message, the versions, is queued
    registry.list().onComplete(ar -> sink.ctx().runOnContext(v -> {
      if (ar.failed()) {
        ws.close(LiveFeed.CLOSE_ERROR, "the model registry cannot be read");
        return;
      }
      JsonArray models = new JsonArray();
      ar.result().forEach(r -> models.add(r.toJson()));
      sink.out().offer(new JsonObject().put("type", "models").put("models", models).encode());
      if (!ws.isClosed()) {
        sockets.put(ws, sink);
      }
    }));
  }

  private void tick() {
    long now = System.nanoTime();
    long count = streamed.get();
    double rate = (count - lastCount) / ((now - lastTick) / 1e9);
    lastCount = count;
    lastTick = now;
    broadcast(new JsonObject().put("type", "stats").put("events_streamed", count)
        .put("events_per_second", rate).put("feed", feedStatus.get()).encode());
  }

  private void broadcast(String message) {
    sockets.values().forEach(s -> s.ctx().runOnContext(v -> s.out().offer(message)));
  }

  /** Sockets open. */
  public int sockets() {
    return sockets.size();
  }

  @Override
  public void close() {
    vertx.cancelTimer(ticker);
    progress.unregister();
    events.unregister();
    sockets.keySet().forEach(ws -> ws.close(LiveFeed.CLOSE_GOING_AWAY, "server stopping"));
  }
}
