package org.causalrec.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/** {@code /health/live} (the process answers) and {@code /health/ready} (database and schema). */
final class HealthRoutes {

  private final Supplier<Future<JsonObject>> readiness;

  HealthRoutes(Supplier<Future<JsonObject>> readiness) {
    this.readiness = readiness;
  }

  void mount(Router router) {
    router.get("/health/live").handler(this::live);
    router.get("/health/ready").handler(this::ready);
  }

  private void live(RoutingContext ctx) {
    Responses.ok(ctx, new JsonObject().put("status", "UP"));
  }

  private void ready(RoutingContext ctx) {
    readiness.get().onComplete(ar -> {
      JsonObject body = ar.succeeded() ? ar.result()
          : new JsonObject().put("status", "DOWN").put("detail", ar.cause().getMessage());
      Responses.send(ctx, "UP".equals(body.getString("status")) ? 200 : 503, body);
    });
  }
}
