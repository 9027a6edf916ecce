package org.causalrec.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.function.Supplier;

/**
 * {@code /health/live} (the process answers), {@code /health/ready} (database, schema and the
 * components' counters), {@code /metrics} (the same and more, in the Prometheus format), and the
 * API description: {@code /openapi.yaml} and {@code /docs}.
 */
final class HealthRoutes {

  private final Supplier<Future<JsonObject>> readiness;
  private final PrometheusMeterRegistry meters;

  HealthRoutes(Supplier<Future<JsonObject>> readiness, PrometheusMeterRegistry meters) {
    this.readiness = readiness;
    this.meters = meters;
  }

  /** Mounts {@code /health/live}, {@code /openapi.yaml} and {@code /docs}, which are always open. */
  void mountLive(Router router) {
    router.get("/health/live").handler(this::live);
    router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("content-type", "application/yaml")
        .end(Buffer.buffer(OPENAPI)));
    router.get("/docs").handler(ctx -> ctx.response().putHeader("content-type", "text/html; charset=utf-8")
        .end(Buffer.buffer(DOCS)));
  }

  /** The API description, from the jar. */
  static final byte[] OPENAPI = resource("/openapi.yaml");
  /** Swagger UI over it. */
  private static final byte[] DOCS = resource("/webroot/docs.html");

  private static byte[] resource(String name) {
    try (java.io.InputStream in = HealthRoutes.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
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
