package org.causalrec.api;

import io.vertx.ext.web.RoutingContext;
import org.causalrec.core.ApiException;

/** Query parameters read with bounds, failing with a 400 that names the parameter. */
final class Params {

  private Params() {}

  static int intParam(RoutingContext ctx, String name, int dflt, int min, int max) {
    return (int) longParam(ctx, name, dflt, min, max);
  }

  static long longParam(RoutingContext ctx, String name, long dflt, long min, long max) {
    String v = ctx.queryParams().get(name);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    long n;
    try {
      n = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw invalid(name, name + " must be an integer, got '" + v + "'");
    }
    if (n < min || n > max) {
      throw invalid(name, name + " must be in " + min + ".." + max + ", got " + n);
    }
    return n;
  }

  /** The {@code id} path parameter, refused with a 400 when PostgreSQL could not store it. */
  static String pathId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null || id.isBlank() || id.length() > 256 || id.indexOf('\0') >= 0) {
      throw ApiException.badRequest("invalid_field", "id", "id must be 1..256 characters without NULs");
    }
    return id;
  }

  /** A path parameter other than {@code id}, refused with a 400 naming it like {@link #pathId}. */
  static String pathParam(RoutingContext ctx, String name) {
    String v = ctx.pathParam(name);
    if (v == null || v.isBlank() || v.length() > 256 || v.indexOf('\0') >= 0) {
      throw ApiException.badRequest("invalid_field", name, name + " must be 1..256 characters without NULs");
    }
    return v;
  }

  static ApiException invalid(String name, String detail) {
    return ApiException.badRequest("invalid_parameter", name, detail);
  }
}
