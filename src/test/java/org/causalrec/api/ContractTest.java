package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The OpenAPI contract ({@code src/main/resources/openapi.yaml}, served at {@code /openapi.yaml})
 * against the running node: it is a valid OpenAPI 3.1 document (read by Vert.x's OpenAPI module,
 * which checks it against the 3.1 schema); every registered route is in it and every documented
 * operation is registered; its examples validate against their schemas; the request examples are
 * accepted by the node; and the node's real answers validate against the documented responses.
 */
@TestDatabase
class ContractTest {

  /** Media types the contract uses that Vert.x's OpenAPI module does not read (checked as text here). */
  private static final Set<String> TEXT_TYPES = Set.of("application/x-ndjson", "application/yaml", "text/html");

  @TempDir
  static Path dir;

  static ApiFixture api;
  static JsonObject raw;
  static OpenAPIContract contract;

  @BeforeAll
  static void start() throws Exception {
    api = ApiFixture.builder(dir).world("tiny", 5).trainMultVae(3).waitForTextIndex().start();
    Object tree = new Yaml(new SafeConstructor(new LoaderOptions()))
        .load(Files.readString(Path.of("src/main/resources/openapi.yaml")));
    raw = new JsonObject(io.vertx.core.json.Json.encode(tree));
    contract = OpenAPIContract.from(api.server().vertx(), withoutTextTypes(raw.copy())).await();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  /** The contract without the media types Vert.x's module refuses (the rest is what it checks). */
  private static JsonObject withoutTextTypes(JsonObject doc) {
    for (String p : doc.getJsonObject("paths").fieldNames()) {
      JsonObject item = doc.getJsonObject("paths").getJsonObject(p);
      for (String m : item.fieldNames()) {
        if (!(item.getValue(m) instanceof JsonObject op)) {
          continue;
        }
        if (op.getJsonObject("requestBody") != null) {
          TEXT_TYPES.forEach(t -> op.getJsonObject("requestBody").getJsonObject("content").remove(t));
        }
        JsonObject responses = op.getJsonObject("responses", new JsonObject());
        for (String status : responses.fieldNames()) {
          JsonObject content = responses.getJsonObject(status).getJsonObject("content");
          if (content != null) {
            TEXT_TYPES.forEach(content::remove);
            if (content.isEmpty()) {
              responses.getJsonObject(status).remove("content");
            }
          }
        }
      }
    }
    return doc;
  }

  /** {@code METHOD /path/{param}} of every documented operation. */
  private static Set<String> documented() {
    Set<String> out = new TreeSet<>();
    JsonObject paths = raw.getJsonObject("paths");
    for (String p : paths.fieldNames()) {
      for (String m : paths.getJsonObject(p).fieldNames()) {
        if (Set.of("get", "put", "post", "patch", "delete").contains(m)) {
          out.add(m.toUpperCase(java.util.Locale.ROOT) + " " + p);
        }
      }
    }
    return out;
  }

  @Test
  void theContractAndTheRouteTableAgree() {
    Set<String> registered = new TreeSet<>();
    for (String route : api.server().routeTable()) {
      registered.add(route.replaceAll(":([a-z_]+)", "{$1}"));
    }
    Set<String> undocumented = new TreeSet<>(registered);
    undocumented.removeAll(documented());
    Set<String> missing = new TreeSet<>(documented());
    missing.removeAll(registered);
    assertTrue(undocumented.isEmpty(), "routes missing from the contract: " + undocumented);
    assertTrue(missing.isEmpty(), "documented operations no route answers: " + missing);
    assertTrue(registered.size() >= 35, registered.toString());
    assertEquals(raw, new JsonObject(io.vertx.core.json.Json.encode(new Yaml(new SafeConstructor(new LoaderOptions()))
        .load(api.get("/openapi.yaml").bodyAsString()))), "the node serves the contract in the repository");
    assertTrue(api.get("/docs").bodyAsString().contains("/openapi.yaml"), "the rendered page reads the contract");
  }

  @Test
  void everyExampleValidatesAgainstItsSchema() {
    ResponseValidator responses = ResponseValidator.create(api.server().vertx(), contract);
    int checked = 0;
    List<String> failures = new ArrayList<>();
    for (var op : contract.operations()) {
      if (op.getRequestBody() != null) {
        for (var media : op.getRequestBody().getContent().entrySet()) {
          Object example = example(op.getOpenAPIPath(), op.getHttpMethod(), null, media.getKey());
          if (example != null) {
            var result = contract.getSchemaRepository().validator(media.getValue().getSchema()).validate(example);
            if (!result.getValid()) {
              failures.add(op.getOperationId() + " request: " + result.getErrors());
            }
            checked++;
          }
        }
      }
      JsonObject documentedResponses = operation(op.getOpenAPIPath(), op.getHttpMethod()).getJsonObject("responses");
      for (String status : documentedResponses.fieldNames()) {
        Object example = example(op.getOpenAPIPath(), op.getHttpMethod(), status, "application/json");
        if (example == null) {
          continue;
        }
        try {
          responses.validate(ValidatableResponse.create(Integer.parseInt(status),
              Buffer.buffer(io.vertx.core.json.Json.encode(example)), "application/json"), op.getOperationId()).await();
        } catch (Exception e) {
          failures.add(op.getOperationId() + " " + status + ": " + e.getMessage());
        }
        checked++;
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertTrue(checked >= 50, "examples checked: " + checked);
  }

  private static JsonObject operation(String path, HttpMethod method) {
    return raw.getJsonObject("paths").getJsonObject(path).getJsonObject(method.name().toLowerCase(java.util.Locale.ROOT));
  }

  /** The example of a request body ({@code status} null) or of a response, following $refs to components. */
  private static Object example(String path, HttpMethod method, String status, String mediaType) {
    JsonObject op = operation(path, method);
    JsonObject holder = status == null ? op.getJsonObject("requestBody") : op.getJsonObject("responses")
        .getJsonObject(status);
    if (holder != null && holder.getString("$ref") != null) {
      String name = holder.getString("$ref").substring("#/components/responses/".length());
      holder = raw.getJsonObject("components").getJsonObject("responses").getJsonObject(name);
    }
    if (holder == null || holder.getJsonObject("content") == null
        || holder.getJsonObject("content").getJsonObject(mediaType) == null) {
      return null;
    }
    return holder.getJsonObject("content").getJsonObject(mediaType).getValue("example");
  }

  /** One request to the node, to the operation {@code operationId}. */
  private record Call(String operationId, HttpMethod method, String url, Object body) {}

  @Test
  void theNodesAnswersAndTheRequestExamplesFollowTheContract() {
    String version = api.multVae();
    JsonObject job = api.awaitJob(api.post("/v1/evaluate", new JsonObject().put("protocol", "temporal")
        .put("models", new JsonArray().add("popularity"))));
    List<Call> calls = new ArrayList<>(List.of(
        new Call("userEvents", HttpMethod.GET, "/v1/users/u3/events?limit=5", null),
        new Call("listItems", HttpMethod.GET, "/v1/items?limit=3", null),
        new Call("getItem", HttpMethod.GET, "/v1/items/i5", null),
        new Call("listUsers", HttpMethod.GET, "/v1/users?limit=3", null),
        new Call("recommend", HttpMethod.GET, "/v1/users/u3/recommendations?n=5", null),
        new Call("recommend", HttpMethod.GET, "/v1/users/nobody/recommendations?n=5", null),
        new Call("neighbors", HttpMethod.GET, "/v1/items/i5/neighbors?n=5", null),
        new Call("similar", HttpMethod.GET, "/v1/items/i5/similar?n=5", null),
        new Call("search", HttpMethod.GET, "/v1/search?q=board+game&n=3", null),
        new Call("popular", HttpMethod.GET, "/v1/popular?n=5", null),
        new Call("latest", HttpMethod.GET, "/v1/latest?n=5", null),
        new Call("listModels", HttpMethod.GET, "/v1/models", null),
        new Call("listJobs", HttpMethod.GET, "/v1/jobs", null),
        new Call("getJob", HttpMethod.GET, "/v1/jobs/" + job.getString("id"), null),
        new Call("propensities", HttpMethod.GET, "/v1/stats/propensities?bins=5", null),
        new Call("live", HttpMethod.GET, "/health/live", null),
        new Call("ready", HttpMethod.GET, "/health/ready", null),
        new Call("getItem", HttpMethod.GET, "/v1/items/none", null),
        new Call("whatIf", HttpMethod.GET, "/v1/users/u3/what-if?item=i5", null),
        new Call("recommend", HttpMethod.GET, "/v1/users/u3/recommendations?n=0", null),
        new Call("serveVersion", HttpMethod.POST, "/v1/models/" + version + "/serve", new JsonObject()),
        new Call("unpin", HttpMethod.DELETE, "/v1/models/mult-vae/pin", null)));
    // the contract's own request examples, sent as they are
    calls.add(new Call("postEvents", HttpMethod.POST, "/v1/events", example("/v1/events", HttpMethod.POST, null,
        "application/json")));
    calls.add(new Call("postItems", HttpMethod.POST, "/v1/items", example("/v1/items", HttpMethod.POST, null,
        "application/json")));
    calls.add(new Call("putItem", HttpMethod.PUT, "/v1/items/i900", example("/v1/items/{id}", HttpMethod.PUT, null,
        "application/json")));
    calls.add(new Call("patchItem", HttpMethod.PATCH, "/v1/items/i900", example("/v1/items/{id}", HttpMethod.PATCH,
        null, "application/json")));
    calls.add(new Call("postUsers", HttpMethod.POST, "/v1/users", example("/v1/users", HttpMethod.POST, null,
        "application/json")));
    calls.add(new Call("putUser", HttpMethod.PUT, "/v1/users/u900", example("/v1/users/{id}", HttpMethod.PUT, null,
        "application/json")));
    calls.add(new Call("getUser", HttpMethod.GET, "/v1/users/u900", null));
    calls.add(new Call("recommendForSession", HttpMethod.POST, "/v1/recommendations",
        new JsonObject().put("items", new JsonArray().add("i5").add("i7")).put("n", 5)));
    calls.add(new Call("deleteItem", HttpMethod.DELETE, "/v1/items/i900", null));

    ResponseValidator validator = ResponseValidator.create(api.server().vertx(), contract);
    List<String> failures = new ArrayList<>();
    Set<String> exercised = new TreeSet<>();
    for (Call c : calls) {
      var req = api.request(c.method(), c.url());
      HttpResponse<Buffer> r = c.body() == null ? req.send().await()
          : req.putHeader("content-type", "application/json")
              .sendBuffer(Buffer.buffer(io.vertx.core.json.Json.encode(c.body()))).await();
      if (c.body() != null && r.statusCode() >= 400) {
        failures.add(c.operationId() + ": the node refused the contract's example: " + r.bodyAsString());
      }
      String type = r.getHeader("content-type");
      try {
        validator.validate(ValidatableResponse.create(r.statusCode(), r.body(), type == null ? null
            : type.split(";")[0]), c.operationId()).await();
        exercised.add(c.operationId());
      } catch (Exception e) {
        failures.add(c.operationId() + " " + c.url() + " -> " + r.statusCode() + ": " + e.getMessage()
            + "\n  " + r.bodyAsString());
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertTrue(exercised.size() >= 25, exercised.toString());
  }
}
