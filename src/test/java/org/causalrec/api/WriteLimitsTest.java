package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.sim.SimulationRun;
import org.causalrec.sim.Sinks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write path's bounds over real HTTP: a full write queue (and a client that waits out its
 * {@code Retry-After}), and a body that never arrives.
 */
@TestDatabase
class WriteLimitsTest {

  private static final int BATCH = 1_000;

  @TempDir
  static Path dir;

  static ApiFixture api;

  @BeforeAll
  static void start() {
    api = ApiFixture.builder(dir).config(c -> c.setMaxEventsPerRequest(BATCH).setMaxPendingEvents(BATCH)
        .setBodyTimeoutMs(400)).start();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  private static JsonArray batch(String prefix) {
    JsonArray events = new JsonArray();
    for (int k = 0; k < BATCH; k++) {
      events.add(TestEnv.click(prefix + "-" + k, "ov-" + (k % 50), "i" + (k % 300)));
    }
    return events;
  }

  private static Future<HttpResponse<Buffer>> send(JsonArray events) {
    return api.request(io.vertx.core.http.HttpMethod.POST, "/v1/events")
        .putHeader("content-type", "application/json").sendBuffer(events.toBuffer());
  }

  private static Set<String> storedIds() {
    Set<String> ids = new HashSet<>();
    api.store().pool().query("SELECT event_id FROM events WHERE user_id LIKE 'ov-%' AND event_id LIKE 'r%'").execute()
        .await()
        .forEach(r -> ids.add(r.getString(0)));
    return ids;
  }

  @Test
  void aFullWriteQueueRefusesWith503AndRetryAfterAndStoresNothingOfTheRefusedBatch() {
    // a queue of one batch: concurrent batches find it taken and are refused until it commits
    List<String> refused = new ArrayList<>();
    Set<String> acknowledged = new HashSet<>();
    for (int round = 0; round < 20 && refused.isEmpty(); round++) {
      List<String> names = new ArrayList<>();
      List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
      for (int c = 0; c < 6; c++) {
        String name = "r" + round + "c" + c;
        names.add(name);
        sent.add(send(batch(name)));
      }
      Future.join(sent).await();
      for (int c = 0; c < sent.size(); c++) {
        HttpResponse<Buffer> r = sent.get(c).result();
        if (r.statusCode() == 200) {
          assertEquals(BATCH, r.bodyAsJsonObject().getInteger("accepted"));
          acknowledged.add(names.get(c));
        } else {
          assertEquals(503, r.statusCode(), r.bodyAsString());
          JsonObject body = r.bodyAsJsonObject();
          assertEquals("overloaded", body.getString("error"));
          assertTrue(body.containsKey("field"), body.encode());
          assertEquals("1", r.getHeader("Retry-After"));
          refused.add(names.get(c));
        }
      }
    }
    assertTrue(!refused.isEmpty(), "no request found the one-batch queue full in 20 rounds of 6");
    assertTrue(!acknowledged.isEmpty());

    Set<String> stored = storedIds();
    for (String name : acknowledged) {
      for (int k = 0; k < BATCH; k++) {
        assertTrue(stored.contains(name + "-" + k), "acknowledged event " + name + "-" + k + " is missing");
      }
    }
    for (String name : refused) {
      for (int k = 0; k < BATCH; k++) {
        assertTrue(!stored.contains(name + "-" + k), "refused event " + name + "-" + k + " was stored");
      }
    }
    JsonObject ingest = api.get("/health/ready").bodyAsJsonObject().getJsonObject("ingest");
    assertTrue(ingest.getLong("overloaded_requests") >= refused.size(), ingest.encode());
    assertEquals(0L, ingest.getLong("pending_events"), ingest.encode());

    // once the queue drains, the refused batches go through as they are
    for (String name : refused) {
      HttpResponse<Buffer> again = send(batch(name)).await();
      assertEquals(200, again.statusCode(), again.bodyAsString());
      assertEquals(BATCH, again.bodyAsJsonObject().getInteger("accepted"));
    }
    assertEquals(BATCH * (acknowledged.size() + refused.size()), storedIds().size());
  }

  @Test
  void theSimulatorsHttpClientWaitsOutRetryAfterAndGetsEveryBatchIn() {
    SimulationRun.Sink sink = Sinks.http(api.server().vertx(), "http://127.0.0.1:" + api.port(), null);
    long refusedBefore = api.get("/health/ready").bodyAsJsonObject().getJsonObject("ingest")
        .getLong("overloaded_requests");
    long refused = 0;
    for (int round = 0; round < 20 && refused == 0; round++) {
      List<Future<JsonObject>> sent = new ArrayList<>();
      for (int c = 0; c < 6; c++) {
        sent.add(sink.events(batch("sim" + round + "c" + c)));
      }
      Future.all(sent).await();
      for (Future<JsonObject> f : sent) {
        assertEquals(BATCH, f.result().getInteger("accepted"));
      }
      refused = api.get("/health/ready").bodyAsJsonObject().getJsonObject("ingest")
          .getLong("overloaded_requests") - refusedBefore;
    }
    assertTrue(refused > 0, "no batch was refused in 20 rounds of 6, so no retry was tried");
  }

  @Test
  void aBodyThatStopsArrivingIsAnswered408AndItsConnectionClosed() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", api.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Content-Length: 5000\r\n\r\n[{\"event_id\": \"slow-1\", \"user_id\": \"slow-y\"")
          .getBytes(StandardCharsets.UTF_8));
      out.flush();
      long t0 = System.nanoTime();
      String response = readToEnd(socket.getInputStream()); // ends: the server closed the connection
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(response.startsWith("HTTP/1.1 408"), response);
      assertTrue(response.contains("\"error\":\"request_timeout\""), response);
      assertTrue(ms >= 300, "answered after " + ms + " ms, before the 400 ms timeout");
    }
    assertEquals(0L, api.store().pool().query("SELECT count(*) FROM events WHERE event_id = 'slow-1'").execute()
        .await().iterator().next().getLong(0));
    // the server goes on serving other clients
    assertEquals(200, api.post("/v1/events", new JsonArray().add(TestEnv.click("after-slow", "slow-x", "i1")))
        .statusCode());
  }

  private static String readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] b = new byte[4096];
    int n;
    while ((n = in.read(b)) >= 0) {
      buf.write(b, 0, n);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
