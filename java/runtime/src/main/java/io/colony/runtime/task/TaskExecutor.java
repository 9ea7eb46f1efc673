package io.colony.runtime.task;

import com.google.protobuf.ByteString;
import io.colony.api.exception.ColonyTaskException;
import io.colony.api.exception.CrossLanguageException;
import io.colony.runtime.arrow.ArrowConversions;
import io.colony.runtime.function.FunctionResolver;
import io.colony.runtime.function.JavaFunction;
import io.colony.runtime.generated.Common.JavaFunctionDescriptor;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.generated.Common.TaskType;
import io.colony.runtime.generated.CoreWorker.PushTaskReply;
import io.colony.runtime.generated.CoreWorker.ReturnObject;
import io.colony.runtime.logging.TaskLabels;
import io.colony.runtime.object.ObjectIds;
import io.colony.runtime.serialization.ObjectSerializer;
import io.colony.runtime.serialization.SerializedValue;
import io.colony.runtime.serialization.XlangConversions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.BaseStream;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Runs the tasks pushed to one (logical) worker and hosts its actor, if any. Thread-safe: an actor
 * with {@code maxConcurrency > 1} gets calls on several threads at once.
 *
 * <p>Normal tasks call the function (static, or an instance method whose receiver is the first
 * argument); an actor creation task stores what the constructor or factory returns; an actor task
 * calls a method with the actor as receiver. Anything the task throws becomes an error value
 * ({@link ColonyTaskException} with the remote stack trace) in every return.
 *
 * <p>For a caller of another language ({@code TaskSpec.caller_language}, {@code docs/xlang.md}):
 * the function may be named without a signature (the only public method of that name and arity),
 * XLANG arguments are converted to the parameter types, return values are XLANG, and errors are
 * {@code ERROR:1:XLANG} maps of language, class name, message and stack trace.
 *
 * <p>ARROW arguments arrive as {@link VectorSchemaRoot}s over the shared memory they lie in; they
 * are valid during the call and closed when it returns (a task that keeps data transfers or copies
 * it). A {@link VectorSchemaRoot} a task returns is closed once it is written.
 */
public final class TaskExecutor {
  private final FunctionResolver resolver;
  private final ObjectSerializer serializer;
  private final ReturnWriter returnWriter;
  private final GeneratorReporter generatorReporter;
  private final Map<ByteString, Thread> running = new ConcurrentHashMap<>();
  private volatile Object actor;
  private volatile String actorLabel; // the marker of the actor this worker hosts, once created

  public TaskExecutor(
      FunctionResolver resolver, ObjectSerializer serializer, ReturnWriter returnWriter) {
    this(resolver, serializer, returnWriter, GeneratorReporter.NONE);
  }

  public TaskExecutor(
      FunctionResolver resolver,
      ObjectSerializer serializer,
      ReturnWriter returnWriter,
      GeneratorReporter generatorReporter) {
    this.resolver = resolver;
    this.serializer = serializer;
    this.returnWriter = returnWriter;
    this.generatorReporter = generatorReporter;
  }

  /**
   * Runs {@code spec} with its resolved arguments (metadata[i], data[i]), data[i] a {@code byte[]}
   * or a {@code SharedBytes}; never throws.
   */
  public PushTaskReply execute(TaskSpec spec, byte[][] argMetadata, Object[] argData) {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    // Native threads attach with the system loader; task code expects the job's classes.
    thread.setContextClassLoader(resolver.classLoader());
    running.put(spec.getTaskId(), thread);
    label(spec);
    List<AutoCloseable> owned = new ArrayList<>();
    try {
      return run(spec, argMetadata, argData, owned);
    } catch (Throwable t) { // the task's own failure, reported to its caller
      return failure(spec, t);
    } finally {
      closeAll(owned);
      running.remove(spec.getTaskId());
      Thread.interrupted(); // a cancellation that came late must not hit the next task
      thread.setContextClassLoader(previous);
    }
  }

  /**
   * Names what this thread prints from now on (docs/observability.md): the task, or the actor
   * this worker hosts. Only a thread-local is set; a marker line is written when the task prints.
   */
  private void label(TaskSpec spec) {
    if (spec.getType() == TaskType.ACTOR_CREATION_TASK) {
      actorLabel =
          TaskLabels.actor(hex(spec.getActorId()), simpleName(spec.getFunction().getJava().getClassName()));
    }
    TaskLabels.set(
        spec.getType() == TaskType.NORMAL_TASK
            ? TaskLabels.task(hex(spec.getTaskId()), spec.getName())
            : actorLabel);
  }

