package org.causalrec.ingest;

import org.causalrec.core.ApiException;
import io.vertx.core.json.JsonObject;

/** Typed reads of JSON fields that fail with a 400 naming the field. */
final class Fields {

  private Fields() {}

  static String requiredString(JsonObject o, String field, int maxLength) {
    String s = optionalString(o, field, maxLength);
    if (s == null) {
      throw ApiException.badField(field, field + " is required");
    }
    return s;
  }

  static String optionalString(JsonObject o, String field, int maxLength) {
    Object v = o.getValue(field);
    if (v == null) {
      return null;
    }
    String s = string(v, field, maxLength);
    if (s.isBlank()) {
      throw ApiException.badField(field, field + " must not be blank");
    }
    return s;
  }

  static String text(JsonObject o, String field, int maxLength) {
    Object v = o.getValue(field);
    return v == null ? "" : string(v, field, maxLength);
  }

  /** A string of at most {@code maxLength} characters without NULs (PostgreSQL text refuses them). */
  private static String string(Object v, String field, int maxLength) {
    if (!(v instanceof String s)) {
      throw ApiException.badField(field, field + " must be a string");
    }
    if (s.length() > maxLength) {
      throw ApiException.badField(field, field + " must be at most " + maxLength + " characters");
    }
    if (s.indexOf('\0') >= 0) {
      throw ApiException.badField(field, field + " must not contain NUL characters");
    }
    return s;
  }

  static Double optionalNumber(JsonObject o, String field) {
    Object v = o.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n)) {
      throw ApiException.badField(field, field + " must be a number");
    }
    double d = n.doubleValue();
    if (!Double.isFinite(d)) {
      throw ApiException.badField(field, field + " must be finite");
    }
    return d;
  }

  static Integer optionalInt(JsonObject o, String field, int min, int max) {
    Object v = o.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw ApiException.badField(field, field + " must be an integer");
    }
    long l = n.longValue();
    if (l < min || l > max) {
      throw ApiException.badField(field, field + " must be in " + min + ".." + max);
    }
    return (int) l;
  }

  static Boolean optionalBoolean(JsonObject o, String field) {
    Object v = o.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Boolean b)) {
      throw ApiException.badField(field, field + " must be true or false");
    }
    return b;
  }

  static JsonObject optionalObject(JsonObject o, String field) {
    Object v = o.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject j)) {
      throw ApiException.badField(field, field + " must be an object");
    }
    return j;
  }

  /** A free-form JSON object PostgreSQL's jsonb accepts: no NUL character in any key or string. */
  static JsonObject optionalJsonb(JsonObject o, String field) {
    JsonObject j = optionalObject(o, field);
    if (j != null && containsNul(j)) {
      throw ApiException.badField(field, field + " must not contain NUL characters");
    }
    return j;
  }

  /** Rejects an identifier taken from a URL path that PostgreSQL could not store. */
  static String pathId(String id, int maxLength) {
    if (id == null || id.isBlank() || id.length() > maxLength || id.indexOf('\0') >= 0) {
      throw ApiException.badField("id", "id must be 1.." + maxLength + " characters without NULs");
    }
    return id;
  }

  private static boolean containsNul(Object v) {
    if (v instanceof String s) {
      return s.indexOf('\0') >= 0;
    }
    if (v instanceof JsonObject o) {
      for (var e : o) {
        if (e.getKey().indexOf('\0') >= 0 || containsNul(e.getValue())) {
          return true;
        }
      }
    } else if (v instanceof io.vertx.core.json.JsonArray a) {
      for (Object x : a) {
        if (containsNul(x)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Prefixes the field of a nested object's error: {@code context} + {@code position}. */
  static ApiException nested(String parent, ApiException e) {
    JsonObject j = e.toJson();
    return ApiException.badField(parent + "." + j.getString("field"), parent + "." + e.getMessage());
  }
}
