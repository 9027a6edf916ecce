package org.causalrec.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.store.JobRepository;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs of a node that died and never came back: its heartbeat stops, and a node still up marks
 * them interrupted; a live node's jobs, its own included, keep running.
 */
@TestDatabase
class JobsLivenessTest {

  @TempDir
  Path dir;

  @Test
  void aSilentNodesJobsAreInterruptedByANodeStillUp() {
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir))) {
      JobRepository gone = new JobRepository(store.pool(), "gone");
      JobRepository alive = new JobRepository(store.pool(), "alive");
      JobRepository here = new JobRepository(store.pool(), "here");
      gone.start("train-gone", "train", new JsonObject()).await();
      alive.start("train-alive", "train", new JsonObject()).await();
      here.start("train-here", "train", new JsonObject()).await();
      // every heartbeat is old: "gone" died long ago, "alive" and this node are about to beat
      store.pool().preparedQuery("UPDATE jobs SET heartbeat_at = now() - make_interval(secs => $1)")
          .execute(Tuple.of(Jobs.SILENT_AFTER_S + 30)).await();
      alive.heartbeat().await();

      Jobs jobs = new Jobs(store.vertx(), here);
      assertEquals(1, jobs.sweep().await(), "only the silent node's job");
      JsonObject g = jobs.get("train-gone").await();
      assertEquals("interrupted", g.getString("status"));
      assertEquals("its node stopped answering", g.getString("error"));
      assertEquals("running", jobs.get("train-alive").await().getString("status"));
      assertEquals("running", jobs.get("train-here").await().getString("status"), "a sweep beats first");
      assertEquals(0, jobs.sweep().await());
    }
  }
}
