package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} parses as Prometheus text, and its series move as the node works. */
@TestDatabase
class MetricsTest {

  @TempDir
  Path dir;

  private static PrometheusText scrape(ApiFixture api) {
    var r = api.get("/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.getHeader("content-type").startsWith("text/plain"), r.getHeader("content-type"));
    return PrometheusText.parse(r.bodyAsString());
  }

  @Test
  void seriesParseAndMoveUnderLoad() throws Exception {
    try (ApiFixture api = ApiFixture.builder(dir).world("tiny", 3).start()) {
      PrometheusText before = scrape(api);
      for (String family : new String[] {"jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total", "vertx_pool_in_use",
          "causalrec_ingest_events_accepted_total", "causalrec_stream_lag_events", "causalrec_stream_lag_seconds",
          "causalrec_features_users", "causalrec_feed_sockets", "causalrec_cache_requests_total",
          "causalrec_training_progress", "causalrec_scoring_batch_size", "causalrec_ingest_requests_rejected_total"}) {
        assertTrue(before.types.containsKey(family), family + " is exposed: " + before.types.keySet());
      }
      assertTrue(before.has("vertx_pool_in_use", Map.of("pool_type", "sql")), "the database pool");

      // load: events (one batch refused), recommendations, one training run
      JsonArray events = new JsonArray();
      for (int k = 0; k < 50; k++) {
        events.add(TestEnv.click("m-" + k, "metrics-user", "i" + (k % 10)));
      }
      assertEquals(200, api.post("/v1/events", events).statusCode());
      assertEquals(400, api.post("/v1/events", new JsonArray().add(new io.vertx.core.json.JsonObject()))
          .statusCode());
      String version = api.server().training().trainAndWait("mult-vae", 1).await();
      api.waitServing(version);
      for (int k = 0; k < 5; k++) {
        assertEquals(200, api.get("/v1/users/u" + k + "/recommendations?n=5").statusCode());
      }
      TestEnv.waitFor(() -> scrape(api).sum("causalrec_stream_events_delivered_total")
          >= before.sum("causalrec_stream_events_delivered_total") + 50, Duration.ofSeconds(10), "delivery");

      PrometheusText after = scrape(api);
      assertEquals(before.sum("causalrec_ingest_events_accepted_total") + 50,
          after.sum("causalrec_ingest_events_accepted_total"));
      assertEquals(before.sum("causalrec_ingest_requests_rejected_total") + 1,
          after.sum("causalrec_ingest_requests_rejected_total"));
      Map<String, String> eventsRoute = Map.of("route", "/v1/events", "method", "POST");
      assertTrue(after.sum("vertx_http_server_requests_total", eventsRoute) >= 2,
          "requests per route: " + after.samples.stream()
          .filter(x -> x.name().equals("vertx_http_server_requests_total")).toList());
      assertTrue(after.sum("vertx_http_server_response_time_seconds_bucket",
          Map.of("route", "/v1/events", "le", "+Inf")) >= 2, "a latency histogram per route");
      assertTrue(after.sum("causalrec_stream_delivery_seconds_count") > before.sum(
          "causalrec_stream_delivery_seconds_count"), "the stream's delivery lag is recorded");
      assertEquals(1, after.sum("causalrec_training_duration_seconds_count",
          Map.of("kind", "mult-vae", "status", "ready")), after.samples.stream()
          .filter(x -> x.name().startsWith("causalrec_training")).toList().toString());
      // the serving versions are read once a second
      TestEnv.waitFor(() -> scrape(api).sum("causalrec_model_serving", Map.of("kind", "mult-vae", "version", version))
          == 1, Duration.ofSeconds(5), "the serving version in the metrics");
      assertTrue(after.sum("causalrec_scoring_batch_size_count", Map.of("model", "mult-vae")) >= 1,
          "scoring passes are recorded");
      assertTrue(after.sum("causalrec_cache_requests_total") >= before.sum("causalrec_cache_requests_total") + 5);
      assertTrue(after.sum("causalrec_features_users") > 0);
      assertEquals(0, after.sum("causalrec_training_progress"), "no run in progress");

      // every series the Grafana dashboard beside the compose file queries is one the node exposes
      String dashboard = java.nio.file.Files.readString(Path.of("docker/grafana/dashboards/causalrec.json"));
      java.util.regex.Matcher names = java.util.regex.Pattern.compile("\\b(?:causalrec|vertx|jvm)_[a-z0-9_]+")
          .matcher(new io.vertx.core.json.JsonObject(dashboard).getJsonArray("panels").encode());
      int queried = 0;
      PrometheusText last = scrape(api);
      while (names.find()) {
        String name = names.group();
        assertTrue(last.samples.stream().anyMatch(x -> x.name().equals(name)), "the dashboard queries " + name);
        queried++;
      }
      assertTrue(queried >= 30, "series the dashboard queries: " + queried);
    }
  }
}
