package io.colony.runtime.object;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ObjectIdsTest {
  @Test
  void returnIdIsTaskIdThenLittleEndianIndex() {
    byte[] task = Refs.id(7, 16);
    byte[] id = ObjectIds.forReturn(task, 258);
    assertEquals(20, id.length);
    assertArrayEquals(task, Arrays.copyOf(id, 16));
    assertArrayEquals(new byte[] {2, 1, 0, 0}, Arrays.copyOfRange(id, 16, 20));
  }

  @Test
  void taskIdMustHaveSixteenBytes() {
    assertThrows(IllegalArgumentException.class, () -> ObjectIds.forReturn(new byte[4], 1));
  }

  @Test
  void refsAreEqualByIdAndCopyTheirBytes() {
    ObjectRefImpl<Integer> a = Refs.ref(1);
    ObjectRefImpl<Integer> b = Refs.ref(1);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, Refs.ref(2));
    a.id()[0] = 9;
    assertEquals(b, a);
    assertEquals("ObjectRef(" + "01".repeat(20) + ")", a.toString());
  }

  @Test
  void trackedRefsCountThemselves() {
    RecordingTracker tracker = new RecordingTracker(true);
    new ObjectRefImpl<Integer>(Refs.id(3, 20), Refs.address(1), tracker);
    assertEquals("add:" + "03".repeat(20), tracker.events.get(0));
  }
}
