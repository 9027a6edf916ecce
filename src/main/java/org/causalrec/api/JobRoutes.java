package org.causalrec.api;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.causalrec.train.Jobs;

/** Jobs: what a training or evaluation started from the API is doing, and what it produced. */
final class JobRoutes {

  private final Jobs jobs;

  JobRoutes(Jobs jobs) {
    this.jobs = jobs;
  }

  void mount(Router router) {
    router.get("/v1/jobs").handler(this::list);
    router.get("/v1/jobs/:id").handler(this::get);
  }

  private void list(RoutingContext ctx) {
    Responses.reply(ctx, jobs.recent(Params.intParam(ctx, "limit", 50, 1, 1_000)));
  }

  private void get(RoutingContext ctx) {
    Responses.reply(ctx, jobs.get(Params.pathParam(ctx, "id")));
  }
}
