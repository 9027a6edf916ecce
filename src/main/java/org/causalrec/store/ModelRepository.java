package org.causalrec.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** All SQL on the model registry. */
public final class ModelRepository {

  /**
   * One registered model version.
   *
   * @param version unique version name, e.g. mult-vae-3
   * @param kind model kind
   * @param status training, ready or failed
   * @param params hyperparameters
   * @param metrics evaluation metrics
   * @param maxEventId the data snapshot: last event id trained on
   * @param artifact folder of the saved model, or null
   * @param device device it was trained on
   * @param error why it failed, or null
   * @param createdAt when training started
   * @param finishedAt when it finished, or null
   */
  public record ModelRow(String version, String kind, String status, JsonObject params, JsonObject metrics,
      Long maxEventId, String artifact, String device, String error, OffsetDateTime createdAt,
      OffsetDateTime finishedAt) {

    /** This row with its artifact at {@code dir} (where this node keeps its copy). */
    public ModelRow withArtifact(String dir) {
      return new ModelRow(version, kind, status, params, metrics, maxEventId, dir, device, error, createdAt,
          finishedAt);
    }

    /** The wire form of {@code GET /v1/models}. */
    public JsonObject toJson() {
      return new JsonObject().put("version", version).put("kind", kind).put("status", status)
          .put("params", params).put("metrics", metrics).put("max_event_id", maxEventId).put("device", device)
          .put("error", error).put("created_at", createdAt == null ? null : createdAt.toString())
          .put("finished_at", finishedAt == null ? null : finishedAt.toString());
    }
  }

  private static final String COLUMNS =
      "version, kind, status, params, metrics, max_event_id, artifact, device, error, created_at, finished_at";

  private final Pool pool;

  public ModelRepository(Pool pool) {
    this.pool = pool;
  }

  /** Registers a new version in status 'training' run by no node in particular; see the four-argument form. */
  public Future<String> startTraining(String kind, JsonObject params, String device) {
    return startTraining(kind, params, device, null);
  }

  /**
   * Registers a new version in status 'training', run by {@code node}, and returns its name,
   * {@code KIND-N} (two nodes never register the same kind at once: each holds the kind's
   * training lock first).
   */
  public Future<String> startTraining(String kind, JsonObject params, String device, String node) {
    return pool.preparedQuery("""
            INSERT INTO models (kind, version, status, params, device, node)
            VALUES ($1, $1 || '-' || (SELECT count(*) + 1 FROM models WHERE kind = $1), 'training', $2, $3, $4)
            RETURNING version""")
        .execute(Tuple.of(kind, params, device, node))
        .map(rs -> rs.iterator().next().getString(0));
  }

  /** Marks a version ready with its metrics, data snapshot and artifact folder. */
  public Future<Void> markReady(String version, JsonObject params, JsonObject metrics, long maxEventId,
      String artifact) {
    return pool.preparedQuery("UPDATE models SET status = 'ready', params = $2, metrics = $3, max_event_id = $4,"
            + " artifact = $5, finished_at = now() WHERE version = $1")
        .execute(Tuple.of(version, params, metrics, maxEventId, artifact)).mapEmpty();
  }

  /** Marks a version failed with the reason. */
  public Future<Void> markFailed(String version, String error) {
    return pool.preparedQuery("UPDATE models SET status = 'failed', error = $2, finished_at = now() WHERE version = $1")
        .execute(Tuple.of(version, error)).mapEmpty();
  }

  /**
   * Versions still marked 'training' (left by a crash) become 'failed'; returns their names (their
   * runs may have left half-written artifact folders).
   */
  public Future<List<String>> failInterrupted(String node) {
    return pool.preparedQuery("UPDATE models SET status = 'failed', error = 'interrupted by a restart',"
        + " finished_at = now() WHERE status = 'training' AND (node = $1 OR node IS NULL) RETURNING version")
        .execute(Tuple.of(node)).map(ModelRepository::versions);
  }

  /**
   * Versions of {@code kind} still marked 'training' become 'failed' (call holding the kind's
   * training lock: then no node is training them, their trainer stopped); returns their names.
   */
  public Future<List<String>> failOrphans(String kind) {
    return pool.preparedQuery("UPDATE models SET status = 'failed', error = 'its trainer stopped',"
        + " finished_at = now() WHERE kind = $1 AND status = 'training' RETURNING version")
        .execute(Tuple.of(kind)).map(ModelRepository::versions);
  }

  /** The first column of every row: the versions a statement returned. */
  private static List<String> versions(io.vertx.sqlclient.RowSet<Row> rs) {
    List<String> out = new ArrayList<>();
    rs.forEach(r -> out.add(r.getString(0)));
    return out;
  }

  /**
   * A ready version whose artifact cannot be read (corrupt, truncated, gone) becomes 'failed' with
   * the reason, so that no node tries it again; completes with whether it was ready.
   */
  public Future<Boolean> markUnreadable(String version, String error) {
    return pool.preparedQuery("UPDATE models SET status = 'failed', error = $2 WHERE version = $1 AND status = 'ready'")
        .execute(Tuple.of(version, "artifact unreadable: " + error)).map(rs -> rs.rowCount() > 0);
  }

  /** All versions, newest first. */
  public Future<List<ModelRow>> list() {
    return pool.query("SELECT " + COLUMNS + " FROM models ORDER BY id DESC").execute().map(rs -> {
      List<ModelRow> out = new ArrayList<>();
      rs.forEach(r -> out.add(toRow(r)));
      return out;
    });
  }

  /** Ready versions of a kind, newest first. */
  public Future<List<ModelRow>> ready(String kind) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM models WHERE kind = $1 AND status = 'ready' ORDER BY id DESC")
        .execute(Tuple.of(kind)).map(rs -> {
          List<ModelRow> out = new ArrayList<>();
          rs.forEach(r -> out.add(toRow(r)));
          return out;
        });
  }

  /** Pins {@code kind} to {@code version}: it serves on every node and after restarts until unpinned. */
  public Future<Void> pin(String kind, String version) {
    return pool.preparedQuery("INSERT INTO model_pins (kind, version) VALUES ($1, $2)"
            + " ON CONFLICT (kind) DO UPDATE SET version = EXCLUDED.version, pinned_at = now()")
        .execute(Tuple.of(kind, version)).mapEmpty();
  }

  /** Removes the pin of {@code kind}; completes with whether there was one. */
  public Future<Boolean> unpin(String kind) {
    return pool.preparedQuery("DELETE FROM model_pins WHERE kind = $1").execute(Tuple.of(kind))
        .map(rs -> rs.rowCount() > 0);
  }

  /** The version {@code kind} is pinned to, or null. */
  public Future<String> pinned(String kind) {
    return pool.preparedQuery("SELECT version FROM model_pins WHERE kind = $1").execute(Tuple.of(kind))
        .map(rs -> rs.size() == 0 ? null : rs.iterator().next().getString(0));
  }

  private static ModelRow toRow(Row r) {
    return new ModelRow(r.getString(0), r.getString(1), r.getString(2), json(r.getValue(3)), json(r.getValue(4)),
        r.getLong(5), r.getString(6), r.getString(7), r.getString(8), r.getOffsetDateTime(9), r.getOffsetDateTime(10));
  }

  private static JsonObject json(Object v) {
    return v instanceof JsonObject o ? o : v == null ? new JsonObject() : new JsonObject(v.toString());
  }
}
