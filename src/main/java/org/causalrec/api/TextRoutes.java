package org.causalrec.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.causalrec.core.ApiException;
import org.causalrec.serve.Catalogue;
import org.causalrec.store.CatalogRepository;
import org.causalrec.text.EmbeddingIndex;
import org.causalrec.text.ItemEmbeddings;

/** Similar items and text search over the item embeddings. */
final class TextRoutes {

  /** Longest query accepted, in characters (the model reads at most 256 word pieces anyway). */
  static final int MAX_QUERY = 1_000;

  private final ItemEmbeddings text;
  private final CatalogRepository catalog;
  private final Catalogue catalogue;

  TextRoutes(ItemEmbeddings text, CatalogRepository catalog, Catalogue catalogue) {
    this.text = text;
    this.catalog = catalog;
    this.catalogue = catalogue;
  }

  void mount(Router router) {
    router.get("/v1/items/:id/similar").handler(this::similar);
    router.get("/v1/search").handler(this::search);
  }

  private void similar(RoutingContext ctx) {
    String id = Params.pathId(ctx);
    int n = Params.intParam(ctx, "n", 10, 1, 1_000);
    if (text == null) {
      throw textOff();
    }
    text.similar(id, n, catalogue::recommendable).onFailure(ctx::fail).onSuccess(hits -> {
      if (hits != null) {
        send(ctx, new JsonObject().put("item_id", id), hits);
        return;
      }
      // not indexed: an unknown item (404), or one whose embedding is not written yet (503)
      catalog.item(id).onSuccess(item -> {
        if (item == null) {
          ctx.fail(ApiException.notFound("not_found", "id", "no item with id '" + id + "'"));
        } else {
          ctx.response().putHeader("Retry-After", "5");
          ctx.fail(ApiException.unavailable("embedding_pending", "id",
              "item '" + id + "' has no text embedding yet; it is computed in the background"));
        }
      }).onFailure(ctx::fail);
    });
  }

  private void search(RoutingContext ctx) {
    String q = ctx.queryParams().get("q");
    if (q == null || q.isBlank()) {
      throw Params.invalid("q", "q (the search text) is required");
    }
    if (q.length() > MAX_QUERY) {
      throw Params.invalid("q", "q must be at most " + MAX_QUERY + " characters");
    }
    int n = Params.intParam(ctx, "n", 10, 1, 1_000);
    if (text == null) {
      throw textOff();
    }
    text.search(q.strip(), n, catalogue::recommendable)
        .onSuccess(hits -> send(ctx, new JsonObject().put("query", q), hits))
        // the model could not load or the endpoint is down: say so, the rest of the API is unaffected
        .onFailure(err -> ctx.fail(ApiException.unavailable("text_model_unavailable", null,
            "the query could not be embedded: " + err.getMessage())));
  }

  private void send(RoutingContext ctx, JsonObject head, List<EmbeddingIndex.Hit> hits) {
    JsonArray items = new JsonArray();
    for (EmbeddingIndex.Hit h : hits) {
      items.add(new JsonObject().put("id", h.id()).put("title", h.title()).put("similarity", h.similarity()));
    }
    Responses.ok(ctx, head.put("model", text.model()).put("indexed", text.index().size()).put("items", items));
  }

  private static ApiException textOff() {
    return ApiException.unavailable("text_model_off", null, "text features are off (text.provider: off)");
  }
}
