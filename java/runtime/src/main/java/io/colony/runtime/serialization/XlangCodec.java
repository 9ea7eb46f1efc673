package io.colony.runtime.serialization;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.colony.api.ActorHandle;
import io.colony.api.ObjectRef;
import io.colony.api.exception.ColonyException;
import io.colony.runtime.actor.ActorHandleImpl;
import io.colony.runtime.arrow.ArrowIpcReader;
import io.colony.runtime.arrow.ArrowIpcWriter;
import io.colony.runtime.generated.Common.ActorTableData;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.object.ObjectIds;
import io.colony.runtime.object.ObjectRefImpl;
import io.colony.runtime.object.ReferenceTracker;
import java.io.IOException;
import java.lang.reflect.Array;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.msgpack.core.ExtensionTypeHeader;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * The XLANG value format of {@code docs/xlang.md}: MessagePack plus four extension types, the
 * language-neutral form of values that cross between Python and Java.
 *
 * <table>
 *   <caption>Java values and their XLANG form</caption>
 *   <tr><th>Java (encode)</th><th>MessagePack</th><th>Java (decode)</th></tr>
 *   <tr><td>null</td><td>nil</td><td>null</td></tr>
 *   <tr><td>Boolean</td><td>bool</td><td>Boolean</td></tr>
 *   <tr><td>Byte, Short, Integer, Long, BigInteger in [-2^63, 2^64-1]</td><td>int</td>
 *       <td>Long; BigInteger above Long.MAX_VALUE</td></tr>
 *   <tr><td>BigInteger outside that range</td><td>ext 1: big-endian two's complement, fewest
 *       bytes</td><td>BigInteger</td></tr>
 *   <tr><td>Float, Double</td><td>float 64 (float 32 read too)</td><td>Double</td></tr>
 *   <tr><td>String, Character</td><td>str</td><td>String</td></tr>
 *   <tr><td>byte[]</td><td>bin</td><td>byte[]</td></tr>
 *   <tr><td>List, other arrays</td><td>array</td><td>ArrayList</td></tr>
 *   <tr><td>Map</td><td>map</td><td>LinkedHashMap (order kept)</td></tr>
 *   <tr><td>ObjectRef</td><td>ext 2: [object ID bin, owner Address bin]</td><td>ObjectRef</td></tr>
 *   <tr><td>ActorHandle</td><td>ext 3: [actor ID bin, language int (0 Python, 1 Java)]</td>
 *       <td>ActorHandle</td></tr>
 *   <tr><td>VectorSchemaRoot (its current batch)</td><td>ext 4: an Arrow IPC stream</td>
 *       <td>VectorSchemaRoot, which the receiver closes</td></tr>
 * </table>
 *
 * <p>Refs met while encoding are the value's nested refs; refs and handles decoded are registered
 * with the {@link ReferenceTracker}, as Fory-serialized values' are. Thread-safe.
 */
public final class XlangCodec {
  /** The metadata tag of XLANG values. */
  public static final byte[] XLANG = "XLANG".getBytes(US_ASCII);

  public static final byte EXT_BIG_INT = 1;
  public static final byte EXT_OBJECT_REF = 2;
  public static final byte EXT_ACTOR_HANDLE = 3;
  public static final byte EXT_ARROW = 4;

  /** Language numbers inside ext 3 (the proto {@code Language}). */
  public static final int LANGUAGE_PYTHON = 0;

  public static final int LANGUAGE_JAVA = 1;

  // Deeper values are refused rather than overflowing the stack (and self-containing lists).
  static final int MAX_DEPTH = 512;

  private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger UINT64_MAX =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private static final String FORMS =
      "XLANG values are null, Boolean, Byte/Short/Integer/Long/BigInteger, Float/Double, "
          + "String, byte[], List and arrays, Map, ObjectRef and ActorHandle";

  private final ReferenceTracker tracker;

  /**
   * @param tracker told about the refs and actor handles found in decoded values
   */
  public XlangCodec(ReferenceTracker tracker) {
    this.tracker = tracker;
  }

  // ------------------------------------------------------------------ encoding

