package io.colony.streaming.runtime;

import io.colony.api.ActorHandle;
import java.util.Map;

/** How an instance reaches other operator actors: {@link Peers} on a cluster, fakes in tests. */
interface PeerCalls {
  /** Sends a message on a channel to its downstream instance, without waiting. */
  void push(ActorHandle<?> target, String channel, Map<String, Object> message);

  /** Gives {@code n} credits back to the channel's upstream instance, without waiting. */
  void credit(ActorHandle<?> upstream, String channel, long n);
}
