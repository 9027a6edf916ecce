package org.causalrec.api;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import org.causalrec.serve.Recommender;
import org.causalrec.serve.UpliftServing;

/** A user's recommendations (by click probability, relevance, conversion or uplift) and what-if answers. */
final class RecommendationRoutes {

  private final Recommender recommender;
  private final UpliftServing uplift;

  RecommendationRoutes(Recommender recommender, UpliftServing uplift) {
    this.recommender = recommender;
    this.uplift = uplift;
  }

  void mount(Router router) {
    router.get("/v1/users/:id/recommendations").handler(this::recommend);
    router.get("/v1/users/:id/what-if").handler(this::whatIf);
  }

  private void recommend(RoutingContext ctx) {
    String user = Params.pathId(ctx);
    int n = Params.intParam(ctx, "n", 10, 1, 1_000);
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
      Responses.reply(ctx, uplift.recommend(user, n, exclude, objective.equals("conversion")));
      return;
    }
    recommender.recommendEncoded(new Recommender.Query(user, n, category, exclude, objective, minProbability,
        surface)).onSuccess(body -> {
          if (!ctx.response().ended()) {
            ctx.response().putHeader("content-type", "application/json").end(body);
          }
        }).onFailure(ctx::fail);
  }

  private static final Set<String> OBJECTIVES = Set.of("relevance", "click", "conversion", "uplift");

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
