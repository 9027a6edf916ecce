package org.causalrec.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.causalrec.store.EventRepository;

/** Statistics of the logged data, for the dashboard. */
final class StatsRoutes {

  private final EventRepository events;

  StatsRoutes(EventRepository events) {
    this.events = events;
  }

  void mount(Router router) {
    router.get("/v1/stats/propensities").handler(this::propensities);
  }

  /** {@code GET /v1/stats/propensities?bins=}: the logged propensities' spread. */
  private void propensities(RoutingContext ctx) {
    int bins = Params.intParam(ctx, "bins", 20, 2, 200);
    Responses.reply(ctx, events.propensityHistogram(bins).map(h -> new JsonObject()
        .put("source", "logged impressions").put("scale", "log10").put("bins", h)));
  }
}
