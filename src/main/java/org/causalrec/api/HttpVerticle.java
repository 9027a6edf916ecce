package org.causalrec.api;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import org.causalrec.config.Config;

/** The HTTP verticle: wires the routes of {@code /v1} and {@code /health}, one small handler each. */
public final class HttpVerticle extends VerticleBase {

  private static final String BODY_TIMER = "causalrec.bodyTimer";

  private final Config config;
  private final Services services;
  private HttpServer server;

  public HttpVerticle(Config config, Services services) {
    this.config = config;
    this.services = services;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    new HealthRoutes(services.readiness()).mount(router);

    router.route("/v1/*").handler(new ApiKeyHandler(config.apiKey()));
    new FeedRoutes(services.feed(), services.modelFeed()).mount(router);
    // On every method (a body route limited to POST/PUT would turn unknown GET paths into 405s), but
    // requests without a body skip it: reads are the hot path and have nothing to collect.
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(config.maxBodyBytes());
    router.route("/v1/*").handler(ctx -> {
      HttpMethod m = ctx.request().method();
      if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.DELETE) {
        ctx.next();
      } else {
        long timer = vertx.setTimer(config.bodyTimeoutMs(), id -> bodyTimedOut(ctx));
        ctx.put(BODY_TIMER, timer);
        ctx.addEndHandler(v -> vertx.cancelTimer(timer));
        bodies.handle(ctx);
      }
    });
    router.route("/v1/*").handler(ctx -> {
      Long timer = ctx.get(BODY_TIMER);
      if (timer != null) { // the whole body is here
        vertx.cancelTimer(timer);
      }
      ctx.next();
    });
    new EventRoutes(services.ingest(), services.events()).mount(router);
    new CatalogRoutes(services.ingest(), services.catalog(), services.text(), services.catalogue()).mount(router);
    new TextRoutes(services.text(), services.catalog()).mount(router);
    new RecommendationRoutes(services.recommender(), services.uplift()).mount(router);
    new ModelRoutes(services.training(), services.models()).mount(router);
    new EvaluationRoutes(services.evaluations()).mount(router);
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

  /** The port actually bound (useful with port 0). */
  public int port() {
    return server.actualPort();
  }
}
