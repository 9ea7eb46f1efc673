package io.colony.runtime.serialization;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.colony.api.exception.ColonyActorException;
import io.colony.api.exception.ColonyException;
import io.colony.api.exception.ColonyTaskException;
import io.colony.api.exception.CrossLanguageException;
import io.colony.api.exception.ObjectLostException;
import io.colony.api.exception.ObjectStoreFullException;
import io.colony.api.exception.OutOfMemoryException;
import io.colony.api.exception.OwnerDiedException;
import io.colony.api.exception.TaskCancelledException;
import io.colony.api.exception.WorkerCrashedException;
import io.colony.runtime.actor.ActorHandleImpl;
import io.colony.runtime.arrow.ArrowIpcReader;
import io.colony.runtime.arrow.ArrowIpcWriter;
import io.colony.runtime.generated.Common.ErrorType;
import io.colony.runtime.jni.SharedBytes;
import io.colony.runtime.object.ObjectRefImpl;
import io.colony.runtime.object.ReferenceTracker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;
import org.apache.fory.logging.LogLevel;
import org.apache.fory.logging.LoggerFactory;
import org.apache.fory.serializer.JavaSerializer;
import org.apache.fory.serializer.Serializer;

/**
 * Java values to and from (metadata tag, bytes), the wire format shared with Python.
 *
 * <ul>
 *   <li>{@code RAW}: a {@code byte[]} as is (Python reads it as {@code bytes}).
 *   <li>{@code JAVA}: any other value, serialized with Apache Fory (stored values that are
 *       language-neutral are XLANG instead: {@link #serializeStored}). Refs and actor handles inside
 *       it are written by ID; the refs are reported as the value's nested refs.
 *   <li>{@code XLANG}: the language-neutral format of values that cross between Python and Java
 *       ({@link XlangCodec}); always readable.
 *   <li>{@code ARROW}: a {@link VectorSchemaRoot} as an Arrow IPC stream, in every direction; read
 *       back as a {@link VectorSchemaRoot} the reader owns (and must close), zero-copy when the
 *       value is in shared memory ({@link ArrowIpcReader}).
 *   <li>{@code ERROR:<n>}: a failed task, n being the proto {@code ErrorType}. Java task errors are
 *       a Fory-serialized {@link ColonyTaskException}; system errors carry their message as UTF-8
 *       text.
 *   <li>{@code ERROR:1:XLANG}: an exception that crossed languages, an XLANG map {@code {language,
 *       type, message, stack}}; read as a {@link CrossLanguageException}.
 * </ul>
 *
 * <p>Fory is configured without class registration: like pickle on the Python side, values come
 * only from processes of the same cluster, which share its token.
 */
public final class ObjectSerializer {
  public static final byte[] JAVA = "JAVA".getBytes(US_ASCII);
  public static final byte[] RAW = "RAW".getBytes(US_ASCII);
  public static final byte[] XLANG = XlangCodec.XLANG;
  public static final byte[] ARROW = "ARROW".getBytes(US_ASCII);
  public static final String ERROR_PREFIX = "ERROR:";
  private static final String XLANG_SUFFIX = ":XLANG";
  // First byte of a pickle (protocol 2+): the error of a Python task.
  private static final byte PICKLE_PROTO = (byte) 0x80;

  static {
    // Fory logs each instance it creates and each exception class it meets at INFO/WARN,
    // on stdout: noise in every driver's output and worker's log. Errors still show.
    LoggerFactory.setLogLevel(LogLevel.ERROR_LEVEL);
  }

  private final ThreadSafeFory fory;
  private final XlangCodec xlang;
  private final ThreadLocal<List<ObjectRefImpl<?>>> nestedRefs = new ThreadLocal<>();

  /**
   * @param classLoader finds the classes of deserialized values (a worker's job classes)
   * @param tracker told about refs and actor handles found in deserialized values
   */
  public ObjectSerializer(ClassLoader classLoader, ReferenceTracker tracker) {
    fory =
        Fory.builder()
            .withLanguage(Language.JAVA)
            .withRefTracking(true)
            .requireClassRegistration(false)
            .suppressClassRegistrationWarnings(true)
            .withClassLoader(classLoader)
            .buildThreadSafeFory();
    fory.registerSerializer(
        ObjectRefImpl.class, f -> new ObjectRefSerializer(f, nestedRefs::get, tracker));
    fory.registerSerializer(ActorHandleImpl.class, f -> new ActorHandleSerializer(f, tracker));
    fory.setSerializerFactory(ObjectSerializer::throwableSerializer);
    xlang = new XlangCodec(tracker);
  }

  /** The XLANG codec, sharing this serializer's reference tracker. */
  public XlangCodec xlang() {
    return xlang;
  }

