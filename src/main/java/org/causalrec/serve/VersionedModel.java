package org.causalrec.serve;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.causalrec.store.ArtifactRepository;
import org.causalrec.store.ModelRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which version of one model kind serves: opens a version's artifact off the event loop, and only
 * once it opened (and passed its check) makes it current; the previous version is closed on the
 * thread that scores with it, after every use that may still hold it. A version that does not open
 * is reported and the current one keeps serving; one whose artifact cannot be read is marked
 * failed in the registry. At start the newest ready version that opens serves, or the version the
 * kind is pinned to; {@link #followRegistry} picks up versions that became ready elsewhere, and pins
 * set or removed elsewhere. While a pin holds, no newer version replaces it.
 *
 * @param <M> the loaded version
 */
public final class VersionedModel<M extends ServedVersion> {

  /**
   * Opens a registered version whose artifact is recorded (blocking); a missing, corrupt or failing
   * artifact is an IOException.
   */
  interface Opener<M> {
    M open(ModelRepository.ModelRow row) throws IOException;
  }

  private static final Logger LOG = LoggerFactory.getLogger(VersionedModel.class);

  private final Vertx vertx;
  private final ModelRepository registry;
  private final ArtifactRepository artifacts;
  private final String kind;
  private final Function<Callable<M>, Future<M>> openOffLoop;
  private final Opener<M> opener;
  private final Function<Runnable, Future<Void>> onScoringThread;
  private final AtomicReference<M> current = new AtomicReference<>();
  /** Versions served once or already looked at by the poll: the poll never forces them back. */
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private volatile String lastError;
  /** The version this kind is pinned to, as last read or set; null when it follows the newest. */
  private volatile String pin;
  /** A pinned version that did not open: not tried again at every poll. */
  private volatile String pinRefused;
  /** Set by {@link #close}: loads still opening are closed instead of served. */
  private volatile boolean closed;
  private long pollTimer = -1;

  /**
   * @param artifacts where a version's artifact is fetched from when this node has no copy
   * @param kind the model kind whose versions it serves
   * @param opener opens a version
   * @param openOffLoop runs an opening off the event loop (a worker) and completes with what it opened
   * @param onScoringThread runs a task on the thread that scores with the current version, between uses
   */
  VersionedModel(Vertx vertx, ModelRepository registry, ArtifactRepository artifacts, String kind, Opener<M> opener,
      Function<Callable<M>, Future<M>> openOffLoop, Function<Runnable, Future<Void>> onScoringThread) {
    this.vertx = vertx;
    this.registry = registry;
    this.artifacts = artifacts;
    this.kind = kind;
    this.opener = opener;
    this.openOffLoop = openOffLoop;
    this.onScoringThread = onScoringThread;
  }

  /**
   * Loads the pinned version, or (no pin, or it does not open) the newest ready version that opens,
   * older ones tried in turn. Completes with it, or null.
   */
  Future<String> loadLatest() {
    return registry.pinned(kind).compose(p -> {
      pin = p;
      if (p == null) {
        return loadNewest();
      }
      return switchTo(p).recover(err -> {
        pinRefused = p;
        LOG.warn("{} is pinned to {}, which does not open ({}); the newest version that does serves", kind, p,
            err.getMessage());
        return loadNewest();
      });
    });
  }

  private Future<String> loadNewest() {
    return registry.ready(kind).compose(rows -> tryInOrder(rows, 0));
  }

  /** Serves {@code version} and pins the kind to it (on every node, across restarts); fails if it does not open. */
  public Future<String> pin(String version) {
    return switchTo(version).compose(v -> registry.pin(kind, v).map(v)).onSuccess(v -> {
      pin = v;
      pinRefused = null;
    });
  }

  /** Removes the pin: the newest ready version serves again, and later ones replace it. */
  public Future<String> unpin() {
    return registry.unpin(kind).compose(had -> {
      pin = null;
      return loadNewest();
    });
  }

  /** The version this kind is pinned to, or null. */
  public String pinned() {
    return pin;
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
  void followRegistry(long periodMs) {
    registry.ready(kind).onSuccess(rows -> rows.forEach(r -> seen.add(r.version())));
    pollTimer = vertx.setPeriodic(periodMs, id -> poll());
  }

  /**
   * Looks at the registry now: serves the pin set elsewhere, or, without one, a version that became
   * ready since the last look (another node announced a change, or the period passed).
   */
  void poll() {
    registry.pinned(kind).onSuccess(p -> {
      String before = pin;
      pin = p;
      M m = current.get();
      if (p != null) { // pinned, maybe by another node: serve the pin
        if ((m == null || !m.version().equals(p)) && !p.equals(pinRefused)) {
          switchTo(p).onFailure(err -> pinRefused = p);
        }
        return;
      }
      registry.ready(kind).onSuccess(rows -> {
        String newest = rows.isEmpty() ? null : rows.get(0).version();
        boolean unpinned = before != null; // the pin was removed elsewhere: back to the newest
        if (newest == null || !seen.add(newest) && !unpinned) {
          return;
        }
        if (m == null || !m.version().equals(newest)) {
          load(rows.get(0));
        }
      });
    });
  }

  /**
   * Switches to {@code version} when it is of this kind (a training run finished) and no pin holds;
   * other kinds are ignored.
   */
  void offer(String versionKind, String version) {
    if (kind.equals(versionKind)) {
      if (pin == null) {
        switchTo(version);
      } else {
        seen.add(version);
        LOG.info("{} is ready; {} stays, pinned", version, pin);
      }
    }
  }

  /** Loads a registered version of this kind and switches to it; on failure the current version stays. */
  public Future<String> switchTo(String version) {
    return registry.list().compose(rows -> rows.stream()
        .filter(r -> r.version().equals(version) && r.kind().equals(kind)).findFirst()
        .map(this::load)
        .orElse(Future.failedFuture(new IllegalArgumentException("no " + kind + " version " + version))));
  }

  /**
   * Opens {@code row} from this node's copy of its artifact; when that copy does not open and the
   * database holds the artifact, fetches it again and tries once more (this node's disk was at
   * fault, not the version).
   */
  private Future<M> open(ModelRepository.ModelRow row) {
    return artifacts.local(row.version(), row.artifact()).compose(dir -> openAt(row, dir))
        .recover(err -> !(err instanceof IOException) ? Future.failedFuture(err)
            : artifacts.refetch(row.version()).recover(e -> Future.failedFuture(err))
                .compose(dir -> dir == null ? Future.failedFuture(err) : openAt(row, dir)));
  }

  private Future<M> openAt(ModelRepository.ModelRow row, java.nio.file.Path dir) {
    return openOffLoop.apply(() -> {
      if (dir == null) {
        throw new IOException("no artifact recorded");
      }
      return opener.open(row.withArtifact(dir.toString()));
    });
  }

  private Future<String> load(ModelRepository.ModelRow row) {
    return open(row)
        .compose(this::makeCurrent)
        .onSuccess(m -> {
          lastError = null;
          seen.add(m.version());
          LOG.info("Serving {}", m.version());
        })
        .onFailure(err -> {
          lastError = row.version() + ": " + err.getMessage();
          LOG.warn("Model {} refused, the previous version keeps serving: {}", row.version(), err.getMessage());
          if (err instanceof IOException && row.artifact() != null) {
            // the files are bad, not the moment: the registry says so, and no start tries them again
            registry.markUnreadable(row.version(), String.valueOf(err.getMessage()))
                .onFailure(e -> LOG.warn("Could not mark {} unreadable: {}", row.version(), e.toString()));
          }
        })
        .map(ServedVersion::version);
  }

  /**
   * Swaps {@code next} in on the scoring thread and closes the version it replaces; after
   * {@link #close} (a load still opening then) {@code next} is closed instead, never served.
   */
  private Future<M> makeCurrent(M next) {
    AtomicBoolean ran = new AtomicBoolean();
    Future<Void> swapped;
    try {
      swapped = onScoringThread.apply(() -> {
        ran.set(true);
        if (closed) {
          next.close();
          throw new IllegalStateException("serving closed while " + next.version() + " was opening");
        }
        M old = current.getAndSet(next);
        if (old != null && old != next) {
          old.close();
        }
      });
    } catch (RuntimeException e) { // the scoring thread has stopped
      swapped = Future.failedFuture(e);
    }
    return swapped.onFailure(err -> {
      if (!ran.get()) {
        next.close(); // never served, so no pass can hold it
      }
    }).map(next);
  }

  /** The version serving now, or null. */
  M current() {
    return current.get();
  }

  /** The name of the version serving now, or null. */
  public String version() {
    M m = current.get();
    return m == null ? null : m.version();
  }

  /** Why the last version that did not open was refused, or null. */
  String lastError() {
    return lastError;
  }

  /** Stops following the registry and closes the current version on the scoring thread. */
  Future<Void> close() {
    closed = true;
    if (pollTimer >= 0) {
      vertx.cancelTimer(pollTimer);
    }
    return onScoringThread.apply(() -> {
      M m = current.getAndSet(null);
      if (m != null) {
        m.close();
      }
    });
  }
}
