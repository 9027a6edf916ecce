package org.causalrec.serve;

import ai.djl.Device;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Interactions;
import org.causalrec.model.MultVae;
import org.causalrec.store.CatalogRepository;
import org.causalrec.store.Item;
import org.causalrec.store.ModelRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which model version serves: loads a version's artifact on a worker thread, checks that it
 * scores (finite scores of the right length), and only then switches to it atomically. A missing
 * or corrupt artifact is reported and the previous version keeps serving.
 */
public final class ModelServing {

  private static final Logger LOG = LoggerFactory.getLogger(ModelServing.class);

  private final Vertx vertx;
  private final ModelRepository registry;
  private final CatalogRepository catalog;
  private final Device device;
  private final AtomicReference<ServingModel> current = new AtomicReference<>();
  private final ScoringQueue queue = new ScoringQueue(current);
  private volatile String lastError;
  /** Versions served once or already looked at by the poll: the poll never forces them back. */
  private final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private long pollTimer = -1;

  public ModelServing(Vertx vertx, Pool pool, Device device) {
    this.vertx = vertx;
    this.registry = new ModelRepository(pool);
    this.catalog = new CatalogRepository(pool);
    this.device = device;
  }

  /** Loads the newest ready Mult-VAE that loads and passes the check; older ones are tried in turn. */
  public Future<String> loadLatest() {
    return registry.ready("mult-vae").compose(rows -> tryInOrder(rows, 0));
  }

  private Future<String> tryInOrder(List<ModelRepository.ModelRow> rows, int k) {
    if (k >= rows.size()) {
      return Future.succeededFuture(null);
    }
    return load(rows.get(k)).recover(err -> tryInOrder(rows, k + 1));
  }

  /**
   * Every {@code periodMs}, switches to a version that became ready since the last look (trained
   * by the CLI or by another node). An explicit switch to an older version is left alone.
   */
  public void followRegistry(long periodMs) {
    registry.ready("mult-vae").onSuccess(rows -> rows.forEach(r -> seen.add(r.version())));
    pollTimer = vertx.setPeriodic(periodMs, id -> registry.ready("mult-vae").onSuccess(rows -> {
      String newest = rows.isEmpty() ? null : rows.get(0).version();
      if (newest == null || !seen.add(newest)) {
        return;
      }
      ServingModel m = current.get();
      if (m == null || !m.version().equals(newest)) {
        load(rows.get(0));
      }
    }));
  }

  /** Loads a registered version and switches to it; on failure the current version stays. */
  public Future<String> switchTo(String version) {
    return registry.list().compose(rows -> rows.stream().filter(r -> r.version().equals(version)).findFirst()
        .map(this::load)
        .orElse(Future.failedFuture(new IllegalArgumentException("no model version " + version))));
  }

  private Future<String> load(ModelRepository.ModelRow row) {
    return catalog.items(Integer.MAX_VALUE, 0)
        .compose(items -> vertx.<ServingModel>executeBlocking(() -> open(row, items), false))
        .compose(m -> queue.publish(m).map(m))
        .onSuccess(m -> {
          lastError = null;
          seen.add(m.version());
          LOG.info("Serving {} ({} items) on {}", m.version(), m.items().size(), device);
        })
        .onFailure(err -> {
          lastError = row.version() + ": " + err.getMessage();
          LOG.warn("Model {} refused, the previous version keeps serving: {}", row.version(), err.getMessage());
        })
        .map(ServingModel::version);
  }

  private ServingModel open(ModelRepository.ModelRow row, List<Item> items) throws IOException {
    if (row.artifact() == null) {
      throw new IOException("no artifact recorded");
    }
    Path dir = Path.of(row.artifact());
    List<String> ids = new ArrayList<>();
    try {
      new JsonArray(Files.readString(dir.resolve("items.json"))).forEach(o -> ids.add((String) o));
    } catch (RuntimeException e) {
      throw new IOException("unreadable items.json in " + dir, e);
    }
    IdIndex index;
    try {
      index = IdIndex.of(ids);
    } catch (IllegalArgumentException e) {
      throw new IOException("items.json in " + dir + " repeats ids", e);
    }
    MultVae vae = MultVae.load(dir, device);
    try {
      sanityCheck(vae, index.size());
    } catch (RuntimeException e) {
      vae.close();
      throw new IOException("sanity check failed: " + e.getMessage(), e);
    }
    java.util.Map<String, Item> byId = new java.util.HashMap<>();
    items.forEach(it -> byId.put(it.id(), it));
    String[] titles = new String[ids.size()];
    List<List<String>> cats = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      Item it = byId.get(ids.get(i));
      titles[i] = it == null ? null : it.title();
      cats.add(it == null ? List.of() : it.categories());
    }
    return new ServingModel(row.version(), vae, index, titles, cats);
  }

  private static void sanityCheck(MultVae vae, int items) {
    Interactions probe = new Interactions.Builder(2, items).add(0, 0, 1f).build();
    float[][] s = vae.score(probe, 0, 2);
    for (float[] row : s) {
      if (row.length != items) {
        throw new IllegalStateException("scores have " + row.length + " columns, the item index " + items);
      }
      if (!Arrays.stream(toDouble(row)).allMatch(Double::isFinite)) {
        throw new IllegalStateException("non-finite scores");
      }
    }
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  /** The name of the version serving now, or null. */
  public String version() {
    ServingModel m = current.get();
    return m == null ? null : m.version();
  }

  /** The version serving now, or null. */
  ServingModel current() {
    return current.get();
  }

  ScoringQueue queue() {
    return queue;
  }

  /** Status for {@code /health/ready}: the serving version and the last refused load. */
  public JsonObject status() {
    ServingModel m = current.get();
    long[] c = queue.counters();
    return new JsonObject().put("version", m == null ? null : m.version()).put("device", device.toString())
        .put("last_refused", lastError).put("forward_passes", c[0]).put("histories_scored", c[1]);
  }

  /** Closes the serving model and the scoring thread. */
  public void close() {
    if (pollTimer >= 0) {
      vertx.cancelTimer(pollTimer);
    }
    queue.close();
  }
}