  /**
   * Exceptions use JDK serialization (inside Fory's stream): Fory 0.13's generated serializers lose
   * the message and cause of some exceptions (a RuntimeException with a cause comes back empty),
   * while every Throwable is written for JDK serialization.
   */
  private static Serializer<?> throwableSerializer(Fory fory, Class<?> type) {
    return Throwable.class.isAssignableFrom(type) ? new JavaSerializer(fory, type) : null;
  }

  /**
   * Serializes {@code value}; {@code purpose} names it in errors ("argument 0 of MyJob.f").
   *
   * @throws IllegalArgumentException if the value cannot be serialized
   */
  public SerializedValue serialize(Object value, String purpose) {
    if (value instanceof byte[]) {
      return new SerializedValue(RAW, (byte[]) value, List.of());
    }
    if (value instanceof VectorSchemaRoot) {
      return serializeArrow((VectorSchemaRoot) value);
    }
    return serializeJava(JAVA, value, purpose);
  }

  /**
   * Serializes a value that is stored for any reader ({@code Colony.put}, a task's return to a Java
   * caller): a language-neutral value ({@link NeutralValues}: Long, Double, String, lists and maps
   * of them, refs ...) as XLANG, so that Python can read it too; any other as {@link #serialize}.
   *
   * @throws IllegalArgumentException if the value cannot be serialized
   */
  public SerializedValue serializeStored(Object value, String purpose) {
    if (!(value instanceof byte[]) && NeutralValues.isNeutral(value)) {
      return xlang.serialize(value, purpose, "reader of any language");
    }
    return serialize(value, purpose);
  }

  /** An Arrow stream in pieces that view the root's buffers: keep the root open until written. */
  private static SerializedValue serializeArrow(VectorSchemaRoot root) {
    return SerializedValue.inPieces(ARROW, ArrowIpcWriter.write(root), List.of());
  }

  /**
   * Serializes {@code value} in the XLANG format, for another language.
   *
   * @param purpose names the value in errors ("argument 0 of f")
   * @param target whom it goes to ("PYTHON function", "PYTHON caller")
   * @throws IllegalArgumentException if the value has no XLANG form, naming its type and target
   */
  public SerializedValue serializeXlang(Object value, String purpose, String target) {
    if (value instanceof VectorSchemaRoot) {
      return serializeArrow((VectorSchemaRoot) value);
    }
    return xlang.serialize(value, purpose, target);
  }

