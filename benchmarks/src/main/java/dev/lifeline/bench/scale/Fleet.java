package dev.lifeline.bench.scale;

import java.net.URI;

/** One kind of client, opening connections one at a time into shared {@link Stats}. */
interface Fleet {

  /**
   * Opens one heartbeating connection to {@code uri}; calls {@code settled} once when it connected
   * or its first attempt failed, so the caller can bound the handshakes in flight.
   */
  void open(URI uri, Runnable settled);

  /** Threads this kind needs per connection, as its documentation describes it (for the report). */
  default String name() {
    return getClass().getSimpleName();
  }
}
