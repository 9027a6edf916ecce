package org.causalrec.store;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A user of the client application.
 *
 * @param id the user's id
 * @param attributes free-form attributes (segment, country, ...)
 * @param updatedAt when it was last upserted, or null before it is stored
 */
public record User(String id, JsonObject attributes, Instant updatedAt) {

  public User {
    attributes = attributes == null ? new JsonObject() : attributes;
  }

  /** The wire form. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("id", id).put("attributes", attributes);
    if (updatedAt != null) {
      o.put("updated_at", updatedAt.toString());
    }
    return o;
  }
}
