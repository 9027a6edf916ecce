package org.causalrec.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * The id of the HTTP request being handled, kept in the request's own Vert.x context (each request
 * runs on a duplicate of its event loop's context, and the callbacks of what it started run there
 * too), and put in the MDC as {@code request_id} for every log line written while handling it.
 */
public final class RequestIds {

  /** The MDC key and the JSON log field. */
  public static final String MDC_KEY = "request_id";
  private static final String LOCAL_KEY = "causalrec.request_id";

  private RequestIds() {}

  /** Makes {@code id} the current request's id (call on the request's context). */
  public static void set(String id) {
    Context ctx = Vertx.currentContext();
    if (ctx instanceof ContextInternal c && c.isDuplicate()) {
      c.localContextData().put(LOCAL_KEY, id);
    }
  }

  /** The id of the request whose context runs this code, or null. */
  public static String current() {
    Context ctx = Vertx.currentContext();
    if (ctx instanceof ContextInternal c && c.isDuplicate()) {
      Object id = c.localContextData().get(LOCAL_KEY);
      return id == null ? null : id.toString();
    }
    return null;
  }

  /**
   * Copies the current request's id into the MDC before each log event is made (logback asks its
   * turbo filters first, on the logging thread), so every appender and encoder sees it; installed
   * by {@code logback.xml}.
   */
  public static final class LogFilter extends TurboFilter {
    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
        Throwable t) {
      String id = current();
      if (id != null) {
        MDC.put(MDC_KEY, id);
      } else if (MDC.get(MDC_KEY) != null) {
        MDC.remove(MDC_KEY);
      }
      return FilterReply.NEUTRAL;
    }
  }
}
