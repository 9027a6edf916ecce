package org.causalrec.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.causalrec.serve.Recommender;
import org.causalrec.serve.UpliftServing;

/**
 * A user's recommendations (by click probability, relevance, conversion or uplift, a page at a
 * time), an anonymous session's, an item's collaborative neighbours, popular items and what-if answers.
 */
final class RecommendationRoutes {

  private final Recommender recommender;
  private final UpliftServing uplift;

  RecommendationRoutes(Recommender recommender, UpliftServing uplift) {
    this.recommender = recommender;
    this.uplift = uplift;
  }

  /** Deepest page: items skipped before the page starts. */
  static final int MAX_OFFSET = 10_000;

  void mount(Router router) {
    router.get("/v1/users/:id/recommendations").handler(this::recommend);
    router.get("/v1/users/:id/what-if").handler(this::whatIf);
    router.post("/v1/recommendations").handler(this::session);
    router.get("/v1/items/:id/neighbors").handler(this::neighbours);
    router.get("/v1/popular").handler(this::popular);
  }

  /**
   * {@code POST /v1/recommendations}: an anonymous session's list, its items folded in as a
   * history. Body {@code {"items": [...], "n", "offset", "category", "exclude": [...], "objective",
   * "surface"}}, all but items optional.
   */
  private void session(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    List<String> items = ids(body, "items", true);
    int n = Bodies.integer(body, "n", 10, 1, 1_000);
    int offset = Bodies.integer(body, "offset", 0, 0, MAX_OFFSET);
    String category = Bodies.string(body, "category");
    if (category != null && (category.isBlank() || category.length() > 128)) {
      throw Params.invalid("category", "category must be 1..128 characters");
    }
    String objective = Bodies.string(body, "objective");
    if (objective != null && !objective.equals("relevance") && !objective.equals("click")) {
      throw Params.invalid("objective", "objective must be relevance or click for a session");
    }
    String surface = Bodies.string(body, "surface");
    if (surface != null && (surface.isBlank() || surface.length() > 128)) {
      throw Params.invalid("surface", "surface must be 1..128 characters");
    }
    Set<String> exclude = new LinkedHashSet<>(ids(body, "exclude", false));
    Responses.reply(ctx, recommender.recommendForSession(items,
        new Recommender.Query(null, n, offset, category, exclude, objective, null, surface)));
  }

  /** A list of item ids in the body: at most 1,000, each 1..256 characters without NULs. */
  private static List<String> ids(JsonObject body, String name, boolean required) {
    Object v = body.getValue(name);
    if (v == null && !required) {
      return List.of();
    }
    if (!(v instanceof JsonArray arr)) {
      throw Params.invalid(name, name + " must be an array of item ids");
    }
    if (arr.size() > 1_000) {
      throw Params.invalid(name, name + " must hold at most 1000 item ids");
    }
    List<String> out = new ArrayList<>(arr.size());
    for (int k = 0; k < arr.size(); k++) {
      if (!(arr.getValue(k) instanceof String id) || id.isBlank() || id.length() > 256 || id.indexOf('\0') >= 0) {
        throw Params.invalid(name + "[" + k + "]", "each item id must be 1..256 characters without NULs");
      }
      out.add(id);
    }
    return out;
  }

  /** {@code GET /v1/items/{id}/neighbors?n=}: the serving model's collaborative neighbours of an item. */
  private void neighbours(RoutingContext ctx) {
    String item = Params.pathId(ctx);
    int n = Params.intParam(ctx, "n", 10, 1, 1_000);
    Responses.reply(ctx, recommender.neighbours(item, n));
  }

  /** {@code GET /v1/popular?n=&offset=&category=}: the most popular visible items. */
  private void popular(RoutingContext ctx) {
    int n = Params.intParam(ctx, "n", 10, 1, 1_000);
    int offset = Params.intParam(ctx, "offset", 0, 0, MAX_OFFSET);
    String category = ctx.queryParams().get("category");
    if (category != null && (category.isBlank() || category.length() > 128)) {
      throw Params.invalid("category", "category must be 1..128 characters");
    }
    Responses.reply(ctx, recommender.popular(n, offset, category));
  }

  private void recommend(RoutingContext ctx) {
    String user = Params.pathId(ctx);
    int n = Params.intParam(ctx, "n", 10, 1, 1_000);
    int offset = Params.intParam(ctx, "offset", 0, 0, MAX_OFFSET);
    String category = ctx.queryParams().get("category");
    if (category != null && (category.isBlank() || category.length() > 128)) {
      throw Params.invalid("category", "category must be 1..128 characters");
    }
    Set<String> exclude = new LinkedHashSet<>();
    String ex = ctx.queryParams().get("exclude");
    if (ex != null && !ex.isBlank()) {
      exclude.addAll(Arrays.asList(ex.split(",")));
      if (exclude.size() > 1_000) {
        throw Params.invalid("exclude", "at most 1000 excluded item ids");
      }
    }
    String objective = ctx.queryParams().get("objective");
    if (objective != null && !OBJECTIVES.contains(objective)) {
      throw Params.invalid("objective", "objective must be relevance, click, conversion or uplift");
    }
    Double minProbability = null;
    String min = ctx.queryParams().get("min_probability");
    if (min != null) {
      try {
        minProbability = Double.parseDouble(min);
      } catch (NumberFormatException e) {
        minProbability = Double.NaN;
      }
      if (!(minProbability >= 0 && minProbability <= 1)) {
        throw Params.invalid("min_probability", "min_probability must be a number in [0, 1]");
      }
    }
    String surface = ctx.queryParams().get("surface");
    if (surface != null && (surface.isBlank() || surface.length() > 128)) {
      throw Params.invalid("surface", "surface must be 1..128 characters");
    }
    if ("uplift".equals(objective) || "conversion".equals(objective)) {
      if (category != null || minProbability != null || surface != null) {
        throw Params.invalid(category != null ? "category" : minProbability != null ? "min_probability" : "surface",
            "category, min_probability and surface apply to objective=relevance and click only");
      }
      Responses.reply(ctx, uplift.recommend(user, offset + n, exclude, objective.equals("conversion"))
          .map(r -> page(r, offset)));
      return;
    }
    recommender.recommendEncoded(new Recommender.Query(user, n, offset, category, exclude, objective, minProbability,
        surface)).onSuccess(body -> {
          if (!ctx.response().ended()) {
            ctx.response().putHeader("content-type", "application/json").end(body);
          }
        }).onFailure(ctx::fail);
  }

  private static final Set<String> OBJECTIVES = Set.of("relevance", "click", "conversion", "uplift");

  /** The answer without its first {@code offset} items. */
  private static JsonObject page(JsonObject answer, int offset) {
    JsonArray items = answer.getJsonArray("items");
    JsonArray rest = new JsonArray();
    for (int k = offset; k < items.size(); k++) {
      rest.add(items.getValue(k));
    }
    return answer.put("items", rest);
  }

  /** {@code GET /v1/users/{id}/what-if?item=}: both conversion probabilities, the uplift and its interval. */
  private void whatIf(RoutingContext ctx) {
    String user = Params.pathId(ctx);
    String item = ctx.queryParams().get("item");
    if (item == null || item.isBlank()) {
      throw Params.invalid("item", "item is required: /v1/users/{id}/what-if?item=ITEM_ID");
    }
    if (item.length() > 256) {
      throw Params.invalid("item", "item must be at most 256 characters");
    }
    Responses.reply(ctx, uplift.whatIf(user, item));
  }
}
