package org.causalrec.api;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;
import org.causalrec.core.RequestIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every request an id (the caller's {@code X-Request-Id} when it is a plain token, a new one
 * otherwise), returns it in the {@code X-Request-Id} response header, makes it the id of every log
 * line written for the request, and writes the access log line when the response ends.
 */
final class RequestLog implements Handler<RoutingContext> {

  /** The access log's logger: its level (or {@code log.access: false}) turns the lines on and off. */
  static final Logger ACCESS = LoggerFactory.getLogger("org.causalrec.access");
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  /** A key in a WebSocket URL must not reach the log. */
  private static final Pattern SECRET = Pattern.compile("(" + AccessControl.TOKEN_PARAM + "=)[^&]*");

  @Override
  public void handle(RoutingContext ctx) {
    String given = ctx.request().getHeader("X-Request-Id");
    String id = given != null && TOKEN.matcher(given).matches() ? given : UUID.randomUUID().toString();
    RequestIds.set(id);
    ctx.response().putHeader("X-Request-Id", id);
    if (ACCESS.isInfoEnabled()) {
      long start = System.nanoTime();
      ctx.addEndHandler(v -> ACCESS.info("{} {} {} {} bytes {} ms", ctx.request().method(),
          SECRET.matcher(ctx.request().uri()).replaceAll("$1***"), ctx.response().getStatusCode(),
          ctx.response().bytesWritten(), String.format(java.util.Locale.ROOT, "%.1f",
              (System.nanoTime() - start) / 1e6)));
    }
    ctx.next();
  }
}
