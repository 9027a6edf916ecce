package org.causalrec.serve;

import org.causalrec.model.TopK;
import ai.djl.Device;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.causalrec.causal.CfFeatures;
import org.causalrec.causal.Interval;
import org.causalrec.causal.UpliftModel;
import org.causalrec.data.IdIndex;
import org.causalrec.core.ApiException;
import org.causalrec.model.Artifacts;
import org.causalrec.model.MultVae;
import org.causalrec.store.ArtifactRepository;
import org.causalrec.store.ModelRepository;

/**
 * Serves the newest ready uplift model: "what if we recommend item i to user u" (both conversion
 * probabilities, the uplift and its interval) and rankings by uplift. A user is represented by
 * their current history (from the {@link Recommender}'s view of the log), folded into the uplift
 * model's own collaborative model for its pair features, so users who arrived after training are
 * served too. Scoring runs on its own worker thread, never on an event loop.
 */
public final class UpliftServing {


  /** One loaded version: the model, its collaborative feature model and their vocabularies. */
  private record UpliftVersion(String version, UpliftModel model, MultVae cf, IdIndex users, IdIndex items,
      CfFeatures features) implements ServedVersion {
    @Override
    public void close() {
      model.close();
      cf.close();
    }
  }

  private final Device device;
  private final Recommender recommender;
  private final Catalogue catalogue;
  /** Opens versions and scores, one task at a time: a switch closes the old version between requests. */
  private final WorkerExecutor worker;
  private final VersionedModel<UpliftVersion> versions;

  /** @param catalogue what may be recommended, or null for every item the model knows */
  public UpliftServing(Vertx vertx, Pool pool, ArtifactRepository artifacts, Device device, Recommender recommender,
      Catalogue catalogue) {
    this.device = device;
    this.recommender = recommender;
    this.catalogue = catalogue;
    this.worker = vertx.createSharedWorkerExecutor("causalrec-uplift", 1);
    this.versions = new VersionedModel<>(vertx, new ModelRepository(pool), artifacts, UpliftModel.KIND.name(), this::open,
        opening -> worker.executeBlocking(opening, false), task -> worker.executeBlocking(() -> {
          task.run();
          return null;
        }, true));
  }

  /** Loads the newest ready uplift version that loads; completes with it, or null when none does. */
  public Future<String> loadLatest() {
    return versions.loadLatest();
  }

  /** This kind's versions: switching, pinning and following the registry. */
  public VersionedModel<?> versions() {
    return versions;
  }

  /** Switches to a version of (kind, version) that just finished training, when it is an uplift model. */
  public void offer(String kind, String version) {
    versions.offer(kind, version);
  }

  private UpliftVersion open(ModelRepository.ModelRow row) throws IOException {
    Path dir = Path.of(row.artifact());
    IdIndex users = IdIndex.read(dir.resolve("users.json"));
    IdIndex items = IdIndex.read(dir.resolve("items.json"));
    IdIndex cfItems = IdIndex.read(dir.resolve("cf").resolve("items.json"));
    int[] counts = Artifacts.readCounts(dir.resolve("item-counts.json"), items.size());
    UpliftModel model = UpliftModel.KIND.load(dir, device);
    MultVae cf;
    try {
      cf = MultVae.KIND.load(dir.resolve("cf"), device);
    } catch (IOException e) {
      model.close();
      throw e;
    }
    CfFeatures features = new CfFeatures(CfFeatures.scorer(cf, items.indexesIn(cfItems), cfItems.size()),
        CfFeatures.popularity(counts));
    return new UpliftVersion(row.version(), model, cf, users, items, features);
  }

  /** The serving version, or null. */
  public String version() {
    return versions.version();
  }

  private UpliftVersion require() {
    UpliftVersion l = versions.current();
    if (l == null) {
      throw ApiException.unavailable("no_uplift_model", null,
          "no uplift model is ready yet: train one with POST /v1/models/uplift/train"
              + " (GET /v1/models shows runs in progress)");
    }
    return l;
  }

