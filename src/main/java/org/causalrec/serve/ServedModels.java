package org.causalrec.serve;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.causalrec.core.ApiException;
import org.causalrec.train.TrainingJobs;

/**
 * The served model kinds by name, for switching and pinning one from the API: {@code mult-vae},
 * {@code click-mlp} and {@code uplift} (the exposure model feeds training, it is not served).
 *
 * <p>Changes reach every node on the event bus (clustered, it spans the nodes): a version that
 * finished training (announced on {@link TrainingJobs#PROGRESS_ADDRESS}) is offered to its kind,
 * which switches to it unless pinned; a pin set or removed is announced on {@link #PINS_ADDRESS}
 * and every node reads the registry at once. The registry poll repairs a lost announcement.
 */
public final class ServedModels {

  /** Event-bus address of pin changes: {@code {"kind"}}. */
  public static final String PINS_ADDRESS = "causalrec.models.pins";

  private final Vertx vertx;
  private final Map<String, VersionedModel<?>> kinds = new LinkedHashMap<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  public ServedModels(Vertx vertx, MultVaeServing vae, ClickServing clicks, UpliftServing uplift) {
    this.vertx = vertx;
    kinds.put("mult-vae", vae.versions());
    kinds.put("click-mlp", clicks.versions());
    kinds.put("uplift", uplift.versions());
  }

  /** Follows the announcements of ready versions and of pins. */
  public Future<Void> start() {
    consumers.add(vertx.eventBus().consumer(TrainingJobs.PROGRESS_ADDRESS, m -> {
      JsonObject p = m.body();
      VersionedModel<?> v = kinds.get(p.getString("kind", ""));
      if (v != null && "ready".equals(p.getString("status")) && p.getString("version") != null) {
        v.offer(p.getString("kind"), p.getString("version"));
      }
    }));
    consumers.add(vertx.eventBus().consumer(PINS_ADDRESS, m -> {
      VersionedModel<?> v = kinds.get(m.body().getString("kind", ""));
      if (v != null) {
        v.poll();
      }
    }));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  /** Stops following the announcements. */
  public Future<Void> close() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  private void announcePin(String kind) {
    vertx.eventBus().publish(PINS_ADDRESS, new JsonObject().put("kind", kind));
  }

  /** Serves {@code version} of {@code kind} and pins the kind to it: {@code {"kind", "version", "pinned"}}. */
  public Future<JsonObject> pin(String kind, String version) {
    VersionedModel<?> v = kinds.get(kind);
    return v == null ? Future.failedFuture(notServed(kind))
        : v.pin(version).onSuccess(s -> announcePin(kind)).map(s -> answer(kind, s, true));
  }

  /** Removes the pin of {@code kind}; the newest ready version serves: {@code {"kind", "version", "pinned"}}. */
  public Future<JsonObject> unpin(String kind) {
    VersionedModel<?> v = kinds.get(kind);
    return v == null ? Future.failedFuture(notServed(kind))
        : v.unpin().onSuccess(s -> announcePin(kind)).map(s -> answer(kind, s, false));
  }

  /** {@code {"mult-vae": {"version", "pinned"}, ...}}: what each served kind serves now. */
  public JsonObject status() {
    JsonObject out = new JsonObject();
    kinds.forEach((kind, v) -> out.put(kind, new JsonObject().put("version", v.version()).put("pinned", v.pinned() != null)));
    return out;
  }

  private static JsonObject answer(String kind, String version, boolean pinned) {
    return new JsonObject().put("kind", kind).put("version", version).put("pinned", pinned);
  }

  private static ApiException notServed(String kind) {
    return ApiException.badRequest("not_served", "kind", "versions of '" + kind
        + "' are not served (served kinds: mult-vae, click-mlp, uplift)");
  }
}
