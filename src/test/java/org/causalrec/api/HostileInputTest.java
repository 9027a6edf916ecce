package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.causalrec.ApiFixture;
import org.causalrec.config.Config;

/**
 * Hostile input on every write endpoint, generated: malformed and truncated JSON, wrong types,
 * huge strings, deep nesting, invalid UTF-8, NULs, NaN and infinities, out-of-range timestamps,
 * too many records. Whatever comes, the answer is never a 5xx; a refusal is a JSON error whose
 * {@code field} names the field at fault (null only when there is no field to name: a body that
 * is not JSON, too large or of the wrong shape), and a refused request stores nothing.
 *
 * <p>A jqwik container, not a JUnit one: it runs its own node and embedded PostgreSQL. The tries
 * per property default to {@code jqwik.tries.default} in {@code junit-platform.properties}; more
 * with {@code -Djqwik.tries.default=N} (the figures in docs/RELIABILITY.md).
 */
class HostileInputTest {

  /** Errors that concern the request or its body as a whole; every other refusal must name its field. */
  private static final List<String> WHOLE_BODY = List.of("invalid_json", "invalid_body", "body_too_large",
      "too_many_records", "not_found", "unsupported_media_type", "method_not_allowed");

  private static Path dir;
  private static ApiFixture api;

  @BeforeContainer
  static void start() throws IOException {
    dir = Files.createTempDirectory("causalrec-hostile");
    api = ApiFixture.builder(dir).config(c -> c.setMaxBodyBytes(512 * 1024).setMaxEventsPerRequest(10_000)
        .setText(Config.TextConfig.defaults().toBuilder().setProvider("off").build())).start();
  }

