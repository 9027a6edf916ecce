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
    Object h = o.getValue("hidden");
    if (h != null && !(h instanceof Boolean)) {
      throw ApiException.badField("hidden", "hidden must be true or false");
    }
    return new Item(id, title, description, categories, attributes, Boolean.TRUE.equals(h), expiresAt(o), null,
        null);
  }

  /** {@code expires_at}: ISO-8601 with an offset or epoch milliseconds; null or absent for never. */
  private static java.time.Instant expiresAt(JsonObject o) {
    Object v = o.getValue("expires_at");
    if (v == null) {
      return null;
    }
    java.time.Instant t;
    try {
      if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
        t = java.time.Instant.ofEpochMilli(n.longValue());
      } else if (v instanceof String s) {
        t = IsoInstant.parse(s);
      } else {
        t = null;
      }
    } catch (java.time.DateTimeException e) {
      t = null;
    }
    if (t == null || t.getEpochSecond() < 0 || t.isAfter(java.time.Instant.parse("9999-01-01T00:00:00Z"))) {
      throw ApiException.badField("expires_at",
          "expires_at must be ISO-8601 with an offset (2026-01-31T12:00:00Z), epoch milliseconds, or null");
    }
    return t;
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
