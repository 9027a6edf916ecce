package org.causalrec.store;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One user-item event; {@code id} is the server's order (null before it is stored).
 *
 * @param id server event id from the sequence, or null
 * @param eventId the client's idempotency key, or null
 * @param userId the acting user
 * @param itemId the item acted on (may not be in the catalogue yet)
 * @param type impression, click, add_to_cart, purchase, rating or a configured custom type
 * @param value rating or amount, or null
 * @param ts when it happened
 * @param position slot the item was shown in, or null
 * @param surface where it was shown (home, search, ...), or null
 * @param recommended whether our recommendation showed it, or null when unknown
 * @param propensity the logging policy's probability of showing it, or null
 * @param modelVersion model version that recommended it, or null
 */
public record Event(
    Long id,
    String eventId,
    String userId,
    String itemId,
    String type,
    Double value,
    Instant ts,
    Integer position,
    String surface,
    Boolean recommended,
    Double propensity,
    String modelVersion) {

  /** The wire form, as {@code GET /v1/users/{id}/events} returns it. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    if (id != null) {
      o.put("id", id);
    }
    o.put("event_id", eventId).put("user_id", userId).put("item_id", itemId).put("type", type);
    if (value != null) {
      o.put("value", value);
    }
    o.put("timestamp", ts.toString());
    JsonObject ctx = new JsonObject();
    if (position != null) {
      ctx.put("position", position);
    }
    if (surface != null) {
      ctx.put("surface", surface);
    }
    if (recommended != null) {
      ctx.put("recommended", recommended);
    }
    if (propensity != null) {
      ctx.put("propensity", propensity);
    }
    if (modelVersion != null) {
      ctx.put("model_version", modelVersion);
    }
    if (!ctx.isEmpty()) {
      o.put("context", ctx);
    }
    return o;
  }
}
