package io.colony.runtime.serialization;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ObjectRef;
import io.colony.api.exception.ColonyActorException;
import io.colony.api.exception.ColonyException;
import io.colony.api.exception.ColonyTaskException;
import io.colony.api.exception.CrossLanguageException;
import io.colony.api.exception.ObjectStoreFullException;
import io.colony.api.exception.OutOfMemoryException;
import io.colony.api.exception.OwnerDiedException;
import io.colony.api.exception.TaskCancelledException;
import io.colony.api.exception.WorkerCrashedException;
import io.colony.runtime.actor.ActorHandleImpl;
import io.colony.runtime.fixtures.Point;
import io.colony.runtime.generated.Common.ErrorType;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.generated.Common.ObjectValue;
import io.colony.runtime.object.ObjectRefImpl;
import io.colony.runtime.object.RecordingTracker;
import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.object.Refs;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ObjectSerializerTest {
  private final RecordingTracker tracker = new RecordingTracker();
  private final ObjectSerializer serializer =
      new ObjectSerializer(getClass().getClassLoader(), tracker);

  private Object roundTrip(Object value) {
    SerializedValue serialized = serializer.serialize(value, "a test value");
    return serializer.deserialize(serialized.metadata(), serialized.data());
  }

  @Test
  void primitivesAndStringsRoundTrip() {
    for (Object value :
        List.of(42, -7L, 3.5, 2.5f, true, 'x', (byte) 3, (short) 9, "", "héllo, 世界")) {
      assertEquals(value, roundTrip(value));
    }
    assertNull(roundTrip(null));
  }

  @Test
  void javaValuesAreTaggedJava() {
    SerializedValue value = serializer.serialize(1, "a test value");
    assertArrayEquals("JAVA".getBytes(US_ASCII), value.metadata());
    assertTrue(value.nestedRefs().isEmpty());
  }

  @Test
  void collectionsRoundTrip() {
    List<Integer> list = new ArrayList<>(List.of(1, 2, 3));
    Map<String, List<String>> map = new LinkedHashMap<>();
    map.put("a", List.of("x", "y"));
    map.put("b", List.of());
    assertEquals(list, roundTrip(list));
    assertEquals(map, roundTrip(map));
    assertEquals(new TreeSet<>(List.of(3, 1, 2)), roundTrip(new TreeSet<>(List.of(3, 1, 2))));
    assertArrayEquals(new int[] {1, 2}, (int[]) roundTrip(new int[] {1, 2}));
    assertEquals(Optional.of("v"), roundTrip(Optional.of("v")));
  }

  @Test
  void plainObjectsAndRecordsRoundTrip() {
    assertEquals(new Point(1, 2, "p"), roundTrip(new Point(1, 2, "p")));
    assertEquals(new Pair("k", 7), roundTrip(new Pair("k", 7)));
    assertEquals(Color.GREEN, roundTrip(Color.GREEN));
  }

  @Test
  void sharedObjectsStayShared() {
    Point p = new Point(1, 1, null);
    List<?> back = (List<?>) roundTrip(new ArrayList<>(List.of(p, p)));
    assertSame(back.get(0), back.get(1));
  }

  @Test
  void byteArraysAreRaw() {
    byte[] bytes = {0, 1, (byte) 0xff};
    SerializedValue value = serializer.serialize(bytes, "a test value");
    assertArrayEquals("RAW".getBytes(US_ASCII), value.metadata());
    assertArrayEquals(bytes, value.data());
    assertArrayEquals(bytes, (byte[]) serializer.deserialize(value.metadata(), value.data()));
  }

  @Test
  void exceptionsKeepMessageCauseAndStackTrace() {
    IllegalStateException original =
        new IllegalStateException("outer", new ArithmeticException("/ by zero"));
    Throwable back = (Throwable) roundTrip(original);
    assertInstanceOf(IllegalStateException.class, back);
    assertEquals("outer", back.getMessage());
    assertEquals("/ by zero", back.getCause().getMessage());
    assertArrayEquals(original.getStackTrace(), back.getStackTrace());
  }

  @Test
  void exceptionsWithCausesInsideValuesRoundTrip() {
    List<Object> value =
        new ArrayList<>(
            List.of(
                new RuntimeException("outer", new ClassNotFoundException("missing")),
                new ColonyException("m", new RuntimeException("inner"))));
    List<?> back = (List<?>) roundTrip(value);
    Throwable first = (Throwable) back.get(0);
    assertEquals("outer", first.getMessage());
    assertEquals("missing", first.getCause().getMessage());
    assertEquals("inner", ((Throwable) back.get(1)).getCause().getMessage());
  }

  @Test
  void taskErrorsAreErrorValuesWithTheRemoteTrace() {
    ColonyTaskException error = taskError(new IllegalArgumentException("bad"));
    SerializedValue value = serializer.serializeTaskError(error);
    assertArrayEquals("ERROR:1".getBytes(US_ASCII), value.metadata());
    assertTrue(ObjectSerializer.isError(value.metadata()));
    ColonyTaskException back =
        (ColonyTaskException) serializer.deserialize(value.metadata(), value.data());
    assertEquals("MathJob.square", back.getFunctionName());
    assertEquals(IllegalArgumentException.class.getName(), back.getCauseClassName());
    assertInstanceOf(IllegalArgumentException.class, back.getCause());
    assertTrue(back.getRemoteStackTrace().contains("ObjectSerializerTest"));
    assertTrue(
        back.getMessage()
            .startsWith("task MathJob.square failed with java.lang.IllegalArgumentException:\n"));
  }

  @Test
  void aCauseThatCannotBeRebuiltLeavesItsTrace() {
    ColonyTaskException error = taskError(new Unreadable("no way back"));
    SerializedValue value = serializer.serializeTaskError(error);
    ColonyTaskException back =
        (ColonyTaskException) serializer.deserialize(value.metadata(), value.data());
    assertNull(back.getCause());
    assertEquals(Unreadable.class.getName(), back.getCauseClassName());
    assertTrue(back.getRemoteStackTrace().contains("no way back"));
  }

  @Test
  void unserializableValuesNameThePurposeAndType() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> serializer.serialize(new Unwritable(), "argument 0 of MathJob.square"));
    assertTrue(
        e.getMessage()
            .startsWith(
                "could not serialize argument 0 of MathJob.square of type "
                    + Unwritable.class.getName()),
        e.getMessage());
  }

  @Test
  void nestedRefsAreCollectedOnceEach() {
    ObjectRefImpl<Integer> first = Refs.ref(1);
    ObjectRefImpl<Integer> second = Refs.ref(2);
    Map<String, Object> inner = new HashMap<>(Map.of("r", second));
    List<Object> value = new ArrayList<>(Arrays.asList(first, inner, first));
    SerializedValue serialized = serializer.serialize(value, "a test value");
    assertEquals(List.of(first, second), serialized.nestedRefs());
    ObjectValue proto = serialized.toProto();
    assertEquals(2, proto.getNestedRefsCount());
    assertEquals(1001, proto.getNestedRefs(0).getOwnerAddress().getPort());
    assertArrayEquals(first.id(), proto.getNestedRefs(0).getObjectId().toByteArray());
  }

  @Test
  void deserializedRefsAreRegisteredAsBorrowed() {
    ObjectRefImpl<Integer> ref = Refs.ref(5);
    List<?> back = (List<?>) roundTrip(new ArrayList<>(List.of(ref)));
    ObjectRef<?> copy = (ObjectRef<?>) back.get(0);
    assertEquals(ref, copy);
    assertArrayEquals(ref.ownerAddress(), ((ObjectRefImpl<?>) copy).ownerAddress());
    assertEquals(1, tracker.events.size());
    assertTrue(tracker.events.get(0).startsWith("borrow:" + "05".repeat(20) + "@"));
  }

  @Test
  void actorHandlesRoundTripAndRegister() {
    ActorHandleImpl<Object> handle =
        new ActorHandleImpl<>(Refs.id(4, 16), "io.example.Counter", 10, 2);
    ActorHandleImpl<?> back = (ActorHandleImpl<?>) roundTrip(handle);
    assertEquals(handle, back);
    assertEquals("io.example.Counter", back.className());
    assertEquals(10, back.maxPendingCalls());
    assertEquals(2, back.maxTaskRetries());
    assertEquals(List.of("actor:" + "04".repeat(16) + "/10/2"), tracker.events);
  }

  @Test
  void pythonActorHandlesKeepLanguageAndModuleInJavaValues() {
    ActorHandleImpl<Object> handle =
        new ActorHandleImpl<>(Refs.id(6, 16), Language.PYTHON, "Counter", "pkg.actors", -1, 1);
    ActorHandleImpl<?> back = (ActorHandleImpl<?>) ((List<?>) roundTrip(List.of(handle))).get(0);
    assertEquals(Language.PYTHON, back.language());
    assertEquals("Counter", back.className());
    assertEquals("pkg.actors", back.moduleName());
  }

  @Test
  void xlangValuesAreAlwaysReadable() {
    SerializedValue value =
        serializer.serializeXlang(List.of(1, "a", new byte[] {2}), "a test value", "PYTHON");
    assertEquals("XLANG", new String(value.metadata(), US_ASCII));
    assertTrue(ObjectSerializer.isXlang(value.metadata()));
    assertFalse(ObjectSerializer.isError(value.metadata()));
    List<?> back = (List<?>) serializer.deserialize(value.metadata(), value.data());
    assertEquals(1L, back.get(0));
    assertEquals("a", back.get(1));
    assertArrayEquals(new byte[] {2}, (byte[]) back.get(2));
  }

  @Test
  void crossLanguageErrorsCarryTheirFields() {
    SerializedValue value =
        serializer.serializeXlangError(
            "PYTHON", "ValueError", "bad value", "Traceback (most recent call last):\n  ...\n");
    assertEquals("ERROR:1:XLANG", new String(value.metadata(), US_ASCII));
    assertTrue(ObjectSerializer.isError(value.metadata()));
    Object error = serializer.deserialize(value.metadata(), value.data());
    CrossLanguageException e = assertInstanceOf(CrossLanguageException.class, error);
    assertEquals("PYTHON", e.getLanguage());
    assertEquals("ValueError", e.getTypeName());
    assertEquals("bad value", e.getRemoteMessage());
    assertEquals("Traceback (most recent call last):\n  ...\n", e.getRemoteStackTrace());
    assertEquals(
        "PYTHON exception ValueError: bad value\nTraceback (most recent call last):\n  ...",
        e.getMessage());
    // The payload is the XLANG map of docs/xlang.md, keys in this order.
    Map<?, ?> map = (Map<?, ?>) serializer.xlang().decode(value.data());
    assertEquals(List.of("language", "type", "message", "stack"), List.copyOf(map.keySet()));

    Object unreadable =
        serializer.deserialize("ERROR:1:XLANG".getBytes(US_ASCII), new byte[] {(byte) 0xc1});
    assertInstanceOf(CrossLanguageException.class, unreadable);
    assertNull(((CrossLanguageException) unreadable).getLanguage());
  }

  @Test
  void systemErrorsBecomeTheirExceptions() {
    assertError(ErrorType.WORKER_DIED, WorkerCrashedException.class);
    assertError(ErrorType.OUT_OF_MEMORY, OutOfMemoryException.class);
    assertError(ErrorType.TASK_CANCELLED, TaskCancelledException.class);
    assertError(ErrorType.OWNER_DIED, OwnerDiedException.class);
    assertError(ErrorType.ACTOR_DIED, ColonyActorException.class);
    assertError(ErrorType.OBJECT_STORE_FULL, ObjectStoreFullException.class);
    Object unknown = serializer.deserialize("ERROR:99".getBytes(US_ASCII), "?".getBytes(UTF_8));
    assertEquals("error of unknown type 99: ?", ((ColonyException) unknown).getMessage());
  }

  @Test
  void pythonValuesAndErrorsAreCrossLanguage() {
    CrossLanguageException e =
        assertThrows(
            CrossLanguageException.class,
            () -> serializer.deserialize("PYTHON".getBytes(US_ASCII), new byte[] {(byte) 0x80}));
    assertTrue(e.getMessage().contains("metadata 'PYTHON'"));
    Object error =
        serializer.deserialize("ERROR:1".getBytes(US_ASCII), new byte[] {(byte) 0x80, 5});
    assertInstanceOf(CrossLanguageException.class, error);
  }

  @Test
  void metadataOtherThanErrorIsNoError() {
    assertFalse(ObjectSerializer.isError("JAVA".getBytes(US_ASCII)));
    assertFalse(ObjectSerializer.isError("RAW".getBytes(US_ASCII)));
  }

  @Test
  void refsWithoutTrackerStillDeserialize() {
    ObjectSerializer plain =
        new ObjectSerializer(getClass().getClassLoader(), ReferenceTracker.NONE);
    SerializedValue value = plain.serialize(Refs.ref(3), "a ref");
    assertEquals(Refs.ref(3), plain.deserialize(value.metadata(), value.data()));
  }

  private void assertError(ErrorType type, Class<? extends ColonyException> expected) {
    Object error =
        serializer.deserialize(
            ObjectSerializer.errorMetadata(type), ("died: " + type).getBytes(UTF_8));
    assertInstanceOf(expected, error);
    assertEquals("died: " + type, ((Throwable) error).getMessage());
  }

  private static ColonyTaskException taskError(Throwable cause) {
    return new ColonyTaskException(
        "MathJob.square", cause.getClass().getName(), trace(cause), cause);
  }

  private static String trace(Throwable t) {
    java.io.StringWriter text = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(text));
    return text.toString();
  }

  record Pair(String key, int value) {}

  enum Color {
    RED,
    GREEN
  }

  /** Serializes, but its readObject refuses to rebuild it. */
  static final class Unreadable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreadable(String message) {
      super(message);
    }

    private void readObject(ObjectInputStream in) throws IOException {
      throw new InvalidObjectException("cannot be read back");
    }
  }

  /** Refuses to be written. */
  static final class Unwritable implements Serializable {
    private static final long serialVersionUID = 1L;

    private void writeObject(ObjectOutputStream out) throws IOException {
      throw new NotSerializableException("Unwritable");
    }
  }
}
