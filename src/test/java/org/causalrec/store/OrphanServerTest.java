package org.causalrec.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with SIGKILL leaves its embedded PostgreSQL running on the data directory (a
 * separate process); the next node on that directory stops it and starts, with every committed
 * row there. The killed node is a real second JVM.
 */
class OrphanServerTest {

  @TempDir
  Path dir;

  /** The node that gets killed: opens the store, commits a row, says so, then waits. */
  public static void main(String[] args) throws Exception {
    Database db = Database.embedded(Path.of(args[0]), false);
    db.migrate();
    Vertx vertx = Vertx.vertx();
    Pool pool = db.pool(vertx, 1);
    pool.query("INSERT INTO items (id, title) VALUES ('committed', 'before the kill')").execute().await();
    System.out.println("committed");
    System.out.flush();
    Thread.sleep(600_000);
  }

  @Test
  void aServerLeftRunningByAKilledNodeIsStoppedAndTheNextStartKeepsItsData() throws Exception {
    Path pg = dir.resolve("pg");
    Process node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), OrphanServerTest.class.getName(), pg.toString())
        .redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream()))) {
      String line;
      while ((line = out.readLine()) != null && !line.equals("committed")) {
        // its log
      }
      assertEquals("committed", line, "the node committed its row");
      node.destroyForcibly(); // SIGKILL
      assertTrue(node.waitFor(30, TimeUnit.SECONDS));
    }
    long pid = Long.parseLong(Files.readAllLines(pg.resolve("postmaster.pid")).get(0).strip());
    assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "its PostgreSQL outlived it");

    Vertx vertx = Vertx.vertx();
    try (Database next = Database.embedded(pg, false)) {
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the old server was stopped");
      assertEquals(0, next.migrate());
      Pool again = next.pool(vertx, 1);
      assertEquals("before the kill", again.query("SELECT title FROM items WHERE id = 'committed'").execute().await()
          .iterator().next().getString(0));
      again.close().await();
    } finally {
      vertx.close().await();
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }
}
