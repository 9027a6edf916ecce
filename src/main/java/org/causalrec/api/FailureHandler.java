package org.causalrec.api;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.causalrec.core.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure into one JSON shape: {@code {"error", "field", "detail"}}. */
final class FailureHandler {

  private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);
  /** Deadlock, serialisation failure, server shutting down: the same request can succeed again. */
  private static final Set<String> RETRYABLE = Set.of("40P01", "40001", "57P01", "57P02", "57P03");

  private FailureHandler() {}

  /** The router's failure handler. */
  static void handle(RoutingContext ctx) {
    Throwable f = ctx.failure();
    int status;
    JsonObject body;
    if (f instanceof ApiException e) {
      status = e.status();
      body = e.toJson();
      if (e.retryAfterSeconds() > 0) {
        ctx.response().putHeader("Retry-After", Integer.toString(e.retryAfterSeconds()));
      }
    } else if (f instanceof HttpException he) {
      status = he.getStatusCode();
      body = plain(status, he.getPayload() != null ? he.getPayload() : he.getMessage());
    } else if (f == null || ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      body = plain(status, f == null ? null : f.getMessage());
    } else if (f instanceof PgException pg && RETRYABLE.contains(pg.getSqlState())) {
      status = 503;
      body = new JsonObject().put("error", "retry").put("field", null)
          .put("detail", "the database aborted the request (" + pg.getSqlState() + "); nothing of it was stored,"
              + " send it again");
      ctx.response().putHeader("Retry-After", "1");
    } else if (f instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().startsWith("08")
        || databaseUnavailable(f)) {
      status = 503;
      body = new JsonObject().put("error", "database_unavailable").put("field", null)
          .put("detail", "the database cannot be reached; nothing from this request was stored");
      ctx.response().putHeader("Retry-After", "2");
      LOG.warn("Database unavailable for {} {}: {}", ctx.request().method(), ctx.request().path(), f.toString());
    } else {
      status = 500;
      body = plain(500, "internal error");
      LOG.error("Unhandled failure for {} {}", ctx.request().method(), ctx.request().path(), f);
    }
    Responses.send(ctx, status, body);
  }

  private static JsonObject plain(int status, String detail) {
    String error = switch (status) {
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "body_too_large";
      case 415 -> "unsupported_media_type";
      default -> status >= 500 ? "internal_error" : "bad_request";
    };
    String text = detail != null ? detail : HttpResponseStatus.valueOf(status).reasonPhrase();
    return new JsonObject().put("error", error).put("field", null).put("detail", text);
  }

  private static boolean databaseUnavailable(Throwable f) {
    for (Throwable t = f; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof ClosedConnectionException
          || t instanceof TimeoutException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
