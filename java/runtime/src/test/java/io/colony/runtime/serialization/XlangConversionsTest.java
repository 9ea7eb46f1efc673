package io.colony.runtime.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ObjectRef;
import io.colony.runtime.object.ObjectRefImpl;
import io.colony.runtime.object.Refs;
import io.colony.runtime.serialization.XlangConversions.ConversionException;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class XlangConversionsTest {
  // Generic types come from these fields' declarations.
  List<Integer> listOfInteger;
  Collection<? extends Short> collectionOfShort;
  Set<String> setOfString;
  Map<String, Integer> mapStringInteger;
  List<List<Byte>> listOfListOfByte;
  List<?> wildcardList;

  private static Type field(String name) throws NoSuchFieldException {
    return XlangConversionsTest.class.getDeclaredField(name).getGenericType();
  }

  private static Object convert(Object value, Type type) {
    return XlangConversions.convert(value, type);
  }

  @Test
  void integersConvertToEveryIntegralTypeThatHoldsThem() {
    assertEquals(7, convert(7L, int.class));
    assertEquals(7, convert(7L, Integer.class));
    assertEquals((short) -7, convert(-7L, short.class));
    assertEquals((byte) 127, convert(127L, byte.class));
    assertEquals(7L, convert(7L, long.class));
    assertEquals(BigInteger.TEN, convert(10L, BigInteger.class));
    assertEquals(7.0, convert(7L, double.class));
    assertEquals(7.0f, convert(7L, Float.class));
    assertEquals(Long.MAX_VALUE, convert(BigInteger.valueOf(Long.MAX_VALUE), long.class));
    BigInteger big = BigInteger.ONE.shiftLeft(70);
    assertSame(big, convert(big, BigInteger.class));
    assertEquals(0x1p70, convert(big, double.class));
    assertEquals(5L, convert(5L, Number.class));
    assertEquals(5L, convert(5L, Object.class));
  }

  @Test
  void integersThatDoNotFitAreOutOfRange() {
    ConversionException e =
        assertThrows(ConversionException.class, () -> convert(1L << 31, int.class));
    assertTrue(e.isOutOfRange());
    assertEquals("the value 2147483648 does not fit int", e.getMessage());
    assertThrows(ConversionException.class, () -> convert(128L, byte.class));
    assertThrows(ConversionException.class, () -> convert(-32769L, Short.class));
    BigInteger uint64Max = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    assertTrue(
        assertThrows(ConversionException.class, () -> convert(uint64Max, long.class))
            .isOutOfRange());
  }

  @Test
  void floats() {
    assertEquals(2.5, convert(2.5, double.class));
    assertEquals(2.5f, convert(2.5, float.class));
    assertEquals(Float.POSITIVE_INFINITY, convert(Double.POSITIVE_INFINITY, float.class));
    assertTrue(
        assertThrows(ConversionException.class, () -> convert(1e300, float.class)).isOutOfRange());
    ConversionException e = assertThrows(ConversionException.class, () -> convert(2.5, int.class));
    assertFalse(e.isOutOfRange());
    assertEquals("a java.lang.Double (2.5) cannot become int", e.getMessage());
  }

  @Test
  void otherScalars() {
    assertEquals(true, convert(true, boolean.class));
    assertEquals("s", convert("s", String.class));
    assertEquals('c', convert("c", char.class));
    assertThrows(ConversionException.class, () -> convert("cd", char.class));
    assertThrows(ConversionException.class, () -> convert(1L, boolean.class));
    assertThrows(ConversionException.class, () -> convert(1L, String.class));
    byte[] bytes = {1, 2};
    assertSame(bytes, convert(bytes, byte[].class));
    ObjectRefImpl<Object> ref = Refs.ref(1);
    assertSame(ref, convert(ref, ObjectRef.class));
  }

  @Test
  void nullOnlyForReferenceTypes() {
    assertNull(convert(null, Integer.class));
    assertNull(convert(null, String.class));
    ConversionException e = assertThrows(ConversionException.class, () -> convert(null, int.class));
    assertEquals("null cannot become int", e.getMessage());
  }

  @Test
  void listsFollowTheirElementTypes() throws Exception {
    Object ints = convert(new ArrayList<>(List.of(1L, 2L)), field("listOfInteger"));
    assertEquals(List.of(1, 2), ints);
    assertInstanceOf(Integer.class, ((List<?>) ints).get(0));
    assertEquals(List.of((short) 3), convert(List.of(3L), field("collectionOfShort")));
    assertEquals(Set.of("a", "b"), convert(List.of("a", "b", "a"), field("setOfString")));
    assertEquals(
        List.of(List.of((byte) 1), List.of()),
        convert(List.of(List.of(1L), List.of()), field("listOfListOfByte")));
    List<Object> raw = new ArrayList<>(List.of(1L, "x"));
    assertSame(raw, convert(raw, field("wildcardList")));
    assertSame(raw, convert(raw, List.class));

    ConversionException e =
        assertThrows(
            ConversionException.class,
            () -> convert(List.of(1L, 1L << 40), field("listOfInteger")));
    assertEquals(
        "element 1: the value 1099511627776 does not fit java.lang.Integer", e.getMessage());
  }

  @Test
  void listsBecomeArrays() {
    assertArrayEquals(new int[] {1, 2}, (int[]) convert(List.of(1L, 2L), int[].class));
    assertArrayEquals(
        new double[] {1.0, 0.5}, (double[]) convert(List.of(1L, 0.5), double[].class));
    assertArrayEquals(new String[] {"a"}, (String[]) convert(List.of("a"), String[].class));
    assertArrayEquals(
        new long[][] {{1}, {}},
        (long[][]) convert(List.of(List.of(1L), List.of()), long[][].class));
    assertThrows(ConversionException.class, () -> convert(List.of("a"), int[].class));
  }

  @Test
  void mapsFollowTheirKeyAndValueTypes() throws Exception {
    Map<Object, Object> map = new LinkedHashMap<>();
    map.put("a", 1L);
    map.put("b", 2L);
    Object converted = convert(map, field("mapStringInteger"));
    assertEquals(Map.of("a", 1, "b", 2), converted);
    assertInstanceOf(Integer.class, ((Map<?, ?>) converted).get("a"));
    assertSame(map, convert(map, Map.class));
    map.put(3L, 3L);
    ConversionException e =
        assertThrows(ConversionException.class, () -> convert(map, field("mapStringInteger")));
    assertTrue(e.getMessage().startsWith("key 3: "), e.getMessage());
  }

  @Test
  void resultsConvertWhereARuleExistsAndStayAsDecodedOtherwise() {
    assertEquals(5, XlangConversions.convertResult(5L, Integer.class));
    assertEquals("x", XlangConversions.convertResult("x", Integer.class)); // no rule: as decoded
    assertEquals(List.of(1L), XlangConversions.convertResult(List.of(1L), Map.class));
    assertThrows(
        ConversionException.class, () -> XlangConversions.convertResult(1L << 40, Integer.class));
  }
}