  /**
   * Encodes {@code value} for another language.
   *
   * @param purpose names the value in errors, e.g. {@code "argument 0"}
   * @param target whom it goes to, e.g. {@code "PYTHON function"}
   * @throws IllegalArgumentException if the value (or one inside it) has no XLANG form; the message
   *     names the value's type and {@code target}
   */
  public SerializedValue serialize(Object value, String purpose, String target) {
    List<ObjectRefImpl<?>> refs = new ArrayList<>();
    byte[] data = encode(value, refs, purpose, target);
    return new SerializedValue(XLANG, data, refs);
  }

  /** Encodes {@code value}, appending the refs found to {@code nestedRefs}. */
  public byte[] encode(Object value, List<ObjectRefImpl<?>> nestedRefs) {
    return encode(value, nestedRefs, "the value", "another language");
  }

  private byte[] encode(
      Object value, List<ObjectRefImpl<?>> nestedRefs, String purpose, String target) {
    try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
      new Encoder(packer, nestedRefs).write(value, 0);
      return packer.toByteArray();
    } catch (NoForm e) {
      throw new IllegalArgumentException(noFormMessage(value, e, purpose, target), e);
    } catch (IOException e) {
      throw new IllegalStateException("MessagePack could not write to memory", e);
    }
  }

  private static String noFormMessage(Object value, NoForm e, String purpose, String target) {
    String type = typeName(value);
    String prefix = "cannot pass " + purpose + " of type " + type + " to a " + target + ": ";
    if (e.value == value) {
      return prefix + e.reason + " (" + FORMS + ")";
    }
    String reason = e.reason.replace(" for it", " for the " + typeName(e.value) + " inside it");
    return prefix + reason + " (" + FORMS + ")";
  }

  private static String typeName(Object value) {
    return value == null ? "null" : value.getClass().getName();
  }

  /** A value with no XLANG form: {@code reason} ends with "for it". */
  private static final class NoForm extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Object value;
    final String reason;

    NoForm(Object value, String reason) {
      super(reason, null, false, false);
      this.value = value;
      this.reason = reason;
    }
  }

  private static final class Encoder {
    private final MessagePacker packer;
    private final List<ObjectRefImpl<?>> refs;

    Encoder(MessagePacker packer, List<ObjectRefImpl<?>> refs) {
      this.packer = packer;
      this.refs = refs;
    }

    void write(Object value, int depth) throws IOException {
      if (depth > MAX_DEPTH) {
        throw new NoForm(
            value, "XLANG has no form for values nested deeper than " + MAX_DEPTH + " levels");
      }
      if (value == null) {
        packer.packNil();
      } else if (value instanceof Boolean) {
        packer.packBoolean((Boolean) value);
      } else if (value instanceof Long
          || value instanceof Integer
          || value instanceof Short
          || value instanceof Byte) {
        packer.packLong(((Number) value).longValue());
      } else if (value instanceof BigInteger) {
        writeBigInteger((BigInteger) value);
      } else if (value instanceof Double || value instanceof Float) {
        packer.packDouble(((Number) value).doubleValue());
      } else if (value instanceof String) {
        packer.packString((String) value);
      } else if (value instanceof Character) {
        packer.packString(value.toString());
      } else if (value instanceof byte[]) {
        byte[] bytes = (byte[]) value;
        packer.packBinaryHeader(bytes.length);
        packer.writePayload(bytes);
      } else if (value instanceof List) {
        List<?> list = (List<?>) value;
        packer.packArrayHeader(list.size());
        for (Object item : list) {
          write(item, depth + 1);
        }
      } else if (value.getClass().isArray()) {
        int length = Array.getLength(value);
        packer.packArrayHeader(length);
        for (int i = 0; i < length; i++) {
          write(Array.get(value, i), depth + 1);
        }
      } else if (value instanceof Map) {
        Map<?, ?> map = (Map<?, ?>) value;
        packer.packMapHeader(map.size());
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          write(entry.getKey(), depth + 1);
          write(entry.getValue(), depth + 1);
        }
      } else if (value instanceof ObjectRefImpl) {
        writeRef((ObjectRefImpl<?>) value);
      } else if (value instanceof ActorHandleImpl) {
        writeActor((ActorHandleImpl<?>) value);
      } else if (value instanceof VectorSchemaRoot) {
        writeArrow((VectorSchemaRoot) value);
      } else if (value instanceof ObjectRef || value instanceof ActorHandle) {
        throw new NoForm(value, "it was not made by Colony: XLANG has no form for it");
      } else {
        throw new NoForm(value, "XLANG has no form for it");
      }
    }

    private void writeArrow(VectorSchemaRoot root) throws IOException {
      List<ByteBuffer> pieces = ArrowIpcWriter.write(root);
      int length = 0;
      for (ByteBuffer piece : pieces) {
        length += piece.remaining();
      }
      packer.packExtensionTypeHeader(EXT_ARROW, length);
      for (ByteBuffer piece : pieces) {
        byte[] bytes = new byte[piece.remaining()];
        piece.duplicate().get(bytes);
        packer.writePayload(bytes);
      }
    }

    private void writeBigInteger(BigInteger value) throws IOException {
      if (value.compareTo(INT64_MIN) >= 0 && value.compareTo(UINT64_MAX) <= 0) {
        packer.packBigInteger(value); // int family; uint 64 above Long.MAX_VALUE
        return;
      }
      byte[] bytes = value.toByteArray(); // two's complement, big-endian, fewest bytes
      packer.packExtensionTypeHeader(EXT_BIG_INT, bytes.length);
      packer.writePayload(bytes);
    }

    private void writeRef(ObjectRefImpl<?> ref) throws IOException {
      byte[] payload;
      try (MessageBufferPacker inner = MessagePack.newDefaultBufferPacker()) {
        byte[] id = ref.id();
        byte[] owner = ref.ownerAddress();
        inner.packArrayHeader(2);
        inner.packBinaryHeader(id.length);
        inner.writePayload(id);
        inner.packBinaryHeader(owner.length);
        inner.writePayload(owner);
        payload = inner.toByteArray();
      }
      packer.packExtensionTypeHeader(EXT_OBJECT_REF, payload.length);
      packer.writePayload(payload);
      if (refs != null) {
        refs.add(ref);
      }
    }

    private void writeActor(ActorHandleImpl<?> handle) throws IOException {
      byte[] payload;
      try (MessageBufferPacker inner = MessagePack.newDefaultBufferPacker()) {
        byte[] id = handle.actorId();
        inner.packArrayHeader(2);
        inner.packBinaryHeader(id.length);
        inner.writePayload(id);
        inner.packInt(handle.language() == Language.PYTHON ? LANGUAGE_PYTHON : LANGUAGE_JAVA);
        payload = inner.toByteArray();
      }
      packer.packExtensionTypeHeader(EXT_ACTOR_HANDLE, payload.length);
      packer.writePayload(payload);
    }
  }

  // ------------------------------------------------------------------ decoding

  /**
   * Decodes an XLANG value: see the class comment for the Java types.
   *
   * @throws ColonyException if {@code data} is not a valid XLANG value (the message says why, e.g.
   *     an unknown extension type)
   */
  public Object decode(byte[] data) {
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(data)) {
      if (!unpacker.hasNext()) {
        throw new ColonyException("an XLANG value is empty");
      }
      Object value = read(unpacker, 0);
      if (unpacker.hasNext()) {
        throw new ColonyException(
            "an XLANG value has "
                + (data.length - unpacker.getTotalReadBytes())
                + " trailing byte(s) after its MessagePack value");
      }
      return value;
    } catch (IOException | MessagePackException e) {
      throw new ColonyException("could not decode an XLANG value: " + e.getMessage(), e);
    }
  }

  private Object read(MessageUnpacker unpacker, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new ColonyException("an XLANG value is nested deeper than " + MAX_DEPTH + " levels");
    }
    MessageFormat format = unpacker.getNextFormat();
    switch (format.getValueType()) {
      case NIL:
        unpacker.unpackNil();
        return null;
      case BOOLEAN:
        return unpacker.unpackBoolean();
      case INTEGER:
        if (format == MessageFormat.UINT64) {
          BigInteger value = unpacker.unpackBigInteger();
          return value.bitLength() < 64 ? (Object) value.longValue() : value;
        }
        return unpacker.unpackLong();
      case FLOAT:
        return unpacker.unpackDouble(); // float 32 and 64
      case STRING:
        return unpacker.unpackString();
      case BINARY:
        return unpacker.readPayload(unpacker.unpackBinaryHeader());
      case ARRAY:
        {
          int size = unpacker.unpackArrayHeader();
          List<Object> list = new ArrayList<>(Math.min(size, 1024));
          for (int i = 0; i < size; i++) {
            list.add(read(unpacker, depth + 1));
          }
          return list;
        }
      case MAP:
        {
          int size = unpacker.unpackMapHeader();
          Map<Object, Object> map = new LinkedHashMap<>();
          for (int i = 0; i < size; i++) {
            Object key = read(unpacker, depth + 1);
            map.put(key, read(unpacker, depth + 1));
          }
          return map;
        }
      case EXTENSION:
        {
          ExtensionTypeHeader header = unpacker.unpackExtensionTypeHeader();
          return readExtension(header.getType(), unpacker.readPayload(header.getLength()));
        }
      default:
        throw new ColonyException("an XLANG value holds a MessagePack " + format);
    }
  }

  private Object readExtension(byte type, byte[] payload) throws IOException {
    switch (type) {
      case EXT_BIG_INT:
        if (payload.length == 0) {
          throw new ColonyException("an XLANG big integer (extension type 1) has no bytes");
        }
        return new BigInteger(payload);
      case EXT_OBJECT_REF:
        return readRef(payload);
      case EXT_ACTOR_HANDLE:
        return readActor(payload);
      case EXT_ARROW:
        try {
          return ArrowIpcReader.read(payload);
        } catch (IllegalArgumentException e) {
          throw new ColonyException(
              "an XLANG Arrow value (extension type 4) is " + e.getMessage(), e);
        }
      default:
        throw new ColonyException(
            "an XLANG value has an unknown MessagePack extension type "
                + type
                + " (known: 1 big integer, 2 object ref, 3 actor handle, 4 Arrow stream)");
    }
  }

  private ObjectRefImpl<?> readRef(byte[] payload) throws IOException {
    try (MessageUnpacker inner = MessagePack.newDefaultUnpacker(payload)) {
      expectArray(inner, "object ref (extension type 2)");
      byte[] id = readBin(inner, "object ref's ID");
      byte[] owner = readBin(inner, "object ref's owner address");
      if (id.length != ObjectIds.OBJECT_ID_SIZE) {
        throw new ColonyException(
            "an XLANG object ref has an ID of "
                + id.length
                + " bytes, not "
                + ObjectIds.OBJECT_ID_SIZE);
      }
      // The ref (with its local count) before the registration: see ReferenceTracker.
      ObjectRefImpl<?> ref = new ObjectRefImpl<>(id, owner, tracker);
      tracker.registerBorrowedRef(id, owner);
      return ref;
    }
  }

  private ActorHandleImpl<?> readActor(byte[] payload) throws IOException {
    try (MessageUnpacker inner = MessagePack.newDefaultUnpacker(payload)) {
      expectArray(inner, "actor handle (extension type 3)");
      byte[] id = readBin(inner, "actor handle's ID");
      if (id.length != ActorHandleImpl.ACTOR_ID_SIZE) {
        throw new ColonyException(
            "an XLANG actor handle has an ID of "
                + id.length
                + " bytes, not "
                + ActorHandleImpl.ACTOR_ID_SIZE);
      }
      if (inner.getNextFormat().getValueType() != ValueType.INTEGER) {
        throw new ColonyException("an XLANG actor handle's language is not an integer");
      }
      long number = inner.unpackLong();
      Language language;
      if (number == LANGUAGE_PYTHON) {
        language = Language.PYTHON;
      } else if (number == LANGUAGE_JAVA) {
        language = Language.JAVA;
      } else {
        throw new ColonyException(
            "an XLANG actor handle has the unknown language " + number + " (0 Python, 1 Java)");
      }
      ActorTableData record = tracker.lookUpActor(id);
      ActorHandleImpl<?> handle =
          record != null
              ? ActorHandleImpl.fromActorTable(record)
              : new ActorHandleImpl<>(id, language, "", "", -1, 0);
      tracker.registerActorHandle(id, handle.maxPendingCalls(), handle.maxTaskRetries());
      return handle;
    }
  }

  private static void expectArray(MessageUnpacker inner, String what) throws IOException {
    if (!inner.hasNext()
        || inner.getNextFormat().getValueType() != ValueType.ARRAY
        || inner.unpackArrayHeader() != 2) {
      throw new ColonyException("an XLANG " + what + " is not a MessagePack array of 2 items");
    }
  }

  private static byte[] readBin(MessageUnpacker inner, String what) throws IOException {
    if (inner.getNextFormat().getValueType() != ValueType.BINARY) {
      throw new ColonyException("an XLANG " + what + " is not MessagePack bin");
    }
    return inner.readPayload(inner.unpackBinaryHeader());
  }
}