  @AfterContainer
  static void stop() throws IOException {
    try {
      api.close();
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Property
  void events(@ForAll("eventBodies") byte[] body, @ForAll boolean ndjson) {
    check(HttpMethod.POST, "/v1/events", body, ndjson ? "application/x-ndjson" : "application/json");
  }

  @Property
  void itemBatches(@ForAll("itemBodies") byte[] body) {
    check(HttpMethod.POST, "/v1/items", body, "application/json");
  }

  @Property
  void oneItem(@ForAll("pathIds") String id, @ForAll("itemObjects") byte[] body) {
    check(HttpMethod.PUT, "/v1/items/" + URLEncoder.encode(id, StandardCharsets.UTF_8), body, "application/json");
  }

  @Property
  void itemPatches(@ForAll("pathIds") String id, @ForAll("itemObjects") byte[] body) {
    check(HttpMethod.PATCH, "/v1/items/" + URLEncoder.encode(id, StandardCharsets.UTF_8), body, "application/json");
  }

  /** An anonymous session's recommendations: a read, but a body to validate. */
  @Property
  void sessions(@ForAll("sessionBodies") byte[] body) {
    check(HttpMethod.POST, "/v1/recommendations", body, "application/json");
  }

  @Property
  void itemDeletes(@ForAll("pathIds") String id) {
    check(HttpMethod.DELETE, "/v1/items/" + URLEncoder.encode(id, StandardCharsets.UTF_8), new byte[0],
        "application/json");
  }

  @Property
  void userBatches(@ForAll("userBodies") byte[] body) {
    check(HttpMethod.POST, "/v1/users", body, "application/json");
  }

  @Property
  void oneUser(@ForAll("pathIds") String id, @ForAll("userObjects") byte[] body) {
    check(HttpMethod.PUT, "/v1/users/" + URLEncoder.encode(id, StandardCharsets.UTF_8), body, "application/json");
  }

  /** Bodies with at least one invalid field: a valid one would start a training run or an evaluation. */
  @Property
  void trainingAndEvaluationRequests(@ForAll("controlBodies") Tuple.Tuple2<String, byte[]> request) {
    check(HttpMethod.POST, request.get1(), request.get2(), "application/json");
  }

  private static void check(HttpMethod method, String path, byte[] body, String type) {
    long[] before = counts();
    HttpResponse<Buffer> r = api.request(method, path).putHeader("content-type", type)
        .sendBuffer(Buffer.buffer(body)).await();
    int status = r.statusCode();
    String shown = r.bodyAsString();
    JsonObject answer = status >= 400 && shown != null && shown.startsWith("{") ? r.bodyAsJsonObject() : null;
    Statistics.collect(status + (answer != null ? " " + answer.getString("error") : ""));
    assertTrue(status < 500, status + " " + shown);
    if (status >= 400) {
      JsonObject error = r.bodyAsJsonObject();
      assertNotNull(error, "not JSON: " + shown);
      String code = error.getString("error");
      assertNotNull(code, shown);
      assertTrue(error.containsKey("field"), shown);
      assertTrue(error.getValue("field") != null || WHOLE_BODY.contains(code), "no field named: " + shown);
      assertEquals(List.of(before[0], before[1], before[2]), List.of(counts()[0], counts()[1], counts()[2]),
          "a refused request changed the stored rows: " + shown);
    } else {
      assertTrue(status == 200 || status == 202 || status == 204, status + " " + shown);
    }
  }

  /** Events, items and users stored. */
  private static long[] counts() {
    var row = api.store().pool().query("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM items),"
        + " (SELECT count(*) FROM users)").execute().await().iterator().next();
    return new long[] {row.getLong(0), row.getLong(1), row.getLong(2)};
  }

  // ---- generators: JSON text built by hand, so that it can hold what a JSON library never writes

  /** A JSON value meant to break a field: wrong types, extremes, bad strings, non-JSON tokens. */
  private static Arbitrary<String> hostileValue() {
    return Arbitraries.oneOf(
        Arbitraries.of("null", "true", "false", "[]", "{}", "[1,2]", "{\"a\":1}", "\"\"", "\" \"", "0", "-1",
            "0.5", "1e308", "-1e308", "1e400", "-1e400", "4.9e-324", "123456789012345678901234567890",
            "9223372036854775807", "-9223372036854775808", "NaN", "Infinity", "-Infinity", "nul", "tru",
            "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\uZZZZ\"", "\"\\x41\"",
            "\"\u0001\u001f\"", "\"\uD83D\uDE00 emoji\"", "\"2026-13-01T00:00:00Z\"",
            "\"0000-01-01T00:00:00Z\"", "\"+999999999-12-31T23:59:59Z\"", "\"9999-12-31T23:59:59.999999999Z\"",
            "\"1970-01-01T00:00:00Z\"", "\"2026-01-31\"", "\"2026-01-31T12:00:00\"", "\"yesterday\"",
            "8640000000000000", "-8640000000000000", "1.5e12", "253402300800000", "99999999999999999999"),
        Arbitraries.integers().between(1, 300_000).map(n -> "\"" + "x".repeat(n) + "\""),
        Arbitraries.strings().ofMaxLength(40).map(HostileInputTest::jsonString),
        Arbitraries.integers().between(1, 5_000).map(d -> "[".repeat(d) + "]".repeat(d)),
        Arbitraries.integers().between(1, 5_000).map(d -> "{\"a\":".repeat(d) + "1" + "}".repeat(d)));
  }

  /** A JSON string of {@code s}, escaped the way JSON allows (control characters as \\u escapes). */
  private static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /** An object with some of {@code fields}, each valid or hostile, and sometimes a field no one knows. */
  private static Arbitrary<String> object(List<Tuple.Tuple2<String, String>> fields) {
    List<Arbitrary<String>> members = new ArrayList<>();
    for (Tuple.Tuple2<String, String> f : fields) {
      String name = jsonString(f.get1());
      members.add(Arbitraries.frequencyOf(
          Tuple.of(8, Arbitraries.just(name + ":" + f.get2())),
          Tuple.of(1, Arbitraries.just("")),
          Tuple.of(1, hostileValue().map(v -> name + ":" + v))));
    }
    members.add(Arbitraries.frequencyOf(Tuple.of(9, Arbitraries.just("")),
        Tuple.of(1, hostileValue().map(v -> "\"unknown_field\":" + v))));
    return Combinators.combine(members).as(parts -> "{" + String.join(",",
        parts.stream().filter(p -> !p.isEmpty()).toList()) + "}");
  }

  private static Arbitrary<String> event() {
    Arbitrary<String> context = object(List.of(Tuple.of("position", "3"), Tuple.of("surface", "\"home\""),
        Tuple.of("recommended", "true"), Tuple.of("propensity", "0.2"), Tuple.of("model_version", "\"v1\"")));
    return Combinators.combine(Arbitraries.integers().between(0, 1_000_000), context,
        Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(true)), Tuple.of(1, Arbitraries.just(false))))
        .flatAs((n, ctx, withContext) -> object(List.of(
            Tuple.of("event_id", "\"h-" + n + "\""), Tuple.of("user_id", "\"hu-" + (n % 97) + "\""),
            Tuple.of("item_id", "\"hi-" + (n % 89) + "\""), Tuple.of("type", "\"click\""),
            Tuple.of("value", "1.0"), Tuple.of("timestamp", "\"2026-02-01T10:00:00Z\""),
            Tuple.of("context", withContext ? ctx : "{}"))));
  }

  private static Arbitrary<String> item() {
    return Arbitraries.integers().between(0, 1_000_000).flatMap(n -> object(List.of(
        Tuple.of("id", "\"hi-" + n + "\""), Tuple.of("title", "\"A title\""),
        Tuple.of("description", "\"Some text.\""), Tuple.of("categories", "[\"books\",\"crime\"]"),
        Tuple.of("attributes", "{\"price\": 12.5, \"tags\": [\"a\"]}"), Tuple.of("hidden", "false"),
        Tuple.of("expires_at", "\"2030-01-01T00:00:00Z\""))));
  }

  private static Arbitrary<String> user() {
    return Arbitraries.integers().between(0, 1_000_000).flatMap(n -> object(List.of(
        Tuple.of("id", "\"hu-" + n + "\""), Tuple.of("attributes", "{\"country\": \"fr\"}"))));
  }

