package org.causalrec.text;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.causalrec.config.Config;
import org.causalrec.store.EmbeddingRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every item's text embedding current and this node's {@link EmbeddingIndex} in step with
 * the table. PostgreSQL is the queue: a pass asks for items whose embedding is missing, made by
 * another model, or older than the item (sql/V3), embeds a batch of them on the text worker and
 * writes them; passes repeat until none is left. Upserts through this node wake it at once, a
 * timer catches writes from elsewhere, and nothing is lost when the process stops mid-way (the
 * next pass finds the same items). An item whose text did not change is not embedded again. The
 * index then reads the rows written since the last it saw, so it also follows other nodes. In a
 * cluster only nodes that train embed; an API node's passes only read what they wrote.
 */
public final class ItemEmbeddings implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ItemEmbeddings.class);
  /** Writers commit out of order: each refresh reads again the rows of the last minute. */
  static final long OVERLAP_SECONDS = 60;

  private final Vertx vertx;
  /** Every pass, refresh and flag lives on this one context. */
  private final Context context;
  private final EmbeddingRepository repo;
  private final TextEmbedder embedder;
  private final Config.TextConfig config;
  private final WorkerExecutor worker;
  /**
   * Searches (a scan of the whole index, and a query's embedding) run here, one per core at a
   * time: never on an event loop, and never behind an embedding batch on the text worker.
   */
  private final WorkerExecutor searches;
  private final EmbeddingIndex index = new EmbeddingIndex();
  private final AtomicLong embedded = new AtomicLong();
  private final AtomicLong unchanged = new AtomicLong();
  private boolean running;
  private boolean again;
  private long timer = -1;
  private OffsetDateTime seenUpTo = OffsetDateTime.ofInstant(Instant.EPOCH, ZoneOffset.UTC);
  private String seenId = "";
  private volatile String lastError;
  private volatile boolean closed;
  private final boolean embeds;

  public ItemEmbeddings(Vertx vertx, Pool pool, TextEmbedder embedder, Config.TextConfig config) {
    this(vertx, pool, embedder, config, true);
  }

  /**
   * @param embeds whether this node embeds stale items; false: it follows the embeddings other
   *     nodes write (and embeds only search queries)
   */
  public ItemEmbeddings(Vertx vertx, Pool pool, TextEmbedder embedder, Config.TextConfig config, boolean embeds) {
    this.embeds = embeds;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.repo = new EmbeddingRepository(pool);
    this.embedder = embedder;
    this.config = config;
    this.worker = vertx.createSharedWorkerExecutor("causalrec-text", 1, 10, TimeUnit.MINUTES);
    this.searches = vertx.createSharedWorkerExecutor("causalrec-search", Runtime.getRuntime().availableProcessors(),
        1, TimeUnit.MINUTES);
  }

  /** This node's index of the current model's embeddings. */
  public EmbeddingIndex index() {
    return index;
  }

  /** The model the embeddings are made with. */
  public String model() {
    return embedder.modelId();
  }

  /** Loads the index from the table, then keeps embedding and following on a timer. */
  public Future<Void> start() {
    Promise<Void> loaded = Promise.promise();
    context.runOnContext(x -> refreshIndex().onComplete(loaded));
    return loaded.future().onSuccess(v -> {
      LOG.info("Text embeddings: {} items indexed ({})", index.size(), embedder.modelId());
      context.runOnContext(x -> timer = vertx.setPeriodic(config.pollIntervalMs(), id -> wake()));
      wake();
    }).mapEmpty();
  }

  /** Runs a pass soon (items were upserted). Safe from any thread. */
  public void wake() {
    context.runOnContext(v -> {
      if (closed) {
        return;
      }
      if (running) {
        again = true;
        return;
      }
      running = true;
      drain().onComplete(ar -> {
        running = false;
        if (ar.failed()) {
          lastError = String.valueOf(ar.cause().getMessage());
          LOG.warn("Embedding items failed, retrying in {} ms: {}", config.pollIntervalMs(), lastError);
        } else if (again) {
          again = false;
          wake();
        }
      });
    });
  }

  /** Passes until no item is stale; completes with the number of items embedded. */
  public Future<Integer> drain() {
    Promise<Integer> done = Promise.promise();
    context.runOnContext(v -> pass(0, done));
    return done.future();
  }

  private void pass(int total, Promise<Integer> done) {
    if (closed) {
      done.complete(total);
      return;
    }
    if (!embeds) {
      refreshIndex().onComplete(ar -> done.handle(ar.map(total)));
      return;
    }
    repo.stale(embedder.modelId(), config.batchSize()).compose(this::embedAndWrite).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else if (ar.result() < 0) {
        done.complete(total);
      } else {
        lastError = null;
        refreshIndex().onComplete(x -> pass(total + ar.result(), done));
      }
    });
  }

  /** Embeds the batch's changed texts and writes them; -1 when the batch is empty. */
  private Future<Integer> embedAndWrite(List<EmbeddingRepository.Stale> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture(-1);
    }
    String model = embedder.modelId();
    List<EmbeddingRepository.Write> writes = new ArrayList<>(batch.size());
    List<String> texts = new ArrayList<>();
    List<EmbeddingRepository.Stale> toEmbed = new ArrayList<>();
    List<byte[]> hashes = new ArrayList<>();
    for (EmbeddingRepository.Stale s : batch) {
      String text = ItemText.of(s.title(), s.description(), s.categories());
      if (text.isEmpty()) {
        text = s.id();
      }
      byte[] hash = ItemText.hash(text);
      if (model.equals(s.model()) && Arrays.equals(hash, s.textHash())) {
        writes.add(new EmbeddingRepository.Write(s.id(), hash, null, s.updatedAt()));
        unchanged.incrementAndGet();
      } else {
        texts.add(text);
        toEmbed.add(s);
        hashes.add(hash);
      }
    }
    Future<float[][]> vectors = texts.isEmpty() ? Future.succeededFuture(new float[0][])
        : worker.executeBlocking(() -> embedder.embed(texts), false);
    return vectors.compose(v -> {
      for (int k = 0; k < v.length; k++) {
        writes.add(new EmbeddingRepository.Write(toEmbed.get(k).id(), hashes.get(k), v[k], toEmbed.get(k).updatedAt()));
      }
      embedded.addAndGet(v.length);
      return repo.write(model, writes).map(v.length);
    });
  }

  /** Reads the rows written since the last refresh (less the overlap) into the index; on the context. */
  private Future<Void> refreshIndex() {
    return repo.forEachWrittenSince(embedder.modelId(), seenUpTo.minusSeconds(OVERLAP_SECONDS), st -> {
      index.put(st.itemId(), st.title(), st.categories(), st.vector());
      if (st.embeddedAt().isAfter(seenUpTo)) {
        seenUpTo = st.embeddedAt();
      }
    });
  }

  /** Runs {@code job} on the text worker (one thread, shared with embedding). */
  public <T> Future<T> onWorker(java.util.concurrent.Callable<T> job) {
    return worker.executeBlocking(job, false);
  }

  /**
   * The {@code n} items {@code visible} keeps most similar in text to the indexed item {@code id}
   * (not itself); null when it is not indexed.
   */
  public Future<List<EmbeddingIndex.Hit>> similar(String id, int n, java.util.function.Predicate<String> visible) {
    return searches.executeBlocking(() -> {
      float[] v = index.vector(id);
      return v == null ? null : index.nearest(v, n, other -> other.equals(id) || !visible.test(other));
    }, false);
  }

  /** The {@code n} items {@code visible} keeps most similar in text to the query (embedded on the fly). */
  public Future<List<EmbeddingIndex.Hit>> search(String query, int n, java.util.function.Predicate<String> visible) {
    return searches.executeBlocking(() -> index.nearest(embedder.embed(List.of(query))[0], n, visible.negate()),
        false);
  }

  /** An item was deleted: it leaves this node's index at once. */
  public void removed(String itemId) {
    index.remove(itemId);
  }

  /** {@code {"model", "dimension", "indexed", "embedded", "unchanged", "last_error"}}. */
  public JsonObject status() {
    return new JsonObject().put("model", embedder.modelId()).put("dimension", index.dimension())
        .put("indexed", index.size()).put("embedded", embedded.get()).put("unchanged", unchanged.get())
        .put("last_error", lastError);
  }

  /** Items in the catalogue and those with a current embedding. */
  public Future<long[]> counts() {
    return repo.counts(embedder.modelId());
  }

  @Override
  public void close() {
    closed = true;
    context.runOnContext(v -> {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    });
    worker.close();
    searches.close();
    embedder.close();
  }
}