  /**
   * The error value of an exception that crosses to another language: metadata {@code
   * ERROR:1:XLANG}, payload the XLANG map {@code {language, type, message, stack}}.
   */
  public SerializedValue serializeXlangError(
      String language, String type, String message, String stack) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("language", language);
    error.put("type", type);
    error.put("message", message == null ? "" : message);
    error.put("stack", stack == null ? "" : stack);
    byte[] metadata =
        (ERROR_PREFIX + ErrorType.TASK_EXECUTION_EXCEPTION.getNumber() + XLANG_SUFFIX)
            .getBytes(US_ASCII);
    return new SerializedValue(metadata, xlang.encode(error, null), List.of());
  }

  /** The error value of a failed task. */
  public SerializedValue serializeTaskError(ColonyTaskException error) {
    byte[] metadata = errorMetadata(ErrorType.TASK_EXECUTION_EXCEPTION);
    try {
      SerializedValue value = serializeJava(metadata, error, "the task's exception");
      fory.deserialize(value.data()); // some exceptions serialize but cannot be rebuilt
      return value;
    } catch (RuntimeException e) {
      // Keep what always serializes: the class name and the remote stack trace.
      ColonyTaskException plain =
          new ColonyTaskException(
              error.getFunctionName(),
              error.getCauseClassName(),
              error.getRemoteStackTrace(),
              null);
      return serializeJava(metadata, plain, "the task's exception");
    }
  }

  private SerializedValue serializeJava(byte[] metadata, Object value, String purpose) {
    List<ObjectRefImpl<?>> refs = new ArrayList<>();
    nestedRefs.set(refs);
    try {
      return new SerializedValue(metadata, fory.serialize(value), refs);
    } catch (RuntimeException | StackOverflowError e) {
      throw new IllegalArgumentException(
          "could not serialize " + purpose + " of type " + value.getClass().getName() + ": " + e,
          e);
    } finally {
      nestedRefs.remove();
    }
  }

  /**
   * The value of (metadata, data). An error value is returned as its exception, not thrown: {@link
   * #isError} tells which.
   *
   * @throws CrossLanguageException for a value of another language that Java cannot read
   */
  public Object deserialize(byte[] metadata, byte[] data) {
    if (isArrow(metadata)) {
      return ArrowIpcReader.read(data);
    }
    if (Arrays.equals(metadata, JAVA)) {
      return readJava(data, "a Java value");
    }
    if (Arrays.equals(metadata, RAW)) {
      return data;
    }
    if (Arrays.equals(metadata, XLANG)) {
      return xlang.decode(data);
    }
    if (isError(metadata)) {
      String tag = new String(metadata, US_ASCII);
      if (tag.endsWith(XLANG_SUFFIX)) {
        return xlangError(tag, data);
      }
      return errorFrom(errorType(metadata), data);
    }
    throw new CrossLanguageException(
        "a value with metadata '"
            + new String(metadata, US_ASCII)
            + "' cannot be read in Java; values that cross languages must be XLANG (null, "
            + "booleans, numbers, strings, byte[], lists, maps, refs, actor handles) or ARROW "
            + "(Arrow tables, record batches, numeric arrays)");
  }

  /**
   * The value of (metadata, data) where data is a {@code byte[]} or a {@link SharedBytes} (a value
   * in shared memory, as the native side hands it over): an ARROW value is read in place and keeps
   * the shared object until its root is closed; any other is copied out, and the object released.
   */
  public Object deserialize(byte[] metadata, Object data) {
    if (data instanceof byte[]) {
      return deserialize(metadata, (byte[]) data);
    }
    SharedBytes shared = (SharedBytes) data;
    if (isArrow(metadata)) {
      return ArrowIpcReader.read(shared);
    }
    return deserialize(metadata, shared.copyAndRelease());
  }

  /** True for the metadata of ARROW values. */
  public static boolean isArrow(byte[] metadata) {
    return Arrays.equals(metadata, ARROW);
  }

  /** True for the metadata of XLANG values (not errors). */
  public static boolean isXlang(byte[] metadata) {
    return Arrays.equals(metadata, XLANG);
  }

  /** An {@code ERROR:<n>:XLANG} value: a {@link CrossLanguageException} with its fields. */
  private Throwable xlangError(String tag, byte[] data) {
    Object decoded;
    try {
      decoded = xlang.decode(data);
    } catch (ColonyException e) {
      return new CrossLanguageException(
          "an error value from another language ("
              + tag
              + ") could not be read: "
              + e.getMessage());
    }
    if (!(decoded instanceof Map)) {
      return new CrossLanguageException(
          "an error value from another language (" + tag + ") is not a map: " + decoded);
    }
    Map<?, ?> error = (Map<?, ?>) decoded;
    return new CrossLanguageException(
        text(error.get("language")),
        text(error.get("type")),
        text(error.get("message")),
        text(error.get("stack")));
  }

  private static String text(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof byte[]) {
      return new String((byte[]) value, UTF_8);
    }
    return value.toString();
  }

  public static boolean isError(byte[] metadata) {
    return new String(metadata, US_ASCII).startsWith(ERROR_PREFIX);
  }

  public static byte[] errorMetadata(ErrorType type) {
    return (ERROR_PREFIX + type.getNumber()).getBytes(US_ASCII);
  }

  private static int errorType(byte[] metadata) {
    String number = new String(metadata, US_ASCII).substring(ERROR_PREFIX.length());
    try {
      return Integer.parseInt(number);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private Object readJava(byte[] data, String what) {
    try {
      return fory.deserialize(data);
    } catch (RuntimeException | LinkageError e) {
      throw new ColonyException("could not deserialize " + what + ": " + e, e);
    }
  }

  private Throwable errorFrom(int type, byte[] data) {
    ErrorType errorType = ErrorType.forNumber(type);
    if (errorType == ErrorType.TASK_EXECUTION_EXCEPTION) {
      return taskError(data);
    }
    String message = new String(data, UTF_8);
    if (errorType == null) {
      return new ColonyException("error of unknown type " + type + ": " + message);
    }
    switch (errorType) {
      case WORKER_DIED:
        return new WorkerCrashedException(message);
      case OUT_OF_MEMORY:
        return new OutOfMemoryException(message);
      case TASK_CANCELLED:
        return new TaskCancelledException(message);
      case OBJECT_LOST:
        return new ObjectLostException(message);
      case OWNER_DIED:
        return new OwnerDiedException(message);
      case ACTOR_DIED:
        return new ColonyActorException(message);
      case OBJECT_STORE_FULL:
        return new ObjectStoreFullException(message);
      default:
        return new ColonyException(message);
    }
  }

  private Throwable taskError(byte[] data) {
    if (data.length > 0 && data[0] == PICKLE_PROTO) {
      return new CrossLanguageException(
          "a Python task failed; its exception is a pickled Python object, which Java cannot "
              + "read (see the Python worker's log)");
    }
    Object error = readJava(data, "a task's exception");
    if (error instanceof Throwable) {
      return (Throwable) error;
    }
    return new ColonyException("a task's error value holds a " + error.getClass().getName());
  }
}
