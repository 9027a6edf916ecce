package org.causalrec.train;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.concurrent.atomic.AtomicLong;
import org.causalrec.ingest.EventBatch;
import org.causalrec.ingest.EventTailer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts a Mult-VAE training run after every {@code threshold} new events from the stream. */
public final class RetrainTrigger {

  private static final Logger LOG = LoggerFactory.getLogger(RetrainTrigger.class);

  /** The kind it retrains. */
  private static final String KIND = org.causalrec.model.MultVae.KIND.name();

  private final MessageConsumer<EventBatch> consumer;
  private final AtomicLong sinceLast = new AtomicLong();

  /** Listens on the event stream; a threshold of 0 turns it off (then nothing is registered). */
  public RetrainTrigger(Vertx vertx, TrainingJobs training, long threshold) {
    if (threshold <= 0) {
      consumer = null;
      return;
    }
    consumer = vertx.eventBus().localConsumer(EventTailer.ADDRESS, m -> {
      if (sinceLast.addAndGet(m.body().events().size()) >= threshold && !training.isRunning(KIND)) {
        long n = sinceLast.getAndSet(0);
        LOG.info("{} new events since the last training: retraining mult-vae", n);
        training.start(KIND, TrainingRequest.epochs(null))
            .onFailure(err -> LOG.warn("Retraining did not start: {}", err.getMessage()));
      }
    });
  }

  /** Stops listening. */
  public void close() {
    if (consumer != null) {
      consumer.unregister();
    }
  }
}
