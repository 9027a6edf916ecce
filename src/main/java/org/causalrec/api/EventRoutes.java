package org.causalrec.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.causalrec.core.ApiException;
import org.causalrec.ingest.IngestService;
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;

/** {@code POST /v1/events} and {@code GET /v1/users/{id}/events}. */
final class EventRoutes {

  private final IngestService ingest;
  private final EventRepository events;

  EventRoutes(IngestService ingest, EventRepository events) {
    this.ingest = ingest;
    this.events = events;
  }

  void mount(Router router) {
    router.post("/v1/events").handler(this::postEvents);
    router.get("/v1/users/:id/events").handler(this::userEvents);
  }

  private void postEvents(RoutingContext ctx) {
    ingest.checkCapacity();
    String type = ctx.request().getHeader("content-type");
    boolean ndjson = type != null && (type.contains("ndjson") || type.contains("jsonlines"));
    JsonArray records;
    try {
      records = IngestService.parseRecords(ctx.body().buffer(), ndjson, "events");
    } catch (ApiException e) {
      ingest.countRejected();
      throw e;
    }
    Responses.reply(ctx, ingest.ingestEvents(records).map(r -> r.toJson()));
  }

  private void userEvents(RoutingContext ctx) {
    String user = Params.pathId(ctx);
    int limit = Params.intParam(ctx, "limit", 50, 1, 1_000);
    long before = Params.longParam(ctx, "before", Long.MAX_VALUE, 1, Long.MAX_VALUE);
    Responses.reply(ctx, events.recentByUser(user, limit, before).map(list -> page(user, list, limit)));
  }

  private static JsonObject page(String user, List<Event> list, int limit) {
    JsonArray arr = new JsonArray();
    list.forEach(e -> arr.add(e.toJson()));
    Object next = list.size() == limit ? list.get(list.size() - 1).id() : null;
    return new JsonObject().put("user_id", user).put("events", arr).put("next_before", next);
  }
}
