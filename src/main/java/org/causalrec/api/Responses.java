package org.causalrec.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Ends responses with a JSON body: the success replies of every route, and the failure handler's. */
final class Responses {

  private Responses() {}

  /** Ends the response with {@code status} and a JSON body, unless it has already ended. */
  static void send(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }

  /** 200 with the body. */
  static void ok(RoutingContext ctx, JsonObject body) {
    send(ctx, 200, body);
  }

  /** Answers 200 with the future's body when it succeeds, or fails the request with its error. */
  static void reply(RoutingContext ctx, Future<JsonObject> result) {
    result.onSuccess(body -> ok(ctx, body)).onFailure(ctx::fail);
  }
}
