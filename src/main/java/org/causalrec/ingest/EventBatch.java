package org.causalrec.ingest;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.util.List;
import org.causalrec.store.Event;

/**
 * A batch of stored events, in id order, as the tailer publishes it on {@link EventTailer#ADDRESS}.
 *
 * @param events the events, ids strictly increasing
 */
public record EventBatch(List<Event> events) {

  public EventBatch {
    events = List.copyOf(events);
  }

  /** Id of the last event in the batch. */
  public long lastId() {
    return events.get(events.size() - 1).id();
  }

  /** Registers the in-process codec (batches never leave the JVM as bytes); safe to call twice. */
  public static void registerCodec(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(EventBatch.class, new LocalCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // one codec per Vertx instance is all that is needed
    }
  }

  private static final class LocalCodec implements MessageCodec<EventBatch, EventBatch> {
    @Override
    public void encodeToWire(Buffer buffer, EventBatch batch) {
      throw new UnsupportedOperationException("event batches are delivered in-process only");
    }

    @Override
    public EventBatch decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("event batches are delivered in-process only");
    }

    @Override
    public EventBatch transform(EventBatch batch) {
      return batch;
    }

    @Override
    public String name() {
      return "causalrec-event-batch";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
