package org.causalrec.api;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import org.causalrec.config.Config;

/** The HTTP verticle: wires the routes of {@code /v1} and {@code /health}, one small handler each. */
public final class HttpVerticle extends VerticleBase {

  private static final String BODY_TIMER = "causalrec.bodyTimer";

  private final Config config;
  private final Services services;
  private HttpServer server;
  private Router router;

  public HttpVerticle(Config config, Services services) {
    this.config = config;
    this.services = services;
  }

  @Override
  public Future<?> start() {
    router = Router.router(vertx);
    // Handlers for every request have no path: a path would be added to each request's route label
    // in the metrics ("/v1/>/v1/events").
    router.route().handler(new RequestLog());
    if (!config.http().corsOrigins().isEmpty()) {
      router.route().handler(cors(config.http().corsOrigins()));
    }
    HealthRoutes health = new HealthRoutes(services.readiness(), services.meters());
    health.mountLive(router);
    router.route().handler(new AccessControl(config.auth()));
    health.mount(router);
    new FeedRoutes(services.feed(), services.modelFeed()).mount(router);
    // On every method (a body route limited to POST/PUT would turn unknown GET paths into 405s), but
    // requests without a body skip it: reads are the hot path and have nothing to collect.
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(config.maxBodyBytes());
    router.route().handler(ctx -> {
      HttpMethod m = ctx.request().method();
      if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.DELETE
          || !ctx.normalizedPath().startsWith("/v1/")) {
        ctx.next();
      } else {
        long timer = vertx.setTimer(config.bodyTimeoutMs(), id -> bodyTimedOut(ctx));
        ctx.put(BODY_TIMER, timer);
        ctx.addEndHandler(v -> vertx.cancelTimer(timer));
        bodies.handle(ctx);
      }
    });
    router.route().handler(ctx -> {
      Long timer = ctx.get(BODY_TIMER);
      if (timer != null) { // the whole body is here
        vertx.cancelTimer(timer);
      }
      ctx.next();
    });
    new EventRoutes(services.ingest(), services.events()).mount(router);
    new CatalogRoutes(services.ingest(), services.catalog(), services.text(), services.catalogue()).mount(router);
    new TextRoutes(services.text(), services.catalog(), services.catalogue()).mount(router);
    new RecommendationRoutes(services.recommender(), services.uplift()).mount(router);
    new ModelRoutes(services.training(), services.models(), services.served()).mount(router);
    new JobRoutes(services.jobs()).mount(router);
    new EvaluationRoutes(services.evaluations(), services.jobs()).mount(router);
    new StatsRoutes(services.events()).mount(router);
    // the dashboard: static files from the jar; uPlot from its webjar
    // GET only: a route for every method would turn a wrong method on an API path into a 404, not a 405
    router.get("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars"));
    router.get("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html"));

    router.route().failureHandler(FailureHandler::handle);
    for (int status : new int[] {404, 405, 413, 500}) {
      router.errorHandler(status, FailureHandler::handle);
    }
    HttpServerOptions options = new HttpServerOptions()
        .setCompressionSupported(true)
        .setMaxInitialLineLength(16 * 1024);
    if (config.feed().sendBufferBytes() > 0) {
      options.setSendBufferSize(config.feed().sendBufferBytes());
    }
    server = vertx.createHttpServer(options);
    return server.requestHandler(router).listen(config.httpPort(), config.httpHost());
  }

  /**
   * Lets browsers on the configured origins call the API, with the headers it reads and answers.
   * Requests without an {@code Origin}, or from the node's own origin (the dashboard, WebSocket
   * clients that send their target as origin), pass untouched; any other origin is refused with 403.
   */
  private static Handler<RoutingContext> cors(java.util.List<String> origins) {
    CorsHandler h = CorsHandler.create();
    if (origins.contains("*")) {
      h.addOrigin("*");
    } else {
      h.addOrigins(origins);
    }
    h.allowedMethods(java.util.Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
        HttpMethod.DELETE))
        .allowedHeaders(java.util.Set.of("content-type", "x-api-key", "authorization", "x-request-id"))
        .exposedHeaders(java.util.Set.of("x-request-id", "retry-after"))
        .maxAgeSeconds(600);
    boolean any = origins.contains("*");
    return ctx -> {
      String origin = ctx.request().getHeader("Origin");
      if (origin == null || sameOrigin(ctx, origin)) {
        ctx.next();
      } else if (any || origins.contains(origin)) {
        h.handle(ctx);
      } else {
        Responses.send(ctx, 403, new JsonObject().put("error", "forbidden_origin").put("field", "Origin")
            .put("detail", "browsers on " + origin + " may not call this API; allowed: " + origins));
      }
    };
  }

  private static boolean sameOrigin(RoutingContext ctx, String origin) {
    String host = ctx.request().getHeader("Host");
    return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
  }

  /**
   * Answers a request whose body did not arrive in time with 408 and closes its connection: the rest
   * of the body, if it ever comes, has nowhere to go.
   */
  private void bodyTimedOut(RoutingContext ctx) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().putHeader("Connection", "close").endHandler(v -> ctx.request().connection().close());
    Responses.send(ctx, 408, new JsonObject().put("error", "request_timeout").put("field", null)
        .put("detail", "the request body did not arrive within " + config.bodyTimeoutMs()
            + " ms; nothing from it was stored"));
  }

  /**
   * The routes this verticle answers, {@code METHOD PATH} each, in the order they were mounted:
   * those with a path and methods (the handlers every request passes and the static files aside).
   */
  public java.util.List<String> routeTable() {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (io.vertx.ext.web.Route r : router.getRoutes()) {
      if (r.getPath() != null && r.methods() != null && !r.getPath().endsWith("/")) { // not a prefix (static files)
        r.methods().forEach(m -> out.add(m.name() + " " + r.getPath()));
      }
    }
    return out;
  }

  /**
   * Stops accepting connections, lets the requests in flight finish (up to
   * {@code http.shutdown_timeout_ms}; Vert.x asks HTTP/1.1 clients to close their connections after
   * their response and HTTP/2 clients to go away), then closes what is left.
   */
  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture()
        : server.shutdown(config.http().shutdownTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return server.actualPort();
  }
}
