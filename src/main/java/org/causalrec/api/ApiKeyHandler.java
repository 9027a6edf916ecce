package org.causalrec.api;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Refuses writes without the configured {@code X-API-Key} (401); reads, and every request without a key set, pass. */
final class ApiKeyHandler implements Handler<RoutingContext> {

  private final byte[] key;

  /** @param apiKey the key writes need, or null when writes are open */
  ApiKeyHandler(String apiKey) {
    this.key = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpMethod m = ctx.request().method();
    boolean write = !(m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS);
    if (key == null || !write) {
      ctx.next();
      return;
    }
    String given = ctx.request().getHeader("X-API-Key");
    if (given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), key)) {
      ctx.next();
    } else {
      Responses.send(ctx, 401, new JsonObject().put("error", "unauthorized").put("field", "X-API-Key")
          .put("detail", "writes need a valid X-API-Key header"));
    }
  }
}
