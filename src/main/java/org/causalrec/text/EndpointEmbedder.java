package org.causalrec.text;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Sentence embeddings from an OpenAI-compatible {@code POST /v1/embeddings} endpoint (OpenAI,
 * vLLM, llama.cpp, text-embeddings-inference, Ollama ...), for people who run a bigger model than
 * the in-process one. Vectors are L2-normalised here whatever the server does.
 */
public final class EndpointEmbedder implements TextEmbedder {

  private final URI url;
  private final String model;
  private final String apiKey;
  private final HttpClient http;
  private volatile int dimension;

  /**
   * @param url the embeddings URL, e.g. {@code http://gpu-box:8000/v1/embeddings}
   * @param model the {@code model} field of each request (may be null)
   * @param apiKey sent as a bearer token when not null
   */
  public EndpointEmbedder(String url, String model, String apiKey) {
    this.url = URI.create(url);
    this.model = model;
    this.apiKey = apiKey;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  @Override
  public String modelId() {
    return "endpoint " + url + (model == null ? "" : " model " + model);
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public float[][] embed(List<String> texts) {
    float[][] out = new float[texts.size()][];
    if (texts.isEmpty()) {
      return out;
    }
    JsonObject body = new JsonObject().put("input", new JsonArray(List.copyOf(texts)));
    if (model != null) {
      body.put("model", model);
    }
    HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (apiKey != null) {
      req.header("Authorization", "Bearer " + apiKey);
    }
    HttpResponse<String> res;
    try {
      res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("the embedding endpoint " + url + " is unreachable: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the embedding endpoint", e);
    }
    if (res.statusCode() / 100 != 2) {
      throw new IllegalStateException("the embedding endpoint " + url + " answered " + res.statusCode() + ": "
          + res.body().substring(0, Math.min(300, res.body().length())));
    }
    JsonArray data = new JsonObject(res.body()).getJsonArray("data");
    if (data == null || data.size() != texts.size()) {
      throw new IllegalStateException("the embedding endpoint " + url + " returned "
          + (data == null ? "no data" : data.size() + " vectors") + " for " + texts.size() + " texts");
    }
    for (int k = 0; k < data.size(); k++) {
      JsonObject d = data.getJsonObject(k);
      int index = d.getInteger("index", k);
      JsonArray v = d.getJsonArray("embedding");
      float[] x = new float[v.size()];
      for (int j = 0; j < x.length; j++) {
        x[j] = v.getNumber(j).floatValue();
      }
      if (dimension != 0 && x.length != dimension) {
        throw new IllegalStateException("the embedding endpoint changed dimension: " + x.length + " after " + dimension);
      }
      dimension = x.length;
      out[index] = Vectors.normalize(x);
    }
    return out;
  }

  @Override
  public void close() {
    // java.net.http.HttpClient holds no resources that need closing on Java 17
  }
}