  private static String simpleName(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }

  private static String hex(ByteString bytes) {
    StringBuilder out = new StringBuilder(bytes.size() * 2);
    for (int i = 0; i < bytes.size(); i++) {
      out.append(Character.forDigit((bytes.byteAt(i) >> 4) & 0xf, 16));
      out.append(Character.forDigit(bytes.byteAt(i) & 0xf, 16));
    }
    return out.toString();
  }

  /** Cancels a running task by interrupting its thread; a no-op if it is not running. */
  public void interrupt(byte[] taskId) {
    Thread thread = running.get(ByteString.copyFrom(taskId));
    if (thread != null) {
      thread.interrupt();
    }
  }

  /** The actor this worker hosts, or null. */
  public Object actor() {
    return actor;
  }

  /** Arrow data the call received or returned: released (given back to the store) here. */
  private static void closeAll(List<AutoCloseable> owned) {
    for (AutoCloseable resource : owned) {
      try {
        resource.close();
      } catch (Exception e) {
        System.err.println("could not close " + resource.getClass().getName() + ": " + e);
      }
    }
  }

  private PushTaskReply run(
      TaskSpec spec, byte[][] argMetadata, Object[] argData, List<AutoCloseable> owned)
      throws Throwable {
    if (!spec.getFunction().hasJava()) {
      throw new IllegalArgumentException(
          "a Java worker got a task without a Java function: " + spec.getFunction());
    }
    if (spec.getKwargNamesCount() > 0) {
      throw new IllegalArgumentException(
          "Java functions take positional arguments only; got keyword argument(s) "
              + spec.getKwargNamesList()
              + " for "
              + describe(spec.getFunction().getJava()));
    }
    JavaFunction function =
        resolver.resolve(spec.getFunction().getJava(), argMetadata.length, kindOf(spec.getType()));
    Object[] args = arguments(spec, function, argMetadata, argData, owned);
    if (spec.getType() == TaskType.ACTOR_CREATION_TASK) {
      actor = invoke(function, args);
      return PushTaskReply.getDefaultInstance();
    }
    if (spec.getType() == TaskType.ACTOR_TASK) {
      args = withReceiver(requireActor(), args);
    }
    if (spec.getStreamingGenerator()) {
      return success(spec, stream(spec, function, args));
    }
    Object result = invoke(function, args);
    if (result instanceof VectorSchemaRoot) {
      owned.add((VectorSchemaRoot) result);
    }
    return success(spec, result);
  }

  /**
   * Runs a streaming task: reports each item its Iterator, Iterable or Stream yields as it comes,
   * until the end or until the caller wants no more. A throw while producing item i (calling the
   * method included) is reported as item i and ends the stream. Returns the number of items
   * reported, the task's one return.
   */
  private long stream(TaskSpec spec, JavaFunction function, Object[] args)
      throws InterruptedException {
    long index = 0;
    Iterator<?> items = null;
    try {
      items = iteratorOf(spec, invoke(function, args));
      while (items.hasNext()) {
        Object value = items.next();
        if (Thread.interrupted()) {
          throw new InterruptedException("streaming task " + spec.getName() + " was cancelled");
        }
        boolean stop = reportItem(spec, index, itemValue(spec, value, index));
        if (value instanceof VectorSchemaRoot) {
          ((VectorSchemaRoot) value).close();
        }
        index++;
        if (stop) {
          break;
        }
      }
    } catch (InterruptedException e) {
      throw e; // cancelled: the task fails (the caller stopped listening already)
    } catch (Throwable thrown) {
      reportItem(spec, index, errorValue(spec, thrown));
      index++;
    } finally {
      if (items instanceof AutoCloseable) {
        closeAll(List.of((AutoCloseable) items));
      }
    }
    return index;
  }

  /** What a streaming method returned, as an Iterator; anything else is the stream's error. */
  private static Iterator<?> iteratorOf(TaskSpec spec, Object result) {
    if (result instanceof Iterator) {
      return (Iterator<?>) result;
    }
    if (result instanceof BaseStream) {
      BaseStream<?, ?> stream = (BaseStream<?, ?>) result;
      Iterator<?> iterator = stream.iterator();
      return new ClosingIterator(iterator, stream);
    }
    if (result instanceof Iterable) {
      return ((Iterable<?>) result).iterator();
    }
    throw new IllegalArgumentException(
        spec.getName()
            + " was called as a streaming generator but returned "
            + (result == null ? "null" : result.getClass().getName())
            + ", not an Iterator, Iterable or Stream");
  }

