package io.colony.streaming.runtime;

import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.serialization.XlangCodec;
import io.colony.streaming.proto.StreamingPlan.Partitioning;
import java.util.HashMap;
import java.util.List;
import java.util.zip.CRC32;

/**
 * One output edge of an instance: picks the channel(s) of each record by the edge's partitioning.
 * KEY_HASH sends a {@code [key, record]} pair to {@code crc32(xlang(key)) mod n}, the same target
 * Python picks.
 */
final class Output {
  private static final XlangCodec XLANG = new XlangCodec(ReferenceTracker.NONE);
  private static final int MAX_CACHED_KEYS = 1 << 16;

  final Partitioning partitioning;
  final List<OutputChannel> channels;
  private int next; // REBALANCE: the channel being filled
  private final HashMap<Object, Integer> keyTargets = new HashMap<>();

  Output(Partitioning partitioning, List<OutputChannel> channels) {
    this.partitioning = partitioning;
    this.channels = channels;
  }

  /** The channel for a record (null for BROADCAST: all of them). */
  OutputChannel channelFor(Object record) {
    switch (partitioning) {
      case FORWARD:
        return channels.get(0);
      case KEY_HASH:
        return channels.get(keyTarget(record));
      case REBALANCE:
        return channels.get(next);
      default:
        return null;
    }
  }

  /** REBALANCE moves to the next channel once a batch has left. */
  void batchSent(OutputChannel channel) {
    if (partitioning == Partitioning.REBALANCE && channels.get(next) == channel) {
      next = (next + 1) % channels.size();
    }
  }

  private int keyTarget(Object record) {
    if (!(record instanceof List) || ((List<?>) record).size() != 2) {
      throw new IllegalArgumentException(
          "a KEY_HASH edge carries [key, record] pairs, got "
              + (record == null ? "null" : record.getClass().getName()));
    }
    Object key = ((List<?>) record).get(0);
    Integer cached = keyTargets.get(key);
    if (cached != null) {
      return cached;
    }
    int target = hashTarget(key, channels.size());
    if (keyTargets.size() < MAX_CACHED_KEYS && !(key instanceof byte[]) && !(key instanceof List)) {
      keyTargets.put(key, target);
    }
    return target;
  }

  static int hashTarget(Object key, int parallelism) {
    byte[] bytes;
    try {
      bytes = XLANG.encode(key, null);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a key must be an XLANG value: " + e.getMessage(), e);
    }
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return (int) (crc.getValue() % parallelism);
  }
}
