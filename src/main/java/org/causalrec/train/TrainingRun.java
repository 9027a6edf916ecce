package org.causalrec.train;

import ai.djl.Device;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Function;
import org.causalrec.config.Config;
import org.causalrec.data.IdIndex;
import org.causalrec.store.EventRepository;

/**
 * One training run as its recipe sees it: the version being trained, its epochs and options, the
 * artifact directory, the stored events, and where progress goes.
 *
 * @param version the registered version
 * @param kind the kind's name
 * @param epochs epochs to train
 * @param options the validated options (objective, propensity source)
 * @param dir the artifact directory to save into
 * @param events the stored events
 * @param config the configuration
 * @param device the training device
 * @param itemText each item's text embedding for an index of items, or null without text features
 * @param itemTextModel the text model whose embeddings {@code itemText} reads, or null
 * @param progress receives progress messages (JSON objects, without version, kind and status)
 */
record TrainingRun(String version, String kind, int epochs, JsonObject options, Path dir, EventRepository events,
    Config config, Device device, Function<IdIndex, float[][]> itemText, String itemTextModel,
    Consumer<JsonObject> progress) {

  /** Publishes a progress message (an epoch's figures). */
  void report(JsonObject message) {
    progress.accept(message);
  }

  /** Publishes and logs one line of progress. */
  void detail(String line) {
    progress.accept(new JsonObject().put("detail", line));
  }

  /**
   * The largest stored event id: read before the data, so the version records a snapshot its
   * training data contains (events committed meanwhile are left for the next version).
   */
  long snapshot() {
    return events.maxId().toCompletionStage().toCompletableFuture().join();
  }

  /** The objective the options name (null for kinds without one). */
  String objective() {
    return options.getString("objective");
  }
}
