package io.colony.runtime.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.colony.runtime.actor.ActorHandleImpl;
import io.colony.runtime.fixtures.Point;
import io.colony.runtime.object.ObjectRefImpl;
import io.colony.runtime.object.RecordingTracker;
import io.colony.runtime.object.Refs;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What {@link ObjectSerializer#serializeStored} (Colony.put, returns) writes as XLANG. */
class StoredValuesTest {
  private final RecordingTracker tracker = new RecordingTracker();
  private final ObjectSerializer serializer =
      new ObjectSerializer(getClass().getClassLoader(), tracker);

  private String tagOf(Object value) {
    return new String(serializer.serializeStored(value, "a test value").metadata());
  }

  private Object roundTrip(Object value) {
    SerializedValue stored = serializer.serializeStored(value, "a test value");
    return serializer.deserialize(stored.metadata(), stored.data());
  }

  @Test
  void neutralValuesAreXlangAndReadBackEqual() {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("xs", List.of(1L, 2L));
    nested.put("name", "héllo ✓");
    nested.put("none", null);
    HashMap<Object, Object> mixedKeys = new HashMap<>();
    mixedKeys.put(1L, "one");
    mixedKeys.put("two", 2.5);
    mixedKeys.put(true, List.of());
    for (Object value :
        List.of(
            List.of(1L, 2L),
            new ArrayList<>(List.of("a", 3.5, false)),
            Arrays.asList(1L, null, "x"),
            Collections.unmodifiableList(new ArrayList<>(List.of(7L))),
            new ArrayList<>(List.of(1L, 2L, 3L)).subList(1, 3),
            Map.of("k", List.of(1L, "x")),
            nested,
            mixedKeys,
            Long.MAX_VALUE,
            -0.5,
            "text",
            true,
            List.of(List.of(List.of())))) {
      assertEquals("XLANG", tagOf(value), value::toString);
      assertEquals(value, roundTrip(value), value::toString);
    }
    assertEquals("XLANG", tagOf(null));
    assertEquals(null, roundTrip(null));
  }

  @Test
  void bytesStayRawAndInsideListsAreXlang() {
    assertEquals("RAW", tagOf(new byte[] {1, 2}));
    List<Object> list = List.of(new byte[] {1, 2}, 3L);
    assertEquals("XLANG", tagOf(list));
    List<?> back = (List<?>) roundTrip(list);
    assertArrayEquals(new byte[] {1, 2}, (byte[]) back.get(0));
  }

  @Test
  void refsAndHandlesInsideNeutralValuesAreXlangAndCollected() {
    ObjectRefImpl<Object> ref = Refs.ref(3);
    ActorHandleImpl<Object> handle = new ActorHandleImpl<>(Refs.id(4, 16), "a.Counter", 10, 0);
    SerializedValue stored = serializer.serializeStored(List.of(ref, handle), "refs");
    assertEquals("XLANG", new String(stored.metadata()));
    assertEquals(List.of(ref), stored.nestedRefs());
    List<?> back = (List<?>) serializer.deserialize(stored.metadata(), stored.data());
    assertEquals(ref, back.get(0));
    assertInstanceOf(ActorHandleImpl.class, back.get(1));
  }

  @Test
  void valuesThatWouldChangeTypeStayJava() {
    Map<List<Long>, Long> listKeys = new HashMap<>();
    listKeys.put(List.of(1L), 1L);
    for (Object value :
        List.of(
            1, // Integer would come back as Long
            List.of(1, 2),
            (short) 3,
            2.5f,
            'c',
            BigInteger.ONE,
            new long[] {1, 2},
            new LinkedList<>(List.of(1L)),
            Set.of(1L),
            new TreeMap<>(Map.of("a", 1L)),
            Collections.unmodifiableSortedMap(new TreeMap<>(Map.of("a", 1L))),
            listKeys,
            List.of(new Point(1, 2, "p")),
            "lone \uD800 surrogate")) {
      assertEquals("JAVA", tagOf(value), value::toString);
      Object back = roundTrip(value);
      if (value.getClass().isArray()) {
        assertArrayEquals((long[]) value, (long[]) back);
      } else {
        assertEquals(value, back, value::toString);
        assertEquals(value.getClass(), back.getClass(), value::toString);
      }
    }
  }

  @Test
  void selfContainingAndVeryDeepListsStayJava() {
    List<Object> self = new ArrayList<>();
    self.add(self);
    assertEquals("JAVA", tagOf(self));
    List<Object> deep = new ArrayList<>();
    List<Object> inner = deep;
    for (int i = 0; i < XlangCodec.MAX_DEPTH + 10; i++) {
      List<Object> next = new ArrayList<>();
      inner.add(next);
      inner = next;
    }
    assertEquals("JAVA", tagOf(deep));
  }
}