  /** A Stream's iterator that closes the stream with it (its onClose handlers run). */
  private static final class ClosingIterator implements Iterator<Object>, AutoCloseable {
    private final Iterator<?> iterator;
    private final BaseStream<?, ?> stream;

    ClosingIterator(Iterator<?> iterator, BaseStream<?, ?> stream) {
      this.iterator = iterator;
      this.stream = stream;
    }

    @Override
    public boolean hasNext() {
      return iterator.hasNext();
    }

    @Override
    public Object next() {
      return iterator.next();
    }

    @Override
    public void close() {
      stream.close();
    }
  }

  private SerializedValue itemValue(TaskSpec spec, Object value, long index) {
    String purpose = "item " + index + " of " + spec.getName();
    return crossLanguage(spec)
        ? serializer.serializeXlang(value, purpose, callerName(spec))
        : serializer.serializeStored(value, purpose);
  }

  private SerializedValue errorValue(TaskSpec spec, Throwable thrown) {
    return crossLanguage(spec)
        ? crossLanguageError(thrown)
        : serializer.serializeTaskError(asTaskError(spec, thrown));
  }

  /** Item i is return i + 2 (return 1 is the count): the core's GeneratorItemId. */
  private boolean reportItem(TaskSpec spec, long index, SerializedValue value) {
    byte[] id = ObjectIds.forReturn(spec.getTaskId().toByteArray(), (int) (index + 2));
    return generatorReporter.report(index, returnWriter.write(id, value));
  }

  private static FunctionResolver.Kind kindOf(TaskType type) {
    switch (type) {
      case ACTOR_CREATION_TASK:
        return FunctionResolver.Kind.CREATION;
      case ACTOR_TASK:
        return FunctionResolver.Kind.INSTANCE;
      default:
        return FunctionResolver.Kind.STATIC;
    }
  }

  private static String describe(JavaFunctionDescriptor descriptor) {
    return descriptor.getClassName() + "." + descriptor.getMethodName();
  }

  /** Whether the caller is of another language: its values and errors are then XLANG. */
  private static boolean crossLanguage(TaskSpec spec) {
    return spec.getCallerLanguage() != Language.JAVA;
  }

  /**
   * The call's arguments. XLANG values (what Python callers send) are converted to the parameter
   * types (a Python int to {@code int}, a list to {@code List<Integer>} or {@code int[]}, ...).
   */
  private Object[] arguments(
      TaskSpec spec,
      JavaFunction function,
      byte[][] metadata,
      Object[] data,
      List<AutoCloseable> owned)
      throws Throwable {
    int first = spec.getType() == TaskType.ACTOR_TASK ? 1 : 0; // the receiver is not an argument
    Type[] types = function.genericParameterTypes();
    Object[] args = new Object[metadata.length];
    boolean anyXlang = false;
    for (int i = 0; i < args.length; i++) {
      args[i] = serializer.deserialize(metadata[i], data[i]);
      if (args[i] instanceof VectorSchemaRoot) {
        owned.add((VectorSchemaRoot) args[i]);
      }
    }
    for (int i = 0; i < args.length; i++) {
      if (ObjectSerializer.isError(metadata[i])) {
        throw (Throwable) args[i]; // a task this one depends on failed
      }
      anyXlang |= ObjectSerializer.isXlang(metadata[i]) || ObjectSerializer.isArrow(metadata[i]);
    }
    if (anyXlang && types.length - first != args.length) {
      throw new IllegalArgumentException(
          function.displayName()
              + " takes "
              + (types.length - first)
              + " argument(s), got "
              + args.length);
    }
    for (int i = 0; i < args.length; i++) {
      if (ObjectSerializer.isXlang(metadata[i]) || ObjectSerializer.isArrow(metadata[i])) {
        args[i] = convertArgument(function, i, args[i], types[i + first]);
      }
    }
    return args;
  }

