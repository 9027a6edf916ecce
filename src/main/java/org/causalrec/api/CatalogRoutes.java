package org.causalrec.api;

import org.causalrec.store.Item;
import org.causalrec.store.User;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.causalrec.ingest.IngestService;
import org.causalrec.core.ApiException;
import org.causalrec.serve.Catalogue;
import org.causalrec.store.CatalogRepository;
import org.causalrec.text.ItemEmbeddings;

/** Items and users: single and batch upserts, reads, pages, and item deletion. */
final class CatalogRoutes {

  private static final int MAX_PAGE = 1_000;

  private final IngestService ingest;
  private final CatalogRepository catalog;
  private final ItemEmbeddings text;
  private final Catalogue catalogue;

  CatalogRoutes(IngestService ingest, CatalogRepository catalog, ItemEmbeddings text, Catalogue catalogue) {
    this.ingest = ingest;
    this.catalog = catalog;
    this.text = text;
    this.catalogue = catalogue;
  }

  /** Items changed: their text embeddings are computed in the background, now rather than at the next poll. */
  private void itemsChanged() {
    if (text != null) {
      text.wake();
    }
  }

  void mount(Router router) {
    router.post("/v1/items").handler(this::postItems);
    router.get("/v1/items").handler(this::listItems);
    router.put("/v1/items/:id").handler(this::putItem);
    router.get("/v1/items/:id").handler(this::getItem);
    router.patch("/v1/items/:id").handler(this::patchItem);
    router.delete("/v1/items/:id").handler(this::deleteItem);
    router.get("/v1/latest").handler(this::latest);
    router.post("/v1/users").handler(this::postUsers);
    router.get("/v1/users").handler(this::listUsers);
    router.put("/v1/users/:id").handler(this::putUser);
    router.get("/v1/users/:id").handler(this::getUser);
  }

  private void postItems(RoutingContext ctx) {
    JsonArray records = IngestService.parseRecords(ctx.body().buffer(), false, "items");
    List<String> ids = new java.util.ArrayList<>();
    for (int k = 0; k < records.size(); k++) {
      if (records.getValue(k) instanceof JsonObject o && o.getValue("id") instanceof String id) {
        ids.add(id);
      }
    }
    ingest.upsertItems(records)
        .compose(n -> catalogue.refresh(ids).map(n))
        .onSuccess(n -> {
          itemsChanged();
          Responses.ok(ctx, new JsonObject().put("upserted", n));
        })
        .onFailure(ctx::fail);
  }

  private void putItem(RoutingContext ctx) {
    ingest.upsertItem(ctx.pathParam("id"), Bodies.object(ctx))
        .compose(item -> catalogue.refresh(List.of(item.id())).map(item))
        .onSuccess(item -> {
          itemsChanged();
          Responses.ok(ctx, item.toJson());
        })
        .onFailure(ctx::fail);
  }

  /** Changes the fields the body names (hiding an item: {@code {"hidden": true}}), the others stay. */
  private void patchItem(RoutingContext ctx) {
    String id = Params.pathId(ctx);
    ingest.patchItem(id, Bodies.object(ctx))
        .compose(item -> item == null ? Future.failedFuture(notFound("item", id))
            : catalogue.refresh(List.of(id)).map(item))
        .onSuccess(item -> {
          itemsChanged();
          Responses.ok(ctx, item.toJson());
        })
        .onFailure(ctx::fail);
  }

  /** {@code GET /v1/latest?n=&category=}: the visible items created last, newest first. */
  private void latest(RoutingContext ctx) {
    int n = Params.intParam(ctx, "n", 10, 1, 1_000);
    String category = ctx.queryParams().get("category");
    if (category != null && (category.isBlank() || category.length() > 128)) {
      throw Params.invalid("category", "category must be 1..128 characters");
    }
    JsonArray items = new JsonArray();
    catalogue.latest(n, category, java.util.Set.of()).forEach(it -> items.add(new JsonObject().put("id", it.id())
        .put("title", it.title()).put("created_at", it.createdAt().toString())));
    Responses.ok(ctx, new JsonObject().put("items", items));
  }

  private void getItem(RoutingContext ctx) {
    String id = Params.pathId(ctx);
    catalog.item(id).onComplete(ar -> sendFound(ctx, "item", id, ar.map(it -> it == null ? null : it.toJson())));
  }

  private void deleteItem(RoutingContext ctx) {
    String id = Params.pathId(ctx);
    catalog.deleteItem(id)
        .compose(found -> catalogue.refresh(List.of(id)).map(found))
        .onSuccess(found -> {
          if (found) {
            if (text != null) {
              text.removed(id);
            }
            ctx.response().setStatusCode(204).end();
          } else {
            ctx.fail(notFound("item", id));
          }
        })
        .onFailure(ctx::fail);
  }

  private void listItems(RoutingContext ctx) {
    listPage(ctx, "items", catalog::items, Item::toJson);
  }

  private void postUsers(RoutingContext ctx) {
    JsonArray records = IngestService.parseRecords(ctx.body().buffer(), false, "users");
    Responses.reply(ctx, ingest.upsertUsers(records).map(n -> new JsonObject().put("upserted", n)));
  }

  private void putUser(RoutingContext ctx) {
    Responses.reply(ctx, ingest.upsertUser(ctx.pathParam("id"), Bodies.object(ctx)).map(user -> user.toJson()));
  }

  private void getUser(RoutingContext ctx) {
    String id = Params.pathId(ctx);
    catalog.user(id).onComplete(ar -> sendFound(ctx, "user", id, ar.map(u -> u == null ? null : u.toJson())));
  }

  /** 200 with the record, 404 when it is absent, the failure otherwise. */
  private static void sendFound(RoutingContext ctx, String what, String id, AsyncResult<JsonObject> ar) {
    if (ar.failed()) {
      ctx.fail(ar.cause());
    } else if (ar.result() == null) {
      ctx.fail(notFound(what, id));
    } else {
      Responses.ok(ctx, ar.result());
    }
  }

  private void listUsers(RoutingContext ctx) {
    listPage(ctx, "users", catalog::users, User::toJson);
  }

  /** A page of a list by {@code limit} and {@code offset}: {@code {name: [...], "next": offset or null}}. */
  private static <T> void listPage(RoutingContext ctx, String name,
      BiFunction<Integer, Long, Future<List<T>>> fetch, Function<T, JsonObject> json) {
    int limit = Params.intParam(ctx, "limit", 100, 1, MAX_PAGE);
    long offset = Params.longParam(ctx, "offset", 0, 0, Long.MAX_VALUE / 2);
    Responses.reply(ctx, fetch.apply(limit, offset).map(list -> page(name, list, limit, offset, json)));
  }

  private static <T> JsonObject page(String name, List<T> list, int limit, long offset,
      Function<T, JsonObject> json) {
    JsonArray arr = new JsonArray();
    list.forEach(x -> arr.add(json.apply(x)));
    Object next = list.size() == limit ? offset + limit : null;
    return new JsonObject().put(name, arr).put("next", next);
  }

  private static ApiException notFound(String what, String id) {
    return ApiException.notFound("not_found", "id", "no " + what + " with id '" + id + "'");
  }
}
