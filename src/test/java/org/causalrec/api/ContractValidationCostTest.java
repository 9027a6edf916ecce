package org.causalrec.api;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.contract.OpenAPIContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.causalrec.TestEnv;
import org.causalrec.config.EventTypes;
import org.causalrec.ingest.IngestService;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What validating requests from the contract would cost on the two hot paths, against what the
 * node spends on them: the JSON Schema validation Vert.x's OpenAPI request validator runs (the
 * same validator, from the contract) on ingest bodies of 1,000 events and on a recommendation
 * request's parameters. Prints the figures; {@code mvn -B test -Pslow -Dtest=ContractValidationCostTest}.
 */
@Tag("slow")
class ContractValidationCostTest {

  @Test
  void measure() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Object tree = new Yaml(new SafeConstructor(new LoaderOptions()))
          .load(Files.readString(Path.of("src/main/resources/openapi.yaml")));
      JsonObject raw = new JsonObject(io.vertx.core.json.Json.encode(tree));
      raw.getJsonObject("paths").getJsonObject("/v1/events").getJsonObject("post").getJsonObject("requestBody")
          .getJsonObject("content").remove("application/x-ndjson");
      for (String p : new String[] {"/openapi.yaml", "/docs", "/metrics"}) {
        raw.getJsonObject("paths").remove(p);
      }
      OpenAPIContract contract = OpenAPIContract.from(vertx, raw).await();
      var op = contract.operation("postEvents");
      var eventsValidator = contract.getSchemaRepository()
          .validator(op.getRequestBody().getContent().get("application/json").getSchema());
      var recommend = contract.operation("recommend");

      JsonArray body = new JsonArray();
      for (int k = 0; k < 1_000; k++) {
        body.add(TestEnv.click("e-" + k, "u" + (k % 97), "i" + (k % 501)).put("timestamp", "2026-12-01T10:15:00Z")
            .put("context", new JsonObject().put("position", 1 + k % 10).put("surface", "home")
                .put("propensity", 0.25)));
      }
      String encoded = body.encode();
      int rounds = 300;
      // warm up both
      for (int r = 0; r < 100; r++) {
        eventsValidator.validate(new JsonArray(encoded));
        IngestService.parseOnly(new JsonArray(encoded), EventTypes.defaults());
      }
      long t0 = System.nanoTime();
      for (int r = 0; r < rounds; r++) {
        OutputUnit u = eventsValidator.validate(new JsonArray(encoded));
        if (!u.getValid()) {
          throw new AssertionError(u.getErrors().toString());
        }
      }
      double schemaUsPerEvent = (System.nanoTime() - t0) / 1e3 / rounds / 1_000;
      t0 = System.nanoTime();
      for (int r = 0; r < rounds; r++) {
        IngestService.parseOnly(new JsonArray(encoded), EventTypes.defaults());
      }
      double ownUsPerEvent = (System.nanoTime() - t0) / 1e3 / rounds / 1_000;

      // a recommendation request: its parameters' schemas, as the request validator checks each
      var id = contract.getSchemaRepository().validator(recommend.getParameters().stream()
          .filter(p -> p.getName().equals("id")).findFirst().orElseThrow().getSchema());
      var size = contract.getSchemaRepository().validator(recommend.getParameters().stream()
          .filter(p -> p.getName().equals("n")).findFirst().orElseThrow().getSchema());
      int n = 200_000;
      for (int r = 0; r < n; r++) { // warm up
        id.validate("u" + (r % 100));
        size.validate(10);
      }
      t0 = System.nanoTime();
      for (int r = 0; r < n; r++) {
        id.validate("u" + (r % 100));
        size.validate(10);
      }
      double paramsUs = (System.nanoTime() - t0) / 1e3 / n;
      System.out.printf(Locale.ROOT, "contract validation: ingest body %.2f us/event by JSON Schema, %.2f us/event by"
          + " the node's own parser (which also builds the rows); recommendation parameters %.2f us/request%n",
          schemaUsPerEvent, ownUsPerEvent, paramsUs);
    } finally {
      vertx.close().await();
    }
  }
}
