package org.causalrec.sim;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import org.causalrec.ingest.IngestService;

/** The two ways simulated data reaches the store: the ingest service in-process, or the REST API. */
public final class Sinks {

  private Sinks() {}

  /** Writes through the in-process ingest service (same validation and transaction as REST). */
  public static SimulationRun.Sink inProcess(IngestService ingest) {
    return new SimulationRun.Sink() {
      @Override
      public Future<?> items(JsonArray items) {
        return ingest.upsertItems(items);
      }

      @Override
      public Future<?> users(JsonArray users) {
        return ingest.upsertUsers(users);
      }

      @Override
      public Future<JsonObject> events(JsonArray events) {
        return ingest.ingestEvents(events).map(IngestService.EventsResult::toJson);
      }
    };
  }

  /** Posts to a running server's {@code /v1} API at {@code baseUrl}, with the API key if given. */
  public static SimulationRun.Sink http(Vertx vertx, String baseUrl, String apiKey) {
    URI uri = URI.create(baseUrl);
    int port = uri.getPort() > 0 ? uri.getPort() : ("https".equals(uri.getScheme()) ? 443 : 80);
    WebClient client = WebClient.create(vertx, new WebClientOptions()
        .setDefaultHost(uri.getHost())
        .setDefaultPort(port)
        .setSsl("https".equals(uri.getScheme())));
    return new SimulationRun.Sink() {
      @Override
      public Future<?> items(JsonArray items) {
        return post("/v1/items", items);
      }

      @Override
      public Future<?> users(JsonArray users) {
        return post("/v1/users", users);
      }

      @Override
      public Future<JsonObject> events(JsonArray events) {
        return post("/v1/events", events);
      }

      private Future<JsonObject> post(String path, JsonArray body) {
        return post(path, body.toBuffer(), 0);
      }

      /**
       * Sends the batch; a 503 with {@code Retry-After} (the server's write queue full, the database
       * restarting) stored nothing, so the same batch goes again after that wait, 60 times at most.
       */
      private Future<JsonObject> post(String path, Buffer body, int retries) {
        HttpRequest<Buffer> req = client.post(path).putHeader("content-type", "application/json");
        if (apiKey != null) {
          req.putHeader("X-API-Key", apiKey);
        }
        return req.sendBuffer(body).compose(resp -> {
          String wait = resp.getHeader("Retry-After");
          if (resp.statusCode() == 503 && wait != null && wait.matches("\\d{1,3}") && retries < 60) {
            return vertx.timer(Math.max(1, Integer.parseInt(wait)), java.util.concurrent.TimeUnit.SECONDS)
                .compose(t -> post(path, body, retries + 1));
          }
          return ok(resp);
        });
      }
    };
  }

  private static Future<JsonObject> ok(HttpResponse<Buffer> resp) {
    if (resp.statusCode() / 100 != 2) {
      return Future.failedFuture(new IllegalStateException(
          "server answered " + resp.statusCode() + ": " + resp.bodyAsString()));
    }
    return Future.succeededFuture(resp.bodyAsJsonObject());
  }
}
