package org.causalrec.store;

import org.causalrec.core.FloatBytes;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** All SQL on item_embeddings (sql/V3). Vectors are stored as little-endian float32 bytes. */
public final class EmbeddingRepository {

  /**
   * An item whose embedding is missing, made by another model, or older than the item.
   *
   * @param id item id
   * @param title title
   * @param description description
   * @param categories categories
   * @param updatedAt the item's updated_at as read
   * @param textHash the stored embedding's text hash, or null
   * @param model the stored embedding's model, or null
   */
  public record Stale(String id, String title, String description, List<String> categories,
      OffsetDateTime updatedAt, byte[] textHash, String model) {}

  /**
   * A stored embedding.
   *
   * @param itemId item id
   * @param title the item's title
   * @param categories the item's categories
   * @param vector the vector
   * @param embeddedAt when it was written
   */
  public record Stored(String itemId, String title, List<String> categories, float[] vector,
      OffsetDateTime embeddedAt) {}

  /**
   * An embedding to write.
   *
   * @param itemId item id
   * @param textHash SHA-256 of the embedded text
   * @param vector the vector, or null to only record that the item was looked at (text unchanged)
   * @param itemUpdatedAt the item's updated_at as read before embedding
   */
  public record Write(String itemId, byte[] textHash, float[] vector, OffsetDateTime itemUpdatedAt) {}

  private static final String STALE = """
      SELECT i.id, i.title, i.description, i.categories, i.updated_at, e.text_hash, e.model
      FROM items i LEFT JOIN item_embeddings e ON e.item_id = i.id
      WHERE e.item_id IS NULL OR e.model <> $1 OR i.updated_at > e.item_updated_at
      ORDER BY i.id LIMIT $2""";

  // an item deleted meanwhile is skipped (the join), so no foreign-key error fails the batch
  private static final String UPSERT = """
      INSERT INTO item_embeddings (item_id, model, text_hash, dim, vector, item_updated_at)
      SELECT $1::text, $2::text, $3::bytea, $4::integer, $5::bytea, $6::timestamptz
      WHERE EXISTS (SELECT 1 FROM items WHERE id = $1::text)
      ON CONFLICT (item_id) DO UPDATE SET model = EXCLUDED.model, text_hash = EXCLUDED.text_hash,
        dim = EXCLUDED.dim, vector = EXCLUDED.vector, item_updated_at = EXCLUDED.item_updated_at,
        embedded_at = clock_timestamp()""";

  private static final String TOUCH = """
      UPDATE item_embeddings SET item_updated_at = $2 WHERE item_id = $1 AND item_updated_at < $2""";

  private final Pool pool;

  public EmbeddingRepository(Pool pool) {
    this.pool = pool;
  }

  /** Up to {@code limit} items (in id order) whose embedding by {@code model} is missing or older than the item. */
  public Future<List<Stale>> stale(String model, int limit) {
    return pool.preparedQuery(STALE).execute(Tuple.of(model, limit)).map(rs -> {
      List<Stale> out = new ArrayList<>(rs.size());
      for (Row r : rs) {
        Buffer hash = r.getBuffer(5);
        out.add(new Stale(r.getString(0), r.getString(1), r.getString(2), Arrays.asList(r.getArrayOfStrings(3)),
            r.getOffsetDateTime(4), hash == null ? null : hash.getBytes(), r.getString(6)));
      }
      return out;
    });
  }

  /** Writes the embeddings (and the looked-at marks of unchanged texts) in one transaction. */
  public Future<Void> write(String model, List<Write> writes) {
    List<Tuple> upserts = new ArrayList<>();
    List<Tuple> touches = new ArrayList<>();
    List<Write> sorted = new ArrayList<>(writes);
    // row locks in id order: concurrent writers cannot deadlock
    sorted.sort(Comparator.comparing(Write::itemId));
    for (Write w : sorted) {
      if (w.vector() == null) {
        touches.add(Tuple.of(w.itemId(), w.itemUpdatedAt()));
      } else {
        upserts.add(Tuple.of(w.itemId(), model, Buffer.buffer(w.textHash()), w.vector().length,
            Buffer.buffer(FloatBytes.of(w.vector())), w.itemUpdatedAt()));
      }
    }
    return pool.withTransaction(c -> {
      Future<?> f = upserts.isEmpty() ? Future.succeededFuture() : c.preparedQuery(UPSERT).executeBatch(upserts);
      return f.compose(x -> touches.isEmpty() ? Future.succeededFuture() : c.preparedQuery(TOUCH).executeBatch(touches));
    }).mapEmpty();
  }

  /**
   * Up to {@code limit} embeddings by {@code model} written at or after {@code since}, oldest
   * first; {@code afterId} breaks ties of one timestamp (keyset paging).
   */
  public Future<List<Stored>> writtenSince(String model, OffsetDateTime since, String afterId, int limit) {
    return pool.preparedQuery("""
            SELECT e.item_id, i.title, i.categories, e.vector, e.embedded_at FROM item_embeddings e JOIN items i ON i.id = e.item_id
            WHERE e.model = $1 AND (e.embedded_at, e.item_id) > ($2::timestamptz, $3::text)
            ORDER BY e.embedded_at, e.item_id LIMIT $4""")
        .execute(Tuple.of(model, since, afterId, limit))
        .map(rs -> {
          List<Stored> out = new ArrayList<>(rs.size());
          for (Row r : rs) {
            out.add(new Stored(r.getString(0), r.getString(1), Arrays.asList(r.getArrayOfStrings(2)),
                FloatBytes.floats(r.getBuffer(3).getBytes()), r.getOffsetDateTime(4)));
          }
          return out;
        });
  }

  /** Rows per page of {@link #forEachWrittenSince}. */
  static final int PAGE = 2_000;

  /**
   * Hands every embedding by {@code model} written at or after {@code since} to {@code action},
   * oldest first, a page at a time (keyset paging on the write time and the item id).
   */
  public Future<Void> forEachWrittenSince(String model, OffsetDateTime since, java.util.function.Consumer<Stored> action) {
    return pageFrom(model, since, "", action);
  }

  private Future<Void> pageFrom(String model, OffsetDateTime since, String afterId,
      java.util.function.Consumer<Stored> action) {
    return writtenSince(model, since, afterId, PAGE).compose(rows -> {
      rows.forEach(action);
      if (rows.size() < PAGE) {
        return Future.succeededFuture();
      }
      Stored last = rows.get(rows.size() - 1);
      return pageFrom(model, last.embeddedAt(), last.itemId(), action);
    });
  }

  /**
   * Every stored embedding by {@code model}, keyed by item id. Blocking: for worker or plain
   * threads (join(), since Vert.x refuses await() on workers).
   */
  public java.util.Map<String, float[]> allBlocking(String model) {
    java.util.Map<String, float[]> out = new java.util.concurrent.ConcurrentHashMap<>();
    forEachWrittenSince(model, OffsetDateTime.parse("1970-01-01T00:00:00Z"), st -> out.put(st.itemId(), st.vector()))
        .toCompletionStage().toCompletableFuture().join();
    return out;
  }

  /** Counts of items and of their current embeddings by {@code model}. */
  public Future<long[]> counts(String model) {
    return pool.preparedQuery("""
            SELECT (SELECT count(*) FROM items),
                   (SELECT count(*) FROM item_embeddings e JOIN items i ON i.id = e.item_id
                    WHERE e.model = $1 AND e.item_updated_at >= i.updated_at)""")
        .execute(Tuple.of(model))
        .map(rs -> {
          Row r = rs.iterator().next();
          return new long[] {r.getLong(0), r.getLong(1)};
        });
  }
}
