package org.causalrec.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.function.Supplier;

/**
 * {@code /health/live} (the process answers), {@code /health/ready} (database, schema and the
 * components' counters) and {@code /metrics} (the same and more, in the Prometheus format).
 */
final class HealthRoutes {

  private final Supplier<Future<JsonObject>> readiness;
  private final PrometheusMeterRegistry meters;

  HealthRoutes(Supplier<Future<JsonObject>> readiness, PrometheusMeterRegistry meters) {
    this.readiness = readiness;
    this.meters = meters;
  }

  /** Mounts {@code /health/live}, which is always open. */
  void mountLive(Router router) {
    router.get("/health/live").handler(this::live);
  }

  /** Mounts {@code /health/ready} and {@code /metrics}, which read keys guard when keys are configured. */
  void mount(Router router) {
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(meters));
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
