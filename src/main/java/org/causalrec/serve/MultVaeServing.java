package org.causalrec.serve;

import ai.djl.Device;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Interactions;
import org.causalrec.model.MultVae;
import org.causalrec.store.ArtifactRepository;
import org.causalrec.store.CatalogRepository;
import org.causalrec.store.Item;
import org.causalrec.store.ModelRepository;

/**
 * The Mult-VAE version that serves recommendations: a version is opened on a worker thread with
 * the catalogue facts serving needs, checked (finite scores of the right length), and only then
 * switched to; a missing or corrupt artifact is reported and the previous version keeps serving.
 * Scoring goes through the micro-batching {@link ScoringQueue}.
 */
public final class MultVaeServing {

  private final CatalogRepository catalog;
  private final Device device;
  private final VersionedModel<MultVaeVersion> versions;
  private final ScoringQueue queue;

  /**
   * @param artifacts where versions' artifacts are fetched from
   * @param torchThreads the scoring thread's PyTorch intra-op threads
   */
  public MultVaeServing(Vertx vertx, Pool pool, ArtifactRepository artifacts, Device device, int torchThreads) {
    this.catalog = new CatalogRepository(pool);
    this.device = device;
    this.queue = new ScoringQueue(this::current, torchThreads);
    this.versions = new VersionedModel<>(vertx, new ModelRepository(pool), artifacts, MultVae.KIND.name(), this::open,
        opening -> vertx.executeBlocking(opening, false), queue::run);
  }

  /** Loads the newest ready Mult-VAE that loads and passes the check; older ones are tried in turn. */
  public Future<String> loadLatest() {
    return versions.loadLatest();
  }

  /** Every {@code periodMs}, switches to a version that became ready since the last look. */
  public void followRegistry(long periodMs) {
    versions.followRegistry(periodMs);
  }

  /** Switches to a version of (kind, version) that just finished training, when it is a Mult-VAE. */
  public void offer(String kind, String version) {
    versions.offer(kind, version);
  }

  /** This kind's versions: switching, pinning and following the registry. */
  public VersionedModel<?> versions() {
    return versions;
  }

  private MultVaeVersion open(ModelRepository.ModelRow row) throws IOException {
    List<Item> catalogue = catalog.items(Integer.MAX_VALUE, 0).toCompletionStage().toCompletableFuture().join();
    Path dir = Path.of(row.artifact());
    IdIndex index = IdIndex.read(dir.resolve("items.json"));
    MultVae vae = MultVae.KIND.load(dir, device);
    try {
      sanityCheck(vae, index.size());
    } catch (RuntimeException e) {
      vae.close();
      throw new IOException("sanity check failed: " + e.getMessage(), e);
    }
    Map<String, Item> byId = new HashMap<>();
    catalogue.forEach(it -> byId.put(it.id(), it));
    String[] titles = new String[index.size()];
    List<List<String>> cats = new ArrayList<>(index.size());
    for (int i = 0; i < index.size(); i++) {
      Item it = byId.get(index.id(i));
      titles[i] = it == null ? null : it.title();
      cats.add(it == null ? List.of() : it.categories());
    }
    return new MultVaeVersion(row.version(), vae, index, titles, cats);
  }

  private static void sanityCheck(MultVae vae, int items) {
    Interactions probe = new Interactions.Builder(2, items).add(0, 0, 1f).build();
    for (float[] row : vae.score(probe)) {
      if (row.length != items) {
        throw new IllegalStateException("scores have " + row.length + " columns, the item index " + items);
      }
      for (float s : row) {
        if (!Float.isFinite(s)) {
          throw new IllegalStateException("non-finite scores");
        }
      }
    }
  }

  /** The name of the version serving now, or null. */
  public String version() {
    return versions.version();
  }

  /** The version serving now, or null. */
  MultVaeVersion current() {
    return versions.current();
  }

  /** Tells {@code o} of every fold-in pass (histories in it, time it took). */
  public void observePasses(PassObserver o) {
    queue.observe(o);
  }

  ScoringQueue queue() {
    return queue;
  }

  /** Status for {@code /health/ready}: the serving version and the last refused load. */
  public JsonObject status() {
    long[] c = queue.counters();
    return new JsonObject().put("version", version()).put("device", device.toString())
        .put("last_refused", versions.lastError()).put("forward_passes", c[0]).put("histories_scored", c[1]);
  }

  /** Closes the serving model and the scoring thread. */
  public void close() {
    versions.close();
    queue.close();
  }
}
