package org.causalrec.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;

/** All SQL on the jobs table. */
public final class JobRepository {

  private static final String COLUMNS = "id, type, status, params, progress, result, error, created_at, finished_at";

  private final Pool pool;
  private final String node;

  /** The jobs of {@code node} (null: jobs of no node in particular, one process alone). */
  public JobRepository(Pool pool, String node) {
    this.node = node;
    this.pool = pool;
  }

  /** Registers a running job. */
  public Future<Void> start(String id, String type, JsonObject params) {
    return pool.preparedQuery("INSERT INTO jobs (id, type, status, params, node) VALUES ($1, $2, 'running', $3, $4)")
        .execute(Tuple.of(id, type, params, node)).mapEmpty();
  }

  /** Records how far a running job got. */
  public Future<Void> progress(String id, JsonObject progress) {
    return pool.preparedQuery("UPDATE jobs SET progress = $2 WHERE id = $1 AND status = 'running'")
        .execute(Tuple.of(id, progress)).mapEmpty();
  }

  /** Ends a job: {@code status} succeeded (with its result), failed or interrupted (with the reason). */
  public Future<Void> finish(String id, String status, JsonObject result, String error) {
    return pool.preparedQuery("UPDATE jobs SET status = $2, result = $3, error = $4, finished_at = now()"
            + " WHERE id = $1")
        .execute(Tuple.of(id, status, result, error)).mapEmpty();
  }

  /** This node's jobs still 'running' (it stopped) become 'interrupted'; how many. */
  public Future<Integer> interruptRunning() {
    return pool.preparedQuery("UPDATE jobs SET status = 'interrupted', error = 'interrupted by a restart',"
        + " finished_at = now() WHERE status = 'running' AND (node = $1 OR node IS NULL)")
        .execute(Tuple.of(node)).map(rs -> rs.rowCount());
  }

  /** Says this node's running jobs are alive. */
  public Future<Void> heartbeat() {
    return pool.preparedQuery("UPDATE jobs SET heartbeat_at = now() WHERE status = 'running'"
        + " AND node IS NOT DISTINCT FROM $1").execute(Tuple.of(node)).mapEmpty();
  }

  /**
   * Running jobs whose node has been silent for {@code seconds} (it died and did not come back)
   * become 'interrupted'; how many.
   */
  public Future<Integer> interruptSilent(int seconds) {
    return pool.preparedQuery("UPDATE jobs SET status = 'interrupted', error = 'its node stopped answering',"
        + " finished_at = now() WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1)")
        .execute(Tuple.of(seconds)).map(rs -> rs.rowCount());
  }

  /** One job's wire form, or null. */
  public Future<JsonObject> get(String id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM jobs WHERE id = $1").execute(Tuple.of(id))
        .map(rs -> rs.size() == 0 ? null : toJson(rs.iterator().next()));
  }

  /** The newest {@code limit} jobs, newest first, without their results. */
  public Future<JsonArray> recent(int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM jobs ORDER BY created_at DESC, id LIMIT $1")
        .execute(Tuple.of(limit)).map(rs -> {
          JsonArray out = new JsonArray();
          rs.forEach(r -> {
            JsonObject o = toJson(r);
            o.remove("result");
            out.add(o);
          });
          return out;
        });
  }

  private static JsonObject toJson(Row r) {
    return new JsonObject().put("id", r.getString(0)).put("type", r.getString(1)).put("status", r.getString(2))
        .put("params", r.getValue(3)).put("progress", r.getValue(4)).put("result", r.getValue(5))
        .put("error", r.getString(6)).put("created_at", time(r.getOffsetDateTime(7)))
        .put("finished_at", time(r.getOffsetDateTime(8)));
  }

  private static String time(OffsetDateTime t) {
    return t == null ? null : t.toString();
  }
}
