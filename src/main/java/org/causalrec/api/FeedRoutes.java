package org.causalrec.api;

import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.causalrec.feed.LiveFeed;
import org.causalrec.feed.ModelFeed;
import org.causalrec.core.ApiException;

/**
 * The WebSocket feeds: {@code /v1/feed?user=&n=&objective=} (a user's live
 * recommendations) and {@code /v1/feed/models} (training progress, versions, events per second).
 * A bad parameter is answered after the upgrade with close code {@value LiveFeed#CLOSE_BAD_PARAMETER}
 * and a reason naming it, so every WebSocket client can read it.
 */
final class FeedRoutes {

  private final LiveFeed feed;
  private final ModelFeed models;

  FeedRoutes(LiveFeed feed, ModelFeed models) {
    this.feed = feed;
    this.models = models;
  }

  /** Mounted before the body handler: an upgrade request must not have its body read. */
  void mount(Router router) {
    router.get("/v1/feed").handler(this::userFeed);
    router.get("/v1/feed/models").handler(this::modelFeed);
  }

  private void userFeed(RoutingContext ctx) {
    upgrade(ctx).onSuccess(ws -> {
      String user = ctx.queryParams().get("user");
      String n = ctx.queryParams().get("n");
      String objective = ctx.queryParams().get("objective");
      String bad = null;
      int size = 10;
      if (user == null || user.isBlank() || user.length() > 256 || user.indexOf('\0') >= 0) {
        bad = "user: required, 1..256 characters";
      } else if (n != null) {
        try {
          size = Integer.parseInt(n.trim());
        } catch (NumberFormatException e) {
          size = -1;
        }
        if (size < 1 || size > LiveFeed.MAX_N) {
          bad = "n: must be an integer in 1.." + LiveFeed.MAX_N;
        }
      }
      if (bad == null && objective != null && !java.util.Set.of("relevance", "click", "uplift").contains(objective)) {
        bad = "objective: relevance, click or uplift";
      }
      if (bad != null) {
        ws.close(LiveFeed.CLOSE_BAD_PARAMETER, bad);
        return;
      }
      feed.open(ws, user, size, objective == null ? LiveFeed.DEFAULT_OBJECTIVE : objective);
    });
  }

  private void modelFeed(RoutingContext ctx) {
    upgrade(ctx).onSuccess(models::open);
  }

  private static io.vertx.core.Future<ServerWebSocket> upgrade(RoutingContext ctx) {
    String upgrade = ctx.request().getHeader("Upgrade");
    if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      ctx.fail(ApiException.badRequest("websocket_expected", null,
          ctx.request().path() + " is a WebSocket: connect with an Upgrade: websocket request"));
      return io.vertx.core.Future.failedFuture("not an upgrade");
    }
    return ctx.request().toWebSocket().onFailure(ctx::fail);
  }
}
