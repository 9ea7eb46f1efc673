package io.colony.runtime.serialization;

import org.apache.fory.memory.MemoryBuffer;

/** Length-prefixed byte arrays inside Fory buffers. */
final class Bytes {
  private Bytes() {}

  static void write(MemoryBuffer buffer, byte[] bytes) {
    buffer.writeVarUint32(bytes.length);
    buffer.writeBytes(bytes);
  }

  static byte[] read(MemoryBuffer buffer) {
    return buffer.readBytes(buffer.readVarUint32());
  }
}
