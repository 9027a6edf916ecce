package org.causalrec.serve;

import ai.djl.Device;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.causalrec.causal.CfFeatures;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.model.Artifacts;
import org.causalrec.model.ClickMlp;
import org.causalrec.store.ArtifactRepository;
import org.causalrec.store.ModelRepository;

/**
 * The second stage: the click MLP version that serves, and the calibrated P(click | shown at the
 * top position, surface, hour) of a user's candidates, micro-batched on its own ranking thread.
 * A click MLP trained with the Mult-VAE's view of each pair as an input gets it from the first
 * stage's scores of the same request, so ranking costs no second fold-in.
 */
public final class ClickServing {

  /** One loaded version: the network and its vocabularies; the popularity of its pair features when it takes them. */
  record ClickVersion(String version, ClickMlp mlp, IdIndex items, IdIndex surfaces, CfFeatures features,
      Mapping mapping) implements ServedVersion {
    @Override
    public void close() {
      mlp.close();
    }
  }

  /** The last first-stage vocabulary seen, and where each of the click model's items is in it. */
  static final class Mapping {
    private volatile Object[] last = {null, null};

    int[] toFirstStage(IdIndex items, IdIndex firstStage) {
      Object[] l = last;
      if (l[0] == firstStage) {
        return (int[]) l[1];
      }
      int[] map = items.indexesIn(firstStage);
      last = new Object[] {firstStage, map};
      return map;
    }
  }

  /**
   * A user's candidates to rank.
   *
   * @param history the user's recent positive items, oldest first
   * @param candidates item ids
   * @param surface where the list is shown (unknown surfaces rank as the model's first)
   * @param hour hour of day, 0..23
   * @param firstStageItems the first stage's vocabulary
   * @param firstStageScores the first stage's scores of every item of its vocabulary for this history
   */
  record Request(List<String> history, List<String> candidates, String surface, int hour, IdIndex firstStageItems,
      float[] firstStageScores) {}

  /**
   * Probabilities of a request's candidates.
   *
   * @param version the click model version that computed them
   * @param probability per candidate, in order
   */
  record Ranked(String version, float[] probability) {}

  private static final int MAX_BATCH = 64;

  private final Device device;
  private final VersionedModel<ClickVersion> versions;
  private final MicroBatcher<Request, Ranked> batcher;

  public ClickServing(Vertx vertx, Pool pool, ArtifactRepository artifacts, Device device, int torchThreads) {
    this.device = device;
    this.batcher = new MicroBatcher<>("causalrec-ranking", torchThreads, MAX_BATCH, this::pass);
    this.versions = new VersionedModel<>(vertx, new ModelRepository(pool), artifacts, ClickMlp.KIND.name(), this::open,
        opening -> vertx.executeBlocking(opening, false), batcher::run);
  }

  /** Loads the newest ready click model that loads and passes the check. */
  public Future<String> loadLatest() {
    return versions.loadLatest();
  }

  /** Every {@code periodMs}, switches to a version that became ready since the last look. */
  public void followRegistry(long periodMs) {
    versions.followRegistry(periodMs);
  }

  /** Switches to a version of (kind, version) that just finished training, when it is a click MLP. */
  public void offer(String kind, String version) {
    versions.offer(kind, version);
  }

  /** This kind's versions: switching, pinning and following the registry. */
  public VersionedModel<?> versions() {
    return versions;
  }

  /** The version serving now, or null. */
  public String version() {
    return versions.version();
  }

  /** Ranks a request's candidates with the version current when its pass runs; fails without one. */
  Future<Ranked> rank(Vertx vertx, Request request) {
    return batcher.submit(vertx, request);
  }

  private ClickVersion open(ModelRepository.ModelRow row) throws IOException {
    Path dir = Path.of(row.artifact());
    IdIndex items = IdIndex.read(dir.resolve("items.json"));
    IdIndex surfaces = IdIndex.read(dir.resolve("surfaces.json"));
    ClickMlp mlp = ClickMlp.KIND.load(dir, device);
    try {
      CfFeatures features = null;
      if (mlp.pairDim() > 0) {
        if (mlp.pairDim() != CfFeatures.DIM) {
          throw new IOException("the click model takes " + mlp.pairDim() + " pair features; serving computes "
              + CfFeatures.DIM);
        }
        features = new CfFeatures(null, CfFeatures.popularity(Artifacts.readCounts(dir.resolve("item-counts.json"),
            items.size())));
      }
      ClickVersion v = new ClickVersion(row.version(), mlp, items, surfaces, features, new Mapping());
      float[] probe = probabilities(v, List.of(new Request(List.of(items.id(0)), List.of(items.id(0)), null, 12,
          items, new float[items.size()])));
      if (!(probe[0] >= 0 && probe[0] <= 1)) {
        throw new IOException("sanity check failed: probability " + probe[0]);
      }
      return v;
    } catch (IOException | RuntimeException e) {
      mlp.close();
      throw e instanceof IOException io ? io : new IOException("sanity check failed: " + e.getMessage(), e);
    }
  }

