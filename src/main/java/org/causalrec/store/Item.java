package org.causalrec.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * A catalogue item.
 *
 * @param id the item's id
 * @param title short title
 * @param description free text
 * @param categories category names
 * @param attributes free-form attributes (price, brand, ...)
 * @param hidden kept with its events, but never recommended, listed as similar or found
 * @param expiresAt from this instant on the item counts as hidden; null: never
 * @param createdAt when it was first stored, or null before it is stored
 * @param updatedAt when it was last upserted, or null before it is stored
 */
public record Item(
    String id, String title, String description, List<String> categories, JsonObject attributes,
    boolean hidden, Instant expiresAt, Instant createdAt, Instant updatedAt) {

  public Item {
    categories = List.copyOf(categories);
    attributes = attributes == null ? new JsonObject() : attributes;
  }

  /** Whether it may be shown at {@code now}: not hidden and not expired. */
  public boolean visibleAt(Instant now) {
    return !hidden && (expiresAt == null || now.isBefore(expiresAt));
  }

  /** The wire form. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject()
        .put("id", id)
        .put("title", title)
        .put("description", description)
        .put("categories", new JsonArray(List.copyOf(categories)))
        .put("attributes", attributes)
        .put("hidden", hidden)
        .put("expires_at", expiresAt == null ? null : expiresAt.toString());
    if (createdAt != null) {
      o.put("created_at", createdAt.toString());
    }
    if (updatedAt != null) {
      o.put("updated_at", updatedAt.toString());
    }
    return o;
  }
}
