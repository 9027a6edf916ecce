package org.causalrec.serve;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.causalrec.core.ApiException;

/**
 * The served model kinds by name, for switching and pinning one from the API: {@code mult-vae},
 * {@code click-mlp} and {@code uplift} (the exposure model feeds training, it is not served).
 */
public final class ServedModels {

  private final Map<String, VersionedModel<?>> kinds = new LinkedHashMap<>();

  public ServedModels(MultVaeServing vae, ClickServing clicks, UpliftServing uplift) {
    kinds.put("mult-vae", vae.versions());
    kinds.put("click-mlp", clicks.versions());
    kinds.put("uplift", uplift.versions());
  }

  /** Serves {@code version} of {@code kind} and pins the kind to it: {@code {"kind", "version", "pinned"}}. */
  public Future<JsonObject> pin(String kind, String version) {
    VersionedModel<?> v = kinds.get(kind);
    return v == null ? Future.failedFuture(notServed(kind)) : v.pin(version).map(s -> answer(kind, s, true));
  }

  /** Removes the pin of {@code kind}; the newest ready version serves: {@code {"kind", "version", "pinned"}}. */
  public Future<JsonObject> unpin(String kind) {
    VersionedModel<?> v = kinds.get(kind);
    return v == null ? Future.failedFuture(notServed(kind)) : v.unpin().map(s -> answer(kind, s, false));
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
