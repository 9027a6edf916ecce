package org.causalrec.feed;

import io.vertx.core.http.ServerWebSocket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A socket's way out: a message is written at once while the socket's write queue has room;
 * otherwise it waits as the one pending message, replacing (and counting as coalesced) any older
 * one, until the queue drains. Nothing else is held, whatever the client's speed. Use on the
 * socket's context only.
 */
final class Outbox {

  private final ServerWebSocket ws;
  private final AtomicLong pushed;
  private final AtomicLong coalesced;
  private String pending;
  private boolean draining;

  Outbox(ServerWebSocket ws, AtomicLong pushed, AtomicLong coalesced) {
    this.ws = ws;
    this.pushed = pushed;
    this.coalesced = coalesced;
  }

  void offer(String message) {
    if (ws.isClosed()) {
      return;
    }
    if (!ws.writeQueueFull()) {
      ws.writeTextMessage(message);
      pushed.incrementAndGet();
      return;
    }
    if (pending != null) {
      coalesced.incrementAndGet();
    }
    pending = message;
    if (!draining) {
      draining = true;
      ws.drainHandler(v -> {
        draining = false;
        String p = pending;
        pending = null;
        if (p != null) {
          offer(p);
        }
      });
    }
  }
}