  private static Object convertArgument(JavaFunction function, int index, Object value, Type type) {
    try {
      return value instanceof VectorSchemaRoot
          ? ArrowConversions.convert((VectorSchemaRoot) value, type)
          : XlangConversions.convert(value, type);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "argument "
              + index
              + " of "
              + function.displayName()
              + " (parameter type "
              + type.getTypeName()
              + "): "
              + e.getMessage());
    }
  }

  private Object requireActor() {
    Object current = actor;
    if (current == null) {
      throw new IllegalStateException("this worker hosts no actor");
    }
    return current;
  }

  private static Object[] withReceiver(Object receiver, Object[] args) {
    Object[] all = new Object[args.length + 1];
    all[0] = receiver;
    System.arraycopy(args, 0, all, 1, args.length);
    return all;
  }

  private static Object invoke(JavaFunction function, Object[] args) throws Throwable {
    try {
      return function.invoke(args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private PushTaskReply success(TaskSpec spec, Object result) {
    PushTaskReply.Builder reply = PushTaskReply.newBuilder();
    List<?> values = splitReturns(spec, result);
    for (int i = 0; i < values.size(); i++) {
      String purpose = "return value " + i + " of " + spec.getName();
      SerializedValue value =
          crossLanguage(spec)
              ? serializer.serializeXlang(values.get(i), purpose, callerName(spec))
              : serializer.serializeStored(values.get(i), purpose);
      addReturn(reply, spec, i + 1, value);
    }
    return reply.build();
  }

  /** One value per return; several returns (asked by a caller) come from a List. */
  private static List<?> splitReturns(TaskSpec spec, Object result) {
    int count = spec.getNumReturns();
    if (count <= 1) {
      return count == 1 ? Collections.singletonList(result) : List.of();
    }
    if (!(result instanceof List) || ((List<?>) result).size() != count) {
      throw new IllegalArgumentException(
          "task "
              + spec.getName()
              + " has "
              + count
              + " returns, so it must return a List of "
              + count
              + " values");
    }
    return (List<?>) result;
  }

  private static String callerName(TaskSpec spec) {
    return spec.getCallerLanguage().name() + " caller";
  }

  private PushTaskReply failure(TaskSpec spec, Throwable thrown) {
    SerializedValue value =
        crossLanguage(spec)
            ? crossLanguageError(thrown)
            : serializer.serializeTaskError(asTaskError(spec, thrown));
    PushTaskReply.Builder reply =
        PushTaskReply.newBuilder()
            .setIsApplicationError(true)
            .setIsRetryableError(spec.getRetryExceptions());
    for (int index = 1; index <= spec.getNumReturns(); index++) {
      addReturn(reply, spec, index, value);
    }
    return reply.build();
  }

  /**
   * The error value for a caller of another language ({@code ERROR:1:XLANG}): language, class name,
   * message and stack trace text. A failure propagated from a task this one waited on keeps its
   * origin.
   */
  private SerializedValue crossLanguageError(Throwable thrown) {
    if (thrown instanceof CrossLanguageException
        && ((CrossLanguageException) thrown).getLanguage() != null) {
      CrossLanguageException remote = (CrossLanguageException) thrown;
      return serializer.serializeXlangError(
          remote.getLanguage(),
          remote.getTypeName(),
          remote.getRemoteMessage(),
          remote.getRemoteStackTrace());
    }
    if (thrown instanceof ColonyTaskException) {
      ColonyTaskException upstream = (ColonyTaskException) thrown;
      Throwable cause = upstream.getCause();
      return serializer.serializeXlangError(
          Language.JAVA.name(),
          upstream.getCauseClassName(),
          cause != null ? messageOf(cause) : "",
          upstream.getRemoteStackTrace());
    }
    return serializer.serializeXlangError(
        Language.JAVA.name(), thrown.getClass().getName(), messageOf(thrown), stackTrace(thrown));
  }

  private static String messageOf(Throwable thrown) {
    String message = thrown.getMessage();
    return message != null ? message : "";
  }

  /** A failure propagated from a task this one waited on keeps its origin. */
  private static ColonyTaskException asTaskError(TaskSpec spec, Throwable thrown) {
    if (thrown instanceof ColonyTaskException) {
      return (ColonyTaskException) thrown;
    }
    return new ColonyTaskException(
        spec.getName(), thrown.getClass().getName(), stackTrace(thrown), thrown);
  }

  private void addReturn(
      PushTaskReply.Builder reply, TaskSpec spec, int index, SerializedValue value) {
    byte[] id = ObjectIds.forReturn(spec.getTaskId().toByteArray(), index);
    reply.addReturns(
        ReturnObject.newBuilder()
            .setObjectId(ByteString.copyFrom(id))
            .setValue(returnWriter.write(id, value)));
  }

  static String stackTrace(Throwable thrown) {
    StringWriter text = new StringWriter();
    thrown.printStackTrace(new PrintWriter(text));
    return text.toString();
  }
}
