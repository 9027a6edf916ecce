package org.causalrec.config;

/**
 * The WebSocket feeds.
 *
 * @param sendBufferBytes the kernel send buffer of each HTTP and WebSocket connection (SO_SNDBUF),
 *     0 for the operating system's (autotuned) default; a fixed small one bounds the memory a
 *     client that does not read can hold on the server, and makes such a client coalesced sooner
 */
public record FeedConfig(int sendBufferBytes) {
  public FeedConfig {
    if (sendBufferBytes < 0) {
      throw new IllegalArgumentException("feed.send_buffer_bytes must be >= 0");
    }
  }

  /** The operating system's buffers. */
  public static FeedConfig defaults() {
    return new FeedConfig(0);
  }
}
