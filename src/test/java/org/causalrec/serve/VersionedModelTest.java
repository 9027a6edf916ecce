package org.causalrec.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.store.ArtifactRepository;
import org.causalrec.store.ModelRepository;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which version of a kind serves, over the real model registry: the newest ready one that opens,
 * older ones when it does not, refused versions leaving the current one serving, and every
 * replaced version closed exactly once on the scoring thread. Each test registers its own kind.
 */
@TestDatabase
class VersionedModelTest {

  @TempDir
  static Path dir;

  static StoreHandle store;
  static ModelRepository registry;
  static Vertx vertx;

  /** A loaded version standing in for a model artifact: records how often, and on which thread, it was closed. */
  static final class Loaded implements ServedVersion {
    final String version;
    final List<String> closedOn = new CopyOnWriteArrayList<>();

    Loaded(String version) {
      this.version = version;
    }

    @Override
    public String version() {
      return version;
    }

    @Override
    public void close() {
      closedOn.add(Thread.currentThread().getName());
    }
  }

  /**
   * Opens the artifact folder a registry row names: it must hold {@code model.txt} with the
   * version's name, else the artifact is missing or corrupt. Can hold an opening at a gate.
   */
  static final class Opener implements VersionedModel.Opener<Loaded> {
    final List<String> tried = new CopyOnWriteArrayList<>();
    final List<Loaded> opened = new CopyOnWriteArrayList<>();
    volatile CountDownLatch entered;
    volatile CountDownLatch gate;

    @Override
    public Loaded open(ModelRepository.ModelRow row) throws IOException {
      tried.add(row.version());
      if (entered != null) {
        entered.countDown();
      }
      if (gate != null) {
        try {
          gate.await();
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
      }
      if (row.artifact() == null) {
        throw new IOException("no artifact recorded");
      }
      String content = Files.readString(Path.of(row.artifact()).resolve("model.txt"));
      if (!content.equals(row.version())) {
        throw new IOException("corrupt artifact: " + content);
      }
      Loaded l = new Loaded(row.version());
      opened.add(l);
      return l;
    }
  }

  Opener opener;
  ScoringQueue scoring;

  @BeforeAll
  static void start() {
    store = StoreHandle.open(TestEnv.config(dir));
    registry = new ModelRepository(store.pool());
    vertx = store.vertx();
  }

  @AfterAll
  static void stop() {
    store.close();
  }

  @BeforeEach
  void newOpener() {
    opener = new Opener();
    scoring = new ScoringQueue(() -> null, 1);
  }

  @AfterEach
  void closeScoring() {
    scoring.close();
  }

  /** Serving {@code kind}, opening on a worker and switching on the real scoring thread. */
  VersionedModel<Loaded> versions(String kind) {
    return new VersionedModel<>(vertx, registry, new ArtifactRepository(vertx, store.pool(), dir.resolve("models")),
        kind, opener, opening -> vertx.executeBlocking(opening, false),
        scoring::run);
  }

  /** Registers a ready version of {@code kind} whose artifact is intact, corrupt or missing. */
  static String ready(String kind, String artifact) throws IOException {
    String version = registry.startTraining(kind, new JsonObject(), "cpu").await();
    Path folder = dir.resolve("models").resolve(version);
    if (!artifact.equals("missing")) {
      Files.createDirectories(folder);
      Files.writeString(folder.resolve("model.txt"), artifact.equals("intact") ? version : "garbage");
    }
    registry.markReady(version, new JsonObject(), new JsonObject(), 1, folder.toString()).await();
    return version;
  }

