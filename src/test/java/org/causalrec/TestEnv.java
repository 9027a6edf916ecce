package org.causalrec;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import org.causalrec.config.Config;

/** Builds real stores and servers for tests: embedded PostgreSQL in a temp dir, HTTP on a free port. */
public final class TestEnv {

  private TestEnv() {}

  /** The default configuration on {@code dir}, HTTP port 0, local interface only. */
  public static Config config(Path dir) {
    return Config.builder().setHttpHost("127.0.0.1").setHttpPort(0).setDataDir(dir).setDevice("cpu")
        .setStream(new Config.StreamConfig("tailer", 500, 200))
        .setModels(new Config.ModelConfig(20, 0, Config.defaults().models().excludeTypes()))
        .build();
  }

  /** POSTs a JSON body and waits for the response. */
  public static HttpResponse<Buffer> post(WebClient client, int port, String path, Object body) {
    Buffer b = body instanceof JsonArray a ? a.toBuffer() : ((JsonObject) body).toBuffer();
    return client.post(port, "127.0.0.1", path).putHeader("content-type", "application/json")
        .sendBuffer(b).await();
  }

  /** GETs a path and waits for the response. */
  public static HttpResponse<Buffer> get(WebClient client, int port, String path) {
    return client.get(port, "127.0.0.1", path).send().await();
  }

  /** A valid click event. */
  public static JsonObject click(String eventId, String user, String item) {
    JsonObject e = new JsonObject().put("user_id", user).put("item_id", item).put("type", "click");
    if (eventId != null) {
      e.put("event_id", eventId);
    }
    return e;
  }
}
