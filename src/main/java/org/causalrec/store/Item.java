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
 * @param updatedAt when it was last upserted, or null before it is stored
 */
public record Item(
    String id, String title, String description, List<String> categories, JsonObject attributes,
    Instant updatedAt) {

  public Item {
    categories = List.copyOf(categories);
    attributes = attributes == null ? new JsonObject() : attributes;
  }

  /** The wire form. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject()
        .put("id", id)
        .put("title", title)
        .put("description", description)
        .put("categories", new JsonArray(List.copyOf(categories)))
        .put("attributes", attributes);
    if (updatedAt != null) {
      o.put("updated_at", updatedAt.toString());
    }
    return o;
  }
}
