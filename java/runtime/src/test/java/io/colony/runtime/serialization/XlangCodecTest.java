package io.colony.runtime.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ActorHandle;
import io.colony.api.ObjectRef;
import io.colony.api.exception.ColonyException;
import io.colony.runtime.actor.ActorHandleImpl;
import io.colony.runtime.fixtures.Point;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.object.ObjectRefImpl;
import io.colony.runtime.object.RecordingTracker;
import io.colony.runtime.object.Refs;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

class XlangCodecTest {
  private final RecordingTracker tracker = new RecordingTracker();
  private final XlangCodec codec = new XlangCodec(tracker);

  private Object roundTrip(Object value) {
    return codec.decode(codec.encode(value, new ArrayList<>()));
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private String encodedHex(Object value) {
    return hex(codec.encode(value, null));
  }

  @Test
  void scalarsRoundTripToTheirDecodedTypes() {
    assertNull(roundTrip(null));
    assertEquals(true, roundTrip(true));
    assertEquals(false, roundTrip(false));
    assertEquals(7L, roundTrip(7));
    assertEquals(7L, roundTrip((byte) 7));
    assertEquals(-300L, roundTrip((short) -300));
    assertEquals(-123456L, roundTrip(-123456L));
    assertEquals(Long.MAX_VALUE, roundTrip(Long.MAX_VALUE));
    assertEquals(Long.MIN_VALUE, roundTrip(Long.MIN_VALUE));
    assertEquals(3.25, roundTrip(3.25));
    assertEquals(2.5, roundTrip(2.5f));
    assertEquals(Double.NaN, roundTrip(Double.NaN));
    assertEquals("héllo wörld ✓ 日本", roundTrip("héllo wörld ✓ 日本"));
    assertEquals("", roundTrip(""));
    assertEquals("x", roundTrip('x'));
    assertArrayEquals(new byte[] {0, 1, (byte) 0xff}, (byte[]) roundTrip(new byte[] {0, 1, -1}));
  }

  @Test
  void integersUseTheSmallestEncoding() {
    assertEquals("07", encodedHex(7));
    assertEquals("ff", encodedHex(-1));
    assertEquals("cc80", encodedHex(128));
    assertEquals("d2fffe1dc0", encodedHex(-123456));
    assertEquals("cf7fffffffffffffff", encodedHex(Long.MAX_VALUE));
    assertEquals("07", encodedHex(BigInteger.valueOf(7)));
    assertEquals("cb400a000000000000", encodedHex(3.25));
  }

  @Test
  void bigIntegersAtTheEdgesOfMessagePackInts() {
    BigInteger uint64Max = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    assertEquals("cfffffffffffffffff", encodedHex(uint64Max));
    assertEquals(uint64Max, roundTrip(uint64Max));
    BigInteger aboveLong = BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE);
    assertEquals(aboveLong, roundTrip(aboveLong));
    // BigIntegers that fit a long come back as Long.
    assertEquals(Long.MIN_VALUE, roundTrip(BigInteger.valueOf(Long.MIN_VALUE)));
  }