  static Throwable failure(Future<?> f) {
    Throwable t = f.transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause() : null)).await();
    assertTrue(t != null, "expected a failure");
    return t;
  }

  @Test
  void theNewestReadyVersionThatOpensServes() throws IOException {
    ready("newest", "intact");
    String newest = ready("newest", "intact");
    registry.startTraining("newest", new JsonObject(), "cpu").await();
    String failed = registry.startTraining("newest", new JsonObject(), "cpu").await();
    registry.markFailed(failed, "diverged").await();
    ready("another-kind", "intact");
    VersionedModel<Loaded> v = versions("newest");
    assertNull(v.version());
    assertEquals(newest, v.loadLatest().await());
    assertEquals(newest, v.version());
    assertEquals(List.of(newest), opener.tried, "versions in training or failed are not candidates, nor other kinds");
    assertSame(opener.opened.get(0), v.current());
    assertNull(v.lastError());
    v.close().await();
  }

  @Test
  void olderVersionsAreTriedInTurnWhenTheNewerOnesDoNotOpen() throws IOException {
    String oldest = ready("fallback", "intact");
    String corrupt = ready("fallback", "corrupt");
    String missing = ready("fallback", "missing");
    VersionedModel<Loaded> v = versions("fallback");
    assertEquals(oldest, v.loadLatest().await());
    assertEquals(List.of(missing, corrupt, oldest), opener.tried);
    assertEquals(1, opener.opened.size());
    assertEquals(oldest, v.version());
    v.close().await();
  }

  @Test
  void withNothingThatOpensNothingServesAndTheLastRefusalIsReported() throws IOException {
    VersionedModel<Loaded> none = versions("never-trained");
    assertNull(none.loadLatest().await());
    assertNull(none.version());
    String corrupt = ready("all-refused", "corrupt");
    ready("all-refused", "missing");
    VersionedModel<Loaded> v = versions("all-refused");
    assertNull(v.loadLatest().await());
    assertNull(v.current());
    assertTrue(v.lastError().startsWith(corrupt + ": corrupt artifact"), v.lastError());
    v.close().await();
  }

  @Test
  void aRefusedVersionLeavesTheCurrentOneServingAndIsReportedUntilALoadSucceeds() throws IOException {
    String good = ready("refused", "intact");
    String corrupt = ready("refused", "corrupt");
    VersionedModel<Loaded> v = versions("refused");
    assertEquals(good, v.switchTo(good).await());
    Loaded serving = v.current();
    Throwable refused = failure(v.switchTo(corrupt));
    assertInstanceOf(IOException.class, refused);
    assertSame(serving, v.current(), "the current version keeps serving");
    assertEquals(List.of(), serving.closedOn, "and stays open");
    assertEquals(corrupt + ": corrupt artifact: garbage", v.lastError());
    assertInstanceOf(IllegalArgumentException.class, failure(v.switchTo("refused-99")), "an unknown version");
    assertSame(serving, v.current());
    String next = ready("refused", "intact");
    assertEquals(next, v.switchTo(next).await());
    assertNull(v.lastError(), "a successful load clears the refusal");
    v.close().await();
  }

  @Test
  void aVersionOfAnotherKindIsNeitherOfferedNorSwitchedTo() throws IOException {
    String mine = ready("offered", "intact");
    String theirs = ready("other-kind", "intact");
    VersionedModel<Loaded> v = versions("offered");
    assertEquals(mine, v.loadLatest().await());
    Loaded serving = v.current();
    assertTrue(failure(v.switchTo(theirs)).getMessage().contains(theirs));
    v.offer("other-kind", theirs);
    String next = ready("offered", "intact");
    v.offer("offered", next);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!next.equals(v.version())) {
      assertTrue(System.nanoTime() < deadline, "the offered version never served");
      Thread.onSpinWait();
    }
    // one more full load after the offers, so an offer that was not ignored has had its turn
    assertEquals(next, v.switchTo(next).await());
    assertEquals(List.of(mine, next, next), opener.tried, "the other kind's version was never opened");
    assertEquals(List.of("causalrec-scoring"), serving.closedOn);
    v.close().await();
  }

  @Test
  void theReplacedVersionIsClosedOnceOnTheScoringThreadAfterTheUseInProgress() throws Exception {
    String first = ready("switch", "intact");
    String second = ready("switch", "intact");
    VersionedModel<Loaded> v = versions("switch");
    assertEquals(second, v.loadLatest().await());
    Loaded old = v.current();
    CountDownLatch inUse = new CountDownLatch(1);
    scoring.run(() -> {
      try {
        inUse.await(); // a forward pass holding the current version
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Future<String> switching = v.switchTo(first);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (opener.opened.size() < 2) {
      assertTrue(System.nanoTime() < deadline, "the new version never opened");
      Thread.onSpinWait();
    }
    assertSame(old, v.current(), "no switch while the scoring thread uses the current version");
    assertEquals(List.of(), old.closedOn);
    inUse.countDown();
    assertEquals(first, switching.await());
    assertEquals(first, v.version());
    assertEquals(List.of("causalrec-scoring"), old.closedOn, "closed once, by the scoring thread");
    Loaded firstLoaded = v.current();
    assertEquals(first, v.switchTo(first).await(), "reloading the serving version opens a fresh copy");
    assertEquals(List.of("causalrec-scoring"), firstLoaded.closedOn);
    Loaded last = v.current();
    v.close().await();
    assertNull(v.current());
    assertNull(v.version());
    assertEquals(List.of("causalrec-scoring"), last.closedOn);
    v.close().await();
    for (Loaded l : opener.opened) {
      assertEquals(1, l.closedOn.size(), l.version + " closed exactly once");
    }
  }

  @Test
  void aVersionThatFinishesOpeningAfterCloseIsClosedNotServed() throws Exception {
    String first = ready("closing", "intact");
    String second = ready("closing", "intact");
    VersionedModel<Loaded> v = versions("closing");
    assertEquals(first, v.switchTo(first).await());
    Loaded serving = v.current();
    opener.entered = new CountDownLatch(1);
    opener.gate = new CountDownLatch(1);
    Future<String> switching = v.switchTo(second);
    opener.entered.await();
    v.close().await();
    assertEquals(List.of("causalrec-scoring"), serving.closedOn);
    opener.gate.countDown();
    failure(switching);
    assertNull(v.current(), "nothing serves after close");
    Loaded late = opener.opened.get(1);
    assertEquals(second, late.version);
    assertEquals(1, late.closedOn.size(), "the late version is released");
  }
}
