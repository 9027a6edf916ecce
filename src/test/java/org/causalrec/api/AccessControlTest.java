package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.config.AuthConfig;
import org.causalrec.config.AuthConfig.Role;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With keys configured, every route refuses what each role may not do, walked over the route table. */
@TestDatabase
class AccessControlTest {

  @TempDir
  static Path dir;

  static ApiFixture api;

  @BeforeAll
  static void start() {
    api = ApiFixture.builder(dir).config(c -> c.setAuth(AuthConfig.of(List.of("r-key"), List.of("w-key"),
        List.of("sha256:" + AuthConfig.digest("a-key")))).setCorsOrigins(List.of("https://shop.example")))
        .start();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  private static HttpResponse<Buffer> send(String method, String path, String key) {
    var req = api.request(HttpMethod.valueOf(method), path);
    if (key != null) {
      req.putHeader("X-API-Key", key);
    }
    // a body that is not JSON: a request that passes the keys is refused by its route, and changes nothing
    return method.equals("POST") || method.equals("PUT")
        ? req.putHeader("content-type", "application/json").sendBuffer(Buffer.buffer("[")).await()
        : req.send().await();
  }

  @Test
  void everyRouteRefusesEachRoleWhatItMayNotDo() {
    List<String> table = api.server().routeTable();
    assertTrue(table.size() >= 20, "the route table: " + table);
    int walked = 0;
    for (String route : table) {
      String method = route.substring(0, route.indexOf(' '));
      String pattern = route.substring(route.indexOf(' ') + 1);
      String path = pattern.replace(":kind", "no-such-kind").replace(":version", "no-such-version")
          .replaceAll(":[a-z_]+", "x");
      Role needed = AccessControl.required(HttpMethod.valueOf(method), path);
      if (java.util.Set.of("/health/live", "/openapi.yaml", "/docs").contains(pattern)) {
        assertEquals(null, needed, route + " is open");
        assertEquals(200, send(method, path, null).statusCode());
        continue;
      }
      assertTrue(needed != null, route + " needs a role");
      var none = send(method, path, null);
      assertEquals(401, none.statusCode(), route + " without a key");
      assertEquals("X-API-Key", none.bodyAsJsonObject().getString("field"), route);
      assertEquals(401, send(method, path, "guess").statusCode(), route + " with a wrong key");
      String[] keys = {"r-key", "w-key", "a-key"};
      for (Role role : Role.values()) {
        int status = send(method, path, keys[role.ordinal()]).statusCode();
        if (role.compareTo(needed) < 0) {
          assertEquals(403, status, route + " with a " + role + " key");
        } else {
          assertTrue(status != 401 && status != 403, route + " with a " + role + " key: " + status);
        }
      }
      walked++;
    }
    assertTrue(walked >= 20, "walked " + walked);
  }

  @Test
  void rolesNestAndBearerTokensWork() {
    JsonArray events = new JsonArray().add(TestEnv.click(null, "u1", "i1"));
    var asReader = api.request(HttpMethod.POST, "/v1/events").putHeader("X-API-Key", "r-key").sendJson(events).await();
    assertEquals(403, asReader.statusCode());
    assertTrue(asReader.bodyAsJsonObject().getString("detail").contains("needs write"), asReader.bodyAsString());
    var asWriter = api.request(HttpMethod.POST, "/v1/events").putHeader("Authorization", "Bearer w-key")
        .sendJson(events).await();
    assertEquals(200, asWriter.statusCode());
    assertEquals(200, api.request(HttpMethod.GET, "/v1/users/u1/events").putHeader("Authorization", "Bearer r-key")
        .send().await().statusCode());
    var train = api.request(HttpMethod.POST, "/v1/models/mult-vae/train").putHeader("X-API-Key", "w-key")
        .sendJsonObject(new io.vertx.core.json.JsonObject()).await();
    assertEquals(403, train.statusCode(), "training needs admin");
    assertEquals(401, api.get("/metrics").statusCode());
    assertEquals(200, api.request(HttpMethod.GET, "/metrics").putHeader("X-API-Key", "r-key").send().await()
        .statusCode());
    assertEquals(200, api.get("/").statusCode(), "the dashboard's page holds no data");
  }

  @Test
  void feedsTakeTheKeyAsAnAccessToken() {
    var client = api.server().vertx().createWebSocketClient();
    var refused = client.connect(new WebSocketConnectOptions().setPort(api.port()).setHost("127.0.0.1")
        .setURI("/v1/feed?user=u1")).transform(ar -> io.vertx.core.Future.succeededFuture(ar)).await();
    assertTrue(refused.failed(), "no key, no socket");
    var ws = client.connect(new WebSocketConnectOptions().setPort(api.port()).setHost("127.0.0.1")
        .setURI("/v1/feed?user=u1&access_token=r-key")).await();
    ws.close().await();
    var header = client.connect(new WebSocketConnectOptions().setPort(api.port()).setHost("127.0.0.1")
        .setURI("/v1/feed/models").addHeader("X-API-Key", "a-key")).await();
    header.close().await();
    client.close().await();
  }

  @Test
  void corsAnswersTheAllowedOriginOnly() {
    var preflight = api.request(HttpMethod.OPTIONS, "/v1/events").putHeader("Origin", "https://shop.example")
        .putHeader("Access-Control-Request-Method", "POST")
        .putHeader("Access-Control-Request-Headers", "content-type,x-api-key").send().await();
    assertEquals(204, preflight.statusCode(), preflight.bodyAsString());
    assertEquals("https://shop.example", preflight.getHeader("Access-Control-Allow-Origin"));
    var other = api.request(HttpMethod.GET, "/health/live").putHeader("Origin", "https://evil.example").send().await();
    assertNotEquals("https://evil.example", other.getHeader("Access-Control-Allow-Origin"));
    assertEquals(403, other.statusCode(), "a browser on another origin is refused");
  }

  @Test
  void theAccessLogCarriesTheRequestId() {
    ch.qos.logback.classic.Logger access = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
        .getLogger("org.causalrec.access");
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
        new ch.qos.logback.core.read.ListAppender<>();
    lines.start();
    access.addAppender(lines);
    try {
      api.request(HttpMethod.GET, "/v1/feed?user=u1&access_token=r-key").putHeader("X-Request-Id", "trace-42")
          .send().await();
      // other tests' requests may end meanwhile: this request's line is the one with its path
      TestEnv.waitFor(() -> lines.list.stream().anyMatch(l -> l.getFormattedMessage().contains("user=u1&access")),
          "the access log line");
      var line = lines.list.stream().filter(l -> l.getFormattedMessage().contains("user=u1&access")).findFirst()
          .orElseThrow();
      assertEquals("trace-42", line.getMDCPropertyMap().get("request_id"), line.getFormattedMessage());
      assertTrue(line.getFormattedMessage().startsWith("GET /v1/feed?user=u1&access_token=*** 401 "),
          "the key in the URL is masked: " + line.getFormattedMessage());
    } finally {
      access.detachAppender(lines);
    }
  }

  @Test
  void everyResponseCarriesARequestId() {
    var fresh = api.get("/health/live");
    assertTrue(fresh.getHeader("X-Request-Id").matches("[0-9a-f-]{36}"), fresh.getHeader("X-Request-Id"));
    var given = api.request(HttpMethod.GET, "/v1/items").putHeader("X-Request-Id", "abc-123").send().await();
    assertEquals(401, given.statusCode());
    assertEquals("abc-123", given.getHeader("X-Request-Id"), "the caller's id comes back, refusals included");
    var hostile = api.request(HttpMethod.GET, "/health/live").putHeader("X-Request-Id", "a b\"c").send().await();
    assertNotEquals("a b\"c", hostile.getHeader("X-Request-Id"), "an id that is not a plain token is replaced");
  }
}
