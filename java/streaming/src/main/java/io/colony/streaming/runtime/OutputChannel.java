package io.colony.streaming.runtime;

import io.colony.api.ActorHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One output channel: the batch being filled, the sender's credits and the messages waiting for
 * credits (at most what one input message produces). Credits are guarded by the instance's lock;
 * the rest belongs to the instance's thread.
 */
final class OutputChannel {
  final String id;
  final ActorHandle<?> target;
  final boolean toJava; // batches go as FORY bytes, else XLANG
  int credits;
  final ArrayDeque<Map<String, Object>> waiting = new ArrayDeque<>();
  List<Object> batch = new ArrayList<>();
  List<Long> timestamps; // the batch's event times, when its records have them
  long batchBytes;
  long batchStartNanos;

  OutputChannel(String id, ActorHandle<?> target, int credits) {
    this.id = id;
    this.target = target;
    this.toJava = !Peers.isPython(target);
    this.credits = credits;
  }
}