  @Test
  void integersOutsideTheInt64AndUint64RangeAreExtensionOne() {
    BigInteger twoTo64 = BigInteger.ONE.shiftLeft(64);
    assertEquals("c7090101" + "0000000000000000", encodedHex(twoTo64));
    BigInteger belowLongMin = BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE);
    assertEquals("c70901ff7fffffffffffffff", encodedHex(belowLongMin));
    BigInteger big = BigInteger.ONE.shiftLeft(100);
    assertEquals("c70d01" + "10" + "000000000000000000000000", encodedHex(big));
    for (BigInteger value :
        List.of(twoTo64, belowLongMin, big, big.negate().subtract(BigInteger.valueOf(7)))) {
      Object back = roundTrip(value);
      assertInstanceOf(BigInteger.class, back);
      assertEquals(value, back);
    }
  }

  @Test
  void float32IsReadAsDouble() throws Exception {
    byte[] data;
    try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
      packer.packFloat(1.5f);
      data = packer.toByteArray();
    }
    assertEquals("ca3fc00000", hex(data));
    assertEquals(1.5, codec.decode(data));
  }

  @Test
  void collectionsAndArrays() {
    Map<Object, Object> map = new LinkedHashMap<>();
    map.put("b", List.of(1, 2));
    map.put("a", null);
    map.put(3, "three");
    Object back = roundTrip(map);
    assertInstanceOf(LinkedHashMap.class, back);
    assertEquals(List.of("b", "a", 3L), new ArrayList<>(((Map<?, ?>) back).keySet()));
    assertEquals(List.of(1L, 2L), ((Map<?, ?>) back).get("b"));
    assertEquals("three", ((Map<?, ?>) back).get(3L));

    assertInstanceOf(ArrayList.class, roundTrip(List.of()));
    assertEquals(List.of(1L, "two", 3.5), roundTrip(new Object[] {1, "two", 3.5}));
    assertEquals(List.of(1L, 2L, 3L), roundTrip(new int[] {1, 2, 3}));
    assertEquals(List.of(0.5, 1.0), roundTrip(new double[] {0.5, 1.0}));
    assertEquals(List.of(true, false), roundTrip(new boolean[] {true, false}));
    assertEquals(List.of(List.of(List.of(3L))), roundTrip(List.of(List.of(List.of(3)))));
  }

  @Test
  void objectRefsAreExtensionTwoAndNestedRefs() throws Exception {
    ObjectRefImpl<Object> ref = Refs.ref(4);
    List<ObjectRefImpl<?>> nested = new ArrayList<>();
    byte[] data = codec.encode(List.of("x", ref), nested);
    assertEquals(List.of(ref), nested);

    byte[] payload;
    try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
      packer.packArrayHeader(2);
      packer.packBinaryHeader(20);
      packer.writePayload(ref.id());
      packer.packBinaryHeader(ref.ownerAddress().length);
      packer.writePayload(ref.ownerAddress());
      payload = packer.toByteArray();
    }
    assertTrue(hex(data).endsWith(hex(payload)));

    List<?> back = (List<?>) codec.decode(data);
    ObjectRefImpl<?> decoded = (ObjectRefImpl<?>) back.get(1);
    assertEquals(ref, decoded);
    assertArrayEquals(ref.ownerAddress(), decoded.ownerAddress());
    assertEquals(
        List.of("borrow:" + hex(ref.id()) + "@" + hex(ref.ownerAddress())), tracker.events);
  }

  @Test
  void actorHandlesAreExtensionThreeWithTheirLanguage() {
    byte[] id = Refs.id(9, 16);
    ActorHandleImpl<Object> java = new ActorHandleImpl<>(id, "a.Counter", 10, 2);
    String expected = "c71403" + "92" + "c410" + hex(id) + "01";
    assertEquals(expected, encodedHex(java));
    ActorHandleImpl<?> back = (ActorHandleImpl<?>) roundTrip(java);
    assertEquals(java, back);
    assertEquals(Language.JAVA, back.language());
    // Without a cluster to ask, limits are the defaults: no pending-call limit, no retries.
    assertEquals(List.of("actor:" + hex(id) + "/-1/0"), tracker.events);

    ActorHandleImpl<Object> python =
        new ActorHandleImpl<>(Refs.id(8, 16), Language.PYTHON, "Counter", "mod", -1, 0);
    assertTrue(encodedHex(python).endsWith("00"));
    assertEquals(Language.PYTHON, ((ActorHandleImpl<?>) roundTrip(python)).language());
  }

  @Test
  void unknownExtensionTypesAreNamed() {
    ColonyException e =
        assertThrows(ColonyException.class, () -> codec.decode(HexFormat.of().parseHex("d40700")));
    assertTrue(e.getMessage().contains("unknown MessagePack extension type 7"), e.getMessage());
    // The MessagePack timestamp type (-1) is no XLANG type either.
    e =
        assertThrows(
            ColonyException.class, () -> codec.decode(HexFormat.of().parseHex("d6ff00000001")));
    assertTrue(e.getMessage().contains("extension type -1"), e.getMessage());
  }

  @Test
  void malformedValuesAreErrors() {
    assertThrows(ColonyException.class, () -> codec.decode(new byte[0]));
    ColonyException trailing =
        assertThrows(ColonyException.class, () -> codec.decode(new byte[] {1, 2}));
    assertTrue(trailing.getMessage().contains("1 trailing byte"), trailing.getMessage());
    assertThrows(ColonyException.class, () -> codec.decode(new byte[] {(byte) 0x92, 1}));
    // ext 2 whose payload is not [bin, bin]
    assertThrows(ColonyException.class, () -> codec.decode(HexFormat.of().parseHex("d40201")));
  }

  @Test
  void valuesWithoutXlangFormNameTheirTypeAndTarget() {
    Point point = new Point(1, 2, "p");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> codec.serialize(point, "argument 0", "PYTHON function"));
    assertTrue(
        e.getMessage()
            .startsWith(
                "cannot pass argument 0 of type "
                    + Point.class.getName()
                    + " to a PYTHON function: XLANG has no form for it"),
        e.getMessage());

    IllegalArgumentException nested =
        assertThrows(
            IllegalArgumentException.class,
            () -> codec.serialize(List.of(1, Map.of("p", point)), "argument 2", "PYTHON function"));
    assertTrue(nested.getMessage().contains("argument 2 of type "), nested.getMessage());
    assertTrue(
        nested.getMessage().contains("no form for the " + Point.class.getName() + " inside it"),
        nested.getMessage());

    ObjectRef<Object> foreign = () -> "x";
    assertThrows(IllegalArgumentException.class, () -> codec.encode(foreign, null));
    ActorHandle<Object> foreignActor = () -> "y";
    assertThrows(IllegalArgumentException.class, () -> codec.encode(foreignActor, null));
    assertThrows(IllegalArgumentException.class, () -> codec.encode(java.util.Set.of(1), null));
  }

  @Test
  void selfContainingListsAreRefusedNotOverflowed() {
    List<Object> list = new ArrayList<>();
    list.add(list);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> codec.encode(list, null));
    assertTrue(e.getMessage().contains("nested deeper than"), e.getMessage());
  }

  @Test
  void serializeTagsTheValueXlang() {
    SerializedValue value = codec.serialize(Arrays.asList(1, null), "argument 0", "PYTHON");
    assertArrayEquals(XlangCodec.XLANG, value.metadata());
    assertEquals("XLANG", new String(value.metadata(), java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals("9201c0", hex(value.data()));
  }
}
