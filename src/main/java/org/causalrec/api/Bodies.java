package org.causalrec.api;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.causalrec.core.ApiException;

/** JSON request bodies and their fields, read with types and bounds, failing with a 400 naming the field. */
final class Bodies {

  private Bodies() {}

  /** The body as a JSON object; an empty body is {@code invalid_body}, anything else {@code invalid_json}. */
  static JsonObject object(RoutingContext ctx) {
    try {
      JsonObject o = ctx.body().asJsonObject();
      if (o == null) {
        throw ApiException.badRequest("invalid_body", null, "the request body is empty");
      }
      return o;
    } catch (DecodeException | ClassCastException e) {
      throw ApiException.badRequest("invalid_json", null, "body must be a JSON object");
    }
  }

  /** The body as a JSON object, or an empty object when there is no body. */
  static JsonObject optionalObject(RoutingContext ctx) {
    return ctx.body() == null || ctx.body().length() == 0 ? new JsonObject() : object(ctx);
  }

  /** A string field, or null when absent. */
  static String string(JsonObject body, String name) {
    Object v = body.getValue(name);
    if (v != null && !(v instanceof String)) {
      throw Params.invalid(name, name + " must be a string");
    }
    return (String) v;
  }

  /** An integer field in [min, max], or {@code dflt} when absent. */
  static int integer(JsonObject body, String name, int dflt, int min, int max) {
    Object v = body.getValue(name);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Integer i) || i < min || i > max) {
      throw Params.invalid(name, name + " must be an integer in " + min + ".." + max);
    }
    return i;
  }
}
