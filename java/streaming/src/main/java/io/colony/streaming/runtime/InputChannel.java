package io.colony.streaming.runtime;

import io.colony.api.ActorHandle;
import java.util.ArrayDeque;
import java.util.Map;

/** One input channel of an instance; guarded by the instance's lock. */
final class InputChannel {
  final String id;
  final ActorHandle<?> upstream;
  final ArrayDeque<Map<String, Object>> queue = new ArrayDeque<>();
  boolean blocked; // delivered the barrier being aligned
  boolean ended;
  Long watermark; // last watermark received, or null
  int consumed; // messages taken since credits were last returned

  InputChannel(String id, ActorHandle<?> upstream) {
    this.id = id;
    this.upstream = upstream;
  }
}