  /**
   * A body of records: a JSON array of them, an object holding the array under {@code field}, or
   * something else entirely; sometimes cut short, sometimes too many records, sometimes not UTF-8.
   */
  private static Arbitrary<byte[]> records(Arbitrary<String> record, String field) {
    Arbitrary<String> list = record.list().ofMinSize(0).ofMaxSize(6).map(l -> "[" + String.join(",", l) + "]");
    Arbitrary<String> json = Arbitraries.frequencyOf(
        Tuple.of(6, list),
        Tuple.of(2, list.map(l -> "{\"" + field + "\":" + l + "}")),
        Tuple.of(1, hostileValue()),
        Tuple.of(1, Arbitraries.just("[" + "{},".repeat(10_000) + "{}]")));
    return Arbitraries.frequencyOf(
        Tuple.of(8, json.map(s -> s.getBytes(StandardCharsets.UTF_8))),
        Tuple.of(2, Combinators.combine(json, Arbitraries.doubles().between(0, 1)).as((s, cut) ->
            s.substring(0, (int) (s.length() * cut)).getBytes(StandardCharsets.UTF_8))),
        Tuple.of(1, Combinators.combine(json, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8),
            Arbitraries.doubles().between(0, 1)).as(HostileInputTest::splice)),
        Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(200)));
  }

  /** {@code json} with {@code bytes} (often invalid UTF-8, NULs) put in at a fraction {@code at} of it. */
  private static byte[] splice(String json, byte[] bytes, double at) {
    byte[] text = json.getBytes(StandardCharsets.UTF_8);
    int k = (int) (text.length * at);
    byte[] out = new byte[text.length + bytes.length];
    System.arraycopy(text, 0, out, 0, k);
    System.arraycopy(bytes, 0, out, k, bytes.length);
    System.arraycopy(text, k, out, k + bytes.length, text.length - k);
    return out;
  }

  @Provide
  Arbitrary<byte[]> eventBodies() {
    return records(event(), "events");
  }

  @Provide
  Arbitrary<byte[]> itemBodies() {
    return records(item(), "items");
  }

  @Provide
  Arbitrary<byte[]> userBodies() {
    return records(user(), "users");
  }

  @Provide
  Arbitrary<byte[]> itemObjects() {
    return Arbitraries.frequencyOf(Tuple.of(4, item().map(s -> s.getBytes(StandardCharsets.UTF_8))),
        Tuple.of(1, records(item(), "items")));
  }

  @Provide
  Arbitrary<byte[]> userObjects() {
    return Arbitraries.frequencyOf(Tuple.of(4, user().map(s -> s.getBytes(StandardCharsets.UTF_8))),
        Tuple.of(1, records(user(), "users")));
  }

  @Provide
  Arbitrary<byte[]> sessionBodies() {
    return object(List.of(Tuple.of("items", "[\"i1\",\"i2\"]"), Tuple.of("n", "5"), Tuple.of("offset", "2"),
        Tuple.of("category", "\"books\""), Tuple.of("exclude", "[\"i3\"]"), Tuple.of("objective", "\"relevance\""),
        Tuple.of("surface", "\"home\""))).map(b -> b.getBytes(StandardCharsets.UTF_8));
  }

  @Provide
  Arbitrary<String> pathIds() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(0, 1_000).map(n -> "hi-" + n),
        Arbitraries.strings().ofMinLength(1).ofMaxLength(40),
        Arbitraries.of(" ", "\u0000", "a\u0000b", "\ud800", "..", "%", "a/b", "x".repeat(300)));
  }

  @Provide
  Arbitrary<Tuple.Tuple2<String, byte[]>> controlBodies() {
    Arbitrary<String> train = Arbitraries.of("/v1/models/mult-vae/train", "/v1/models/click/train",
        "/v1/models/uplift/train", "/v1/models/no-such-kind/train");
    Arbitrary<String> notAnObject = hostileValue().filter(v -> !v.startsWith("{") && !v.equals("null"));
    Arbitrary<Tuple.Tuple2<String, String>> training = Combinators.combine(train, Arbitraries.oneOf(
        hostileValue().map(v -> "{\"epochs\":" + (v.equals("null") ? "\"x\"" : v) + ",\"objective\":\"ips\"}"),
        hostileValue().filter(v -> !v.startsWith("\"") && !v.equals("null")).map(v -> "{\"objective\":" + v + "}"),
        notAnObject)).as(Tuple::of);
    Arbitrary<Tuple.Tuple2<String, String>> evaluation = Arbitraries.oneOf(
        hostileValue().filter(v -> !v.equals("null") && !inUnitInterval(v)).map(v -> "{\"train_share\":" + v + "}"),
        hostileValue().filter(v -> !v.startsWith("{")).map(v -> "{\"ope\":" + v + "}"),
        notAnObject).map(b -> Tuple.of("/v1/evaluate", b));
    return Arbitraries.oneOf(training, evaluation)
        .map(t -> Tuple.of(t.get1(), t.get2().getBytes(StandardCharsets.UTF_8)));
  }

  /** Whether {@code json} is a number in (0, 1): a valid train_share, which would start an evaluation. */
  private static boolean inUnitInterval(String json) {
    try {
      double d = Double.parseDouble(json);
      return d > 0 && d < 1;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