  private List<Ranked> pass(List<Request> requests) {
    ClickVersion v = versions.current();
    if (v == null) {
      throw new IllegalStateException("no click model is loaded");
    }
    float[] p = probabilities(v, requests);
    List<Ranked> out = new ArrayList<>(requests.size());
    int at = 0;
    for (Request r : requests) {
      out.add(new Ranked(v.version(), Arrays.copyOfRange(p, at, at + r.candidates().size())));
      at += r.candidates().size();
    }
    return out;
  }

  /** The probabilities of every request's candidates, concatenated, from one forward pass. */
  static float[] probabilities(ClickVersion v, List<Request> requests) {
    int rows = requests.stream().mapToInt(r -> r.candidates().size()).sum();
    int users = requests.size();
    int[] user = new int[rows];
    int[] item = new int[rows];
    int[] surface = new int[rows];
    int[] hour = new int[rows];
    long[] time = new long[rows];
    int[][] history = new int[users][];
    long[][] historyTime = new long[users][];
    float[] pair = v.features() == null ? null : new float[rows * CfFeatures.DIM];
    int home = Math.max(0, v.surfaces().indexOf("home"));
    int at = 0;
    for (int u = 0; u < users; u++) {
      Request r = requests.get(u);
      history[u] = r.history().stream().mapToInt(v.items()::indexOf).filter(i -> i >= 0).toArray();
      historyTime[u] = new long[history[u].length];
      int s = r.surface() == null ? home : Math.max(0, v.surfaces().indexOf(r.surface()));
      int[] cands = new int[r.candidates().size()];
      for (int k = 0; k < cands.length; k++) {
        int i = v.items().indexOf(r.candidates().get(k));
        cands[k] = i;
        user[at + k] = u;
        item[at + k] = i >= 0 ? i : v.items().size(); // the network's row for unseen items
        surface[at + k] = s;
        hour[at + k] = r.hour();
        time[at + k] = 1;
      }
      if (pair != null) {
        System.arraycopy(v.features().forItems(scoresOverItems(v, r), cands), 0, pair, at * CfFeatures.DIM,
            cands.length * CfFeatures.DIM);
      }
      at += cands.length;
    }
    Impressions slate = new Impressions(IdIndex.of(java.util.stream.IntStream.range(0, users)
        .mapToObj(Integer::toString).toList()), v.items(), v.surfaces(), user, item, new int[rows], surface, hour,
        time, new boolean[rows], new boolean[rows], nans(rows), new boolean[rows], history, historyTime,
        new int[users][0], new long[users][0]);
    return v.mlp().predict(slate, pair);
  }

  /** The first stage's scores mapped onto the click model's items (NaN: unknown to the first stage). */
  private static float[] scoresOverItems(ClickVersion v, Request r) {
    int[] map = v.mapping().toFirstStage(v.items(), r.firstStageItems());
    float[] s = new float[map.length];
    for (int i = 0; i < map.length; i++) {
      s[i] = map[i] < 0 ? Float.NaN : r.firstStageScores()[map[i]];
    }
    return s;
  }

  private static float[] nans(int n) {
    float[] a = new float[n];
    Arrays.fill(a, Float.NaN);
    return a;
  }

  /** Tells {@code o} of every ranking pass (lists in it, time it took). */
  public void observePasses(PassObserver o) {
    batcher.observe(o);
  }

  /** Status for {@code /health/ready}. */
  public JsonObject status() {
    long[] c = batcher.counters();
    return new JsonObject().put("version", version()).put("last_refused", versions.lastError())
        .put("forward_passes", c[0]).put("lists_ranked", c[1]);
  }

  /** Closes the serving model and the ranking thread. */
  public void close() {
    versions.close();
    batcher.close();
  }
}
