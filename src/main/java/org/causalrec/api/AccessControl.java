package org.causalrec.api;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import org.causalrec.config.AuthConfig;
import org.causalrec.config.AuthConfig.Role;

/**
 * Which role each request needs, and the handler that refuses it without one: 401 without a valid
 * key, 403 with a key whose role falls short. With no key configured every request passes.
 *
 * <p>A key comes in {@code X-API-Key} or {@code Authorization: Bearer}; a WebSocket upgrade may
 * carry it as {@code ?access_token=} instead, since browsers cannot set headers on a WebSocket.
 */
final class AccessControl implements Handler<RoutingContext> {

  /** The query parameter a WebSocket upgrade may carry its key in. */
  static final String TOKEN_PARAM = "access_token";

  private final AuthConfig auth;

  AccessControl(AuthConfig auth) {
    this.auth = auth;
  }

  /**
   * The role a request needs, or null when it is open: {@code /health/live}, and the dashboard's
   * page, scripts and the API description, which hold no data. Reads need read (so does asking for
   * an anonymous session's recommendations, a POST that changes nothing); training, evaluation,
   * jobs and model switches need admin; every other change needs write.
   */
  static Role required(HttpMethod method, String path) {
    boolean api = path.equals("/v1") || path.startsWith("/v1/");
    if (!api && !path.equals("/metrics") && !path.equals("/health/ready")) {
      return null;
    }
    if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
        || method == HttpMethod.POST && path.equals("/v1/recommendations")) {
      return Role.READ;
    }
    if (path.startsWith("/v1/models/") || path.equals("/v1/evaluate") || path.startsWith("/v1/jobs")) {
      return Role.ADMIN;
    }
    return Role.WRITE;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Role needed = auth.enabled() ? required(ctx.request().method(), ctx.normalizedPath()) : null;
    if (needed == null) {
      ctx.next();
      return;
    }
    String key = presentedKey(ctx);
    Role has = auth.roleOf(key);
    if (has == null) {
      ctx.response().headers().set("WWW-Authenticate", "Bearer");
      Responses.send(ctx, 401, new JsonObject().put("error", "unauthorized").put("field", "X-API-Key")
          .put("detail", (key == null ? "no API key given" : "the API key is not valid") + "; "
              + describe(ctx) + " needs a key with the " + name(needed)
              + " role in X-API-Key or Authorization: Bearer"));
    } else if (has.compareTo(needed) < 0) {
      Responses.send(ctx, 403, new JsonObject().put("error", "forbidden").put("field", "X-API-Key")
          .put("detail", "this key has the " + name(has) + " role; " + describe(ctx) + " needs " + name(needed)));
    } else {
      ctx.next();
    }
  }

  private static String describe(RoutingContext ctx) {
    return ctx.request().method() + " " + ctx.normalizedPath();
  }

  private static String name(Role r) {
    return r.name().toLowerCase(Locale.ROOT);
  }

  /** The key a request carries, or null. */
  static String presentedKey(RoutingContext ctx) {
    String key = ctx.request().getHeader("X-API-Key");
    if (key != null) {
      return key;
    }
    String authorization = ctx.request().getHeader("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return authorization.substring(7).trim();
    }
    String upgrade = ctx.request().getHeader("Upgrade");
    if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
      return ctx.queryParams().get(TOKEN_PARAM);
    }
    return null;
  }
}