  /**
   * {@code {"user_id", "item_id", "model_version", "recommended": {"conversion_probability"},
   * "not_recommended": {"conversion_probability"}, "uplift", "interval"}} with the interval as
   * {@link #interval} writes it. Fails with 404 for an item the model does not know, 503 without a model.
   */
  public Future<JsonObject> whatIf(String user, String item) {
    UpliftVersion l;
    try {
      l = require();
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    int i = l.items().indexOf(item);
    if (i < 0) {
      return Future.failedFuture(ApiException.notFound("unknown_item", "item",
          "item '" + item + "' was never logged, so the uplift model has nothing to say about it"));
    }
    return recommender.features(user).compose(f -> {
      if (f.history().isEmpty() && l.users().indexOf(user) < 0) {
        return Future.failedFuture(ApiException.notFound("unknown_user", "id",
            "user '" + user + "' has no events: there is nothing to estimate their response from"));
      }
      return worker.<JsonObject>executeBlocking(() -> whatIfBlocking(l, user, item, i, f.history()), false);
    });
  }

  private static JsonObject whatIfBlocking(UpliftVersion l, String user, String item, int i, List<String> history) {
    UpliftModel.Estimate e = estimates(l, user, history)[i];
    return new JsonObject().put("user_id", user).put("item_id", item).put("model_version", l.version())
        .put("recommended", new JsonObject().put("conversion_probability", e.treated()))
        .put("not_recommended", new JsonObject().put("conversion_probability", e.control()))
        .put("uplift", e.uplift())
        .put("interval", interval(e, l.model().members()))
        .put("history_items", history.size());
  }

  /**
   * {@code {"low", "high", "method", "members", "nominal": 0.95, "measured_coverage", "level"}}: the
   * ensemble's mean ± t·sd ({@link Interval}). "measured_coverage" is the share of true uplifts the
   * interval covered in the last measurement on simulated worlds ({@link Interval#MEASURED_COVERAGE},
   * docs/RESULTS.md), present only for an ensemble of the size measured; "level": 0.95 is present
   * only when that coverage is at least 0.9.
   */
  static JsonObject interval(UpliftModel.Estimate e, int members) {
    JsonObject o = new JsonObject().put("low", e.low()).put("high", e.high()).put("method", Interval.METHOD)
        .put("members", members).put("nominal", 0.95);
    if (members == Interval.MEASURED_MEMBERS) {
      o.put("measured_coverage", Interval.MEASURED_COVERAGE);
      if (Interval.MEASURED_COVERAGE >= 0.9) {
        o.put("level", 0.95);
      }
    }
    return o;
  }


  /** By uplift: as {@link #recommend(String, int, Set, boolean)}. */
  public Future<JsonObject> recommend(String user, int n, Set<String> exclude) {
    return recommend(user, n, exclude, false);
  }

  /**
   * The {@code n} items with the largest uplift (or, {@code byConversion}, the largest conversion
   * probability when recommended) for {@code user}, consumed, {@code exclude}d and uncatalogued
   * items left out: {@code {"user_id", "model_version", "objective": "uplift"|"conversion",
   * "items": [{"id", "uplift", "p_recommended", "p_not_recommended", "reason"}]}}.
   */
  public Future<JsonObject> recommend(String user, int n, Set<String> exclude, boolean byConversion) {
    UpliftVersion l;
    try {
      l = require();
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    return recommender.features(user).compose(f -> worker.executeBlocking(() -> {
      UpliftModel.Estimate[] est = estimates(l, user, f.history());
      float[] tau = new float[est.length];
      boolean[] skip = new boolean[est.length];
      for (int i = 0; i < est.length; i++) {
        tau[i] = (float) (byConversion ? est[i].treated() : est[i].uplift());
        String id = l.items().id(i);
        skip[i] = exclude.contains(id) || f.consumed().contains(id)
            || (catalogue != null && !catalogue.recommendable(id));
      }
      JsonArray items = new JsonArray();
      for (int i : TopK.of(tau, n, skip)) {
        if (!skip[i]) {
          items.add(new JsonObject().put("id", l.items().id(i)).put("uplift", est[i].uplift())
              .put("p_recommended", est[i].treated()).put("p_not_recommended", est[i].control())
              .put("reason", byConversion ? "the most likely to be bought when recommended"
                  : "recommending it adds the most expected conversions"));
        }
      }
      return new JsonObject().put("user_id", user).put("model_version", l.version())
          .put("objective", byConversion ? "conversion" : "uplift")
          .put("items", items);
    }, false));
  }

  /**
   * Estimates for every item from the user's current history (item ids, oldest first); each
   * item's collaborative features come from that history without the item itself.
   */
  private static UpliftModel.Estimate[] estimates(UpliftVersion l, String user, List<String> history) {
    int[] hist = history.stream().mapToInt(l.items()::indexOf).filter(i -> i >= 0).toArray();
    float[] features = l.model().usesFeatures() ? l.features().forHistory(hist) : null;
    return l.model().forUser(l.users().indexOf(user), hist, features);
  }

  /** Stops serving and releases the model. */
  public void close() {
    versions.close().onComplete(ar -> worker.close());
  }
}
