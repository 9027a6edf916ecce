package org.causalrec.ingest;

import org.causalrec.core.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.causalrec.store.Item;
import org.causalrec.store.User;

/** Turns JSON items and users into valid records, or fails with a 400 naming the field. */
final class CatalogParser {

  private CatalogParser() {}

  /** An item; {@code pathId} (from the URL) wins and must match an {@code id} in the body. */
  static Item item(Object raw, String pathId) {
    JsonObject o = object(raw, "item");
    String id = id(o, pathId);
    String title = Fields.text(o, "title", 1_000);
    String description = Fields.text(o, "description", 20_000);
    List<String> categories = new ArrayList<>();
    Object c = o.getValue("categories");
    if (c != null) {
      if (!(c instanceof JsonArray arr)) {
        throw ApiException.badField("categories", "categories must be an array of strings");
      }
      if (arr.size() > 100) {
        throw ApiException.badField("categories", "categories must hold at most 100 entries");
      }
      for (int k = 0; k < arr.size(); k++) {
        if (!(arr.getValue(k) instanceof String s) || s.isBlank() || s.length() > 128 || s.indexOf('\0') >= 0) {
          throw ApiException.badField("categories[" + k + "]",
              "each category must be a non-blank string of at most 128 characters without NULs");
        }
        categories.add(s);
      }
    }
    JsonObject attributes = Fields.optionalJsonb(o, "attributes");
    return new Item(id, title, description, categories, attributes, null);
  }

  /** A user; {@code pathId} (from the URL) wins and must match an {@code id} in the body. */
  static User user(Object raw, String pathId) {
    JsonObject o = object(raw, "user");
    String id = id(o, pathId);
    return new User(id, Fields.optionalJsonb(o, "attributes"), null);
  }

  private static JsonObject object(Object raw, String what) {
    if (!(raw instanceof JsonObject o)) {
      throw ApiException.badField("", "each " + what + " must be a JSON object");
    }
    return o;
  }

  private static String id(JsonObject o, String pathId) {
    String bodyId = Fields.optionalString(o, "id", EventParser.MAX_ID_LENGTH);
    if (pathId == null) {
      if (bodyId == null) {
        throw ApiException.badField("id", "id is required");
      }
      return bodyId;
    }
    if (bodyId != null && !bodyId.equals(pathId)) {
      throw ApiException.badField("id", "id in the body differs from the id in the path");
    }
    return Fields.pathId(pathId, EventParser.MAX_ID_LENGTH);
  }
}
