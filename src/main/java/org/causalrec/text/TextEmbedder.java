package org.causalrec.text;

import java.util.List;
import org.causalrec.config.Config;

/**
 * Turns texts into unit-length sentence embeddings. Blocking: call it on a worker thread, never on
 * an event loop. Implementations are safe to share between threads.
 */
public interface TextEmbedder extends AutoCloseable {

  /** What made the vectors (model, source, version); stored with each embedding, so a change of model re-embeds. */
  String modelId();

  /** The vectors' length, or 0 while unknown (an endpoint tells it on its first answer). */
  int dimension();

  /** One L2-normalised vector per text, in order. */
  float[][] embed(List<String> texts);

  @Override
  void close();

  /** The embedder the configuration asks for, or null when text features are off. Loads lazily. */
  static TextEmbedder of(Config.TextConfig c) {
    return switch (c.provider()) {
      case "local" -> new MiniLmEmbedder();
      case "endpoint" -> new EndpointEmbedder(c.endpointUrl(), c.endpointModel(),
          c.endpointApiKeyEnv() == null ? null : System.getenv(c.endpointApiKeyEnv()));
      default -> null;
    };
  }
}
