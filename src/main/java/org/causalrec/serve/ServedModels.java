package org.causalrec.serve;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.causalrec.core.ApiException;

/**
 * The served model kinds by name, for switching and pinning one from the API: {@code mult-vae},
 * {@code click-mlp} and {@code uplift} (the exposure model feeds training, it is not served).
 */
public final class ServedModels {

  private final MultVaeServing vae;
  private final ClickServing clicks;
  private final UpliftServing uplift;

  public ServedModels(MultVaeServing vae, ClickServing clicks, UpliftServing uplift) {
    this.vae = vae;
    this.clicks = clicks;
    this.uplift = uplift;
  }

  /** Serves {@code version} of {@code kind} and pins the kind to it: {@code {"kind", "version", "pinned"}}. */
  public Future<JsonObject> pin(String kind, String version) {
    Future<String> done = switch (kind) {
      case "mult-vae" -> vae.pin(version);
      case "click-mlp" -> clicks.pin(version);
      case "uplift" -> uplift.pin(version);
      default -> Future.failedFuture(notServed(kind));
    };
    return done.map(v -> answer(kind, v, true));
  }

  /** Removes the pin of {@code kind}; the newest ready version serves: {@code {"kind", "version", "pinned"}}. */
  public Future<JsonObject> unpin(String kind) {
    Future<String> done = switch (kind) {
      case "mult-vae" -> vae.unpin();
      case "click-mlp" -> clicks.unpin();
      case "uplift" -> uplift.unpin();
      default -> Future.failedFuture(notServed(kind));
    };
    return done.map(v -> answer(kind, v, false));
  }

  /** {@code {"mult-vae": {"version", "pinned"}, ...}}: what each served kind serves now. */
  public JsonObject status() {
    return new JsonObject()
        .put("mult-vae", new JsonObject().put("version", vae.version()).put("pinned", vae.pinned() != null))
        .put("click-mlp", new JsonObject().put("version", clicks.version()).put("pinned", clicks.pinned() != null))
        .put("uplift", new JsonObject().put("version", uplift.version()).put("pinned", uplift.pinned() != null));
  }

  private static JsonObject answer(String kind, String version, boolean pinned) {
    return new JsonObject().put("kind", kind).put("version", version).put("pinned", pinned);
  }

  private static ApiException notServed(String kind) {
    return ApiException.badRequest("not_served", "kind", "versions of '" + kind
        + "' are not served (served kinds: mult-vae, click-mlp, uplift)");
  }
}
