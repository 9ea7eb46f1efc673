package io.colony.runtime;

import com.google.protobuf.InvalidProtocolBufferException;
import io.colony.api.ActorHandle;
import io.colony.api.ObjectRef;
import io.colony.api.ObjectRefGenerator;
import io.colony.api.WaitResult;
import io.colony.api.exception.ColonyException;
import io.colony.api.exception.GetTimeoutException;
import io.colony.api.exception.PendingCallsLimitExceededException;
import io.colony.api.function.ColonyFunc;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import io.colony.api.function.PyFunction;
import io.colony.api.options.ActorCallOptions;
import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.CallOptions;
import io.colony.api.runtime.ColonyRuntime;
import io.colony.runtime.actor.ActorHandleImpl;
import io.colony.runtime.actor.ConcurrencyGroups;
import io.colony.runtime.arrow.ArrowConversions;
import io.colony.runtime.function.FunctionResolver;
import io.colony.runtime.function.JavaFunction;
import io.colony.runtime.function.MethodReferences;
import io.colony.runtime.generated.Common.ActorTableData;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.generated.Common.ObjectValue;
import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.jni.CoreWorkerException;
import io.colony.runtime.jni.NativeCoreWorker;
import io.colony.runtime.jni.NativeGeneratorItems;
import io.colony.runtime.jni.NativeReferenceTracker;
import io.colony.runtime.jni.SharedBytes;
import io.colony.runtime.jni.StatusCode;
import io.colony.runtime.object.GeneratorItems;
import io.colony.runtime.object.ObjectRefGeneratorImpl;
import io.colony.runtime.object.ObjectRefImpl;
import io.colony.runtime.serialization.ObjectSerializer;
import io.colony.runtime.serialization.SerializedValue;
import io.colony.runtime.serialization.XlangConversions;
import io.colony.runtime.task.ReturnWriter;
import io.colony.runtime.task.TaskExecutor;
import io.colony.runtime.task.GeneratorReporter;
import io.colony.runtime.task.TaskSpecBuilder;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The API on top of one core worker: serializes values, builds task specs and calls {@link
 * NativeCoreWorker}. Used by drivers and, for code running inside tasks, by workers.
 */
public final class ColonyRuntimeImpl implements ColonyRuntime {
  // Blocking native calls wait in slices so that an interrupted thread stops waiting.
  private static final long WAIT_SLICE_MS = 1000;

  private final long worker;
  private final NativeReferenceTracker tracker;
  private final ClassLoader classLoader;
  private final ObjectSerializer serializer;
  private final TaskSpecBuilder specs;
  private final byte[] address;
  private final AutoCloseable cluster;
  private final GeneratorItems generatorItems;
  private volatile AutoCloseable logPrinter; // drivers: prints the job's worker output

  /**
   * @param worker a handle from {@link NativeCoreWorker#initialize}
   * @param classLoader loads the classes of values and functions (a worker's job classes)
   * @param cluster stopped after the core worker on shutdown (a local cluster), or null
   */
  public ColonyRuntimeImpl(long worker, ClassLoader classLoader, AutoCloseable cluster) {
    this.worker = worker;
    this.tracker = new NativeReferenceTracker(worker);
    this.classLoader = classLoader;
    this.serializer = new ObjectSerializer(classLoader, tracker);
    this.specs = new TaskSpecBuilder(serializer);
    this.address = NativeCoreWorker.getAddress(worker);
    this.cluster = cluster;
    this.generatorItems = new NativeGeneratorItems(worker);
  }

  /** The executor of the tasks pushed to this runtime's worker. */
  public TaskExecutor newExecutor() {
    ReturnWriter returns = this::prepareReturn;
    GeneratorReporter reporter =
        (index, item) -> NativeCoreWorker.reportGeneratorItem(worker, index, item.toByteArray());
    return new TaskExecutor(new FunctionResolver(classLoader), serializer, returns, reporter);
  }

  private ObjectValue prepareReturn(byte[] returnId, SerializedValue value) {
    byte[] prepared =
        value.inPieces()
            ? NativeCoreWorker.prepareReturnPieces(
                worker,
                returnId,
                value.metadata(),
                value.pieceArray(),
                value.nestedRefIds(),
                value.nestedRefOwners())
            : NativeCoreWorker.prepareReturn(
                worker,
                returnId,
                value.metadata(),
                value.data(),
                value.nestedRefIds(),
                value.nestedRefOwners());
    Reference.reachabilityFence(value); // its refs must live until the caller is counted
    try {
      return ObjectValue.parseFrom(prepared);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("prepareReturn gave no ObjectValue", e);
    }
  }

  // ------------------------------------------------------------------ objects

  @Override
  public <T> ObjectRef<T> put(T value) {
    SerializedValue v = serializer.serializeStored(value, "the value passed to Colony.put()");
    byte[] id =
        v.inPieces()
            ? NativeCoreWorker.putPieces(
                worker, v.metadata(), v.pieceArray(), v.nestedRefIds(), v.nestedRefOwners())
            : NativeCoreWorker.put(
                worker, v.metadata(), v.data(), v.nestedRefIds(), v.nestedRefOwners());
    Reference.reachabilityFence(v);
    return new ObjectRefImpl<>(id, address, tracker);
  }

  @Override
  public <T> List<T> get(List<? extends ObjectRef<? extends T>> refs, long timeoutMs) {
    Object[] values = getValues(idsOf(refs), timeoutMs);
    List<T> out = new ArrayList<>(refs.size());
    try {
      for (int i = 0; i < refs.size(); i++) {
        out.add(valueOrThrow(refImpl(refs.get(i)), (byte[]) values[2 * i], values[2 * i + 1]));
        values[2 * i + 1] = null;
      }
    } finally {
      releaseUnread(values); // a failed get leaves no shared object referenced
    }
    return out;
  }

  private static void releaseUnread(Object[] values) {
    for (Object value : values) {
      if (value instanceof SharedBytes) {
        ((SharedBytes) value).release();
      }
    }
  }

  private Object[] getValues(byte[][] ids, long timeoutMs) {
    long remaining = timeoutMs;
    while (true) {
      long slice = remaining < 0 ? WAIT_SLICE_MS : Math.min(remaining, WAIT_SLICE_MS);
      Object[] values = NativeCoreWorker.get(worker, ids, slice);
      if (values != null) {
        return values;
      }
      if (remaining >= 0) {
        remaining -= slice;
        if (remaining <= 0) {
          throw new GetTimeoutException("Colony.get() timed out after " + timeoutMs + " ms");
        }
      }
      checkInterrupted("Colony.get()");
    }
  }

  @SuppressWarnings("unchecked")
  private <T> T valueOrThrow(ObjectRefImpl<?> ref, byte[] metadata, Object data) {
    Object value = serializer.deserialize(metadata, data);
    if (!ObjectSerializer.isError(metadata)) {
      if (ref.resultType() != null && ObjectSerializer.isXlang(metadata)) {
        value = convertResult(ref, value);
      }
      if (ref.resultType() != null && ObjectSerializer.isArrow(metadata)) {
        value = convertArrowResult(ref, (VectorSchemaRoot) value);
      }
      return (T) value;
    }
    // Thrown here: the stack trace should show the get, the cause the remote failure.
    Throwable error = ((Throwable) value).fillInStackTrace();
    if (error instanceof RuntimeException) {
      throw (RuntimeException) error;
    }
    throw new ColonyException("a task failed: " + error, error);
  }

  /** A call to another language asked for its result as a type: convert where that is simple. */
  private static Object convertResult(ObjectRefImpl<?> ref, Object value) {
    try {
      return XlangConversions.convertResult(value, ref.resultType());
    } catch (XlangConversions.ConversionException e) {
      throw new ColonyException(
          "the result of "
              + ref
              + " cannot be read as "
              + ref.resultType().getName()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** A result Java asked of another language as a type: the root, or a copy of its column. */
  private static Object convertArrowResult(ObjectRefImpl<?> ref, VectorSchemaRoot root) {
    if (ArrowConversions.keepsRoot(ref.resultType())) {
      return root;
    }
    try (root) {
      return ArrowConversions.convert(root, ref.resultType());
    } catch (IllegalArgumentException e) {
      throw new ColonyException("the result of " + ref + ": " + e.getMessage(), e);
    }
  }

  /**
   * {base address, size} of the shared-memory region as this process maps it: tests check with it
   * that values are read in place.
   */
  public long[] sharedRegion() {
    return NativeCoreWorker.sharedRegion(worker);
  }

  @Override
  public <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, long timeoutMs) {
    boolean[] ready = NativeCoreWorker.waitObjects(worker, idsOf(refs), numReturns, timeoutMs);
    List<ObjectRef<T>> readyRefs = new ArrayList<>();
    List<ObjectRef<T>> unready = new ArrayList<>();
    for (int i = 0; i < refs.size(); i++) {
      boolean counts = ready[i] && readyRefs.size() < numReturns;
      (counts ? readyRefs : unready).add(refs.get(i));
    }
    return new WaitResult<>(readyRefs, unready);
  }

  @Override
  public void cancel(ObjectRef<?> ref, boolean force) {
    try {
      NativeCoreWorker.cancelTask(worker, refImpl(ref).id(), force);
    } catch (CoreWorkerException e) {
      if (e.code() == StatusCode.INVALID_ARGUMENT) {
        throw new IllegalArgumentException(e.getMessage(), e);  // force on an actor call
      }
      throw e;
    }
  }

  private static byte[][] idsOf(List<? extends ObjectRef<?>> refs) {
    byte[][] ids = new byte[refs.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = refImpl(refs.get(i)).id();
    }
    return ids;
  }

  private static ObjectRefImpl<?> refImpl(ObjectRef<?> ref) {
    if (!(ref instanceof ObjectRefImpl)) {
      throw new IllegalArgumentException(
          "not an ObjectRef that Colony made: " + ref.getClass().getName());
    }
    return (ObjectRefImpl<?>) ref;
  }

  private static void checkInterrupted(String what) {
    if (Thread.currentThread().isInterrupted()) {
      throw new ColonyException("interrupted while waiting in " + what);
    }
  }

  // ------------------------------------------------------------------ tasks

  @Override
  public <R> ObjectRef<R> submitTask(ColonyFunc function, Object[] args, CallOptions options) {
    JavaFunction resolved = MethodReferences.resolve(function);
    resolved.checkArguments(args, 0);
    TaskSpec spec = specs.normalTask(resolved, args, options);
    byte[][] returnIds = NativeCoreWorker.submitTask(worker, spec.toByteArray());
    Reference.reachabilityFence(args); // refs inside args live until the core counted them
    return new ObjectRefImpl<>(returnIds[0], address, tracker);
  }

  @Override
  public <R> ObjectRef<R> submitPythonTask(
      PyFunction<R> function, Object[] args, CallOptions options) {
    TaskSpec spec = specs.pythonTask(function, args, options);
    byte[][] returnIds = NativeCoreWorker.submitTask(worker, spec.toByteArray());
    Reference.reachabilityFence(args);
    return new ObjectRefImpl<>(returnIds[0], address, tracker, function.getReturnType());
  }

  // ------------------------------------------------------------------ streaming generators

  @Override
  public <T> ObjectRefGenerator<T> submitGenerator(
      ColonyFunc function, Object[] args, CallOptions options) {
    JavaFunction resolved = MethodReferences.resolve(function);
    resolved.checkArguments(args, 0);
    TaskSpec spec =
        TaskSpecBuilder.streaming(
            specs.normalTask(resolved, args, options), options.getGeneratorBackpressureNumObjects());
    byte[][] returnIds = NativeCoreWorker.submitTask(worker, spec.toByteArray());
    Reference.reachabilityFence(args);
    return generator(returnIds[0], null);
  }

  @Override
  public <T> ObjectRefGenerator<T> submitPythonGenerator(
      PyFunction<?> function, Object[] args, CallOptions options) {
    TaskSpec spec =
        TaskSpecBuilder.streaming(
            specs.pythonTask(function, args, options), options.getGeneratorBackpressureNumObjects());
    byte[][] returnIds = NativeCoreWorker.submitTask(worker, spec.toByteArray());
    Reference.reachabilityFence(args);
    return generator(returnIds[0], function.getReturnType());
  }

  @Override
  public <T> ObjectRefGenerator<T> submitActorGenerator(
      ActorHandle<?> actor, ColonyFunc method, Object[] args, ActorCallOptions options) {
    ActorHandleImpl<?> handle = javaActor(actor);
    JavaFunction resolved = MethodReferences.resolve(method);
    resolved.checkArguments(args, 1);
    handle.checkConcurrencyGroup(
        TaskSpecBuilder.concurrencyGroup(resolved, options), resolved.displayName());
    TaskSpec spec =
        TaskSpecBuilder.streaming(
            specs.actorTask(resolved, args, options), options.getGeneratorBackpressureNumObjects());
    byte[][] returnIds = submitActorTask(handle, spec);
    Reference.reachabilityFence(args);
    return generator(returnIds[0], null);
  }

  @Override
  public <T> ObjectRefGenerator<T> submitPythonActorGenerator(
      ActorHandle<?> actor, PyActorMethod<?> method, Object[] args, ActorCallOptions options) {
    ActorHandleImpl<?> handle = pythonActor(actor);
    handle.checkConcurrencyGroup(options.getConcurrencyGroup(), method.getName());
    TaskSpec spec =
        TaskSpecBuilder.streaming(
            specs.pythonActorTask(handle, method, args, options),
            options.getGeneratorBackpressureNumObjects());
    byte[][] returnIds = submitActorTask(handle, spec);
    Reference.reachabilityFence(args);
    return generator(returnIds[0], method.getReturnType());
  }

  private <T> ObjectRefGenerator<T> generator(byte[] endId, Class<?> resultType) {
    ObjectRefImpl<Long> end = new ObjectRefImpl<>(endId, address, tracker);
    return new ObjectRefGeneratorImpl<>(
        end, tracker, resultType, generatorItems, this::failed, () -> cancel(end, false));
  }

  /** Whether a task that has ended failed: reading its return throws. */
  private boolean failed(ObjectRefImpl<Long> end) {
    try {
      get(List.of(end), -1);
      return false;
    } catch (RuntimeException e) {
      return true;
    }
  }

  // ------------------------------------------------------------------ actors

  @Override
  public <A> ActorHandle<A> createActor(
      ColonyFunc constructor, Object[] args, ActorCreationOptions options) {
    JavaFunction resolved = MethodReferences.resolve(constructor);
    resolved.checkArguments(args, 0);
    ConcurrencyGroups.checkDeclared(resolved.resultType(), options.getConcurrencyGroups());
    TaskSpec spec = specs.actorCreation(resolved, args, options);
    byte[] actorId = createActor(spec, options);
    Reference.reachabilityFence(args);
    return new ActorHandleImpl<A>(
            actorId,
            spec.getActorCreation().getClassName(),
            options.getMaxPendingCalls(),
            options.getMaxTaskRetries())
        .withConcurrencyGroups(options.getConcurrencyGroups().keySet());
  }

  @Override
  public ActorHandle<PyActorClass> createPythonActor(
      PyActorClass actorClass, Object[] args, ActorCreationOptions options) {
    TaskSpec spec = specs.pythonActorCreation(actorClass, args, options);
    byte[] actorId = createActor(spec, options);
    Reference.reachabilityFence(args);
    return new ActorHandleImpl<PyActorClass>(
            actorId,
            Language.PYTHON,
            actorClass.getClassName(),
            actorClass.getModuleName(),
            options.getMaxPendingCalls(),
            options.getMaxTaskRetries())
        .withConcurrencyGroups(options.getConcurrencyGroups().keySet());
  }

  private byte[] createActor(TaskSpec spec, ActorCreationOptions options) {
    try {
      return NativeCoreWorker.createActor(worker, spec.toByteArray(), options.isGetIfExists());
    } catch (CoreWorkerException e) {
      if (e.code() == StatusCode.ALREADY_EXISTS) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      throw e;
    }
  }

  @Override
  public <R> ObjectRef<R> submitActorTask(
      ActorHandle<?> actor, ColonyFunc method, Object[] args, ActorCallOptions options) {
    ActorHandleImpl<?> handle = javaActor(actor);
    JavaFunction resolved = MethodReferences.resolve(method);
    resolved.checkArguments(args, 1);
    handle.checkConcurrencyGroup(
        TaskSpecBuilder.concurrencyGroup(resolved, options), resolved.displayName());
    TaskSpec spec = specs.actorTask(resolved, args, options);
    byte[][] returnIds = submitActorTask(handle, spec);
    Reference.reachabilityFence(args);
    return new ObjectRefImpl<>(returnIds[0], address, tracker);
  }

  @Override
  public <R> ObjectRef<R> submitPythonActorTask(
      ActorHandle<?> actor, PyActorMethod<R> method, Object[] args, ActorCallOptions options) {
    ActorHandleImpl<?> handle = pythonActor(actor);
    handle.checkConcurrencyGroup(options.getConcurrencyGroup(), method.getName());
    TaskSpec spec = specs.pythonActorTask(handle, method, args, options);
    byte[][] returnIds = submitActorTask(handle, spec);
    Reference.reachabilityFence(args);
    return new ObjectRefImpl<>(returnIds[0], address, tracker, method.getReturnType());
  }

  private static ActorHandleImpl<?> javaActor(ActorHandle<?> actor) {
    ActorHandleImpl<?> handle = handleImpl(actor);
    if (handle.language() != Language.JAVA) {
      throw new IllegalArgumentException(
          handle
              + " is a Python actor: call its methods with PyActorMethod.of(name), not with "
              + "Java method references");
    }
    return handle;
  }

  private static ActorHandleImpl<?> pythonActor(ActorHandle<?> actor) {
    ActorHandleImpl<?> handle = handleImpl(actor);
    if (handle.language() != Language.PYTHON) {
      throw new IllegalArgumentException(
          handle
              + " is a Java actor: call its methods with method references (Counter::increment), "
              + "not with PyActorMethod");
    }
    return handle;
  }

  private byte[][] submitActorTask(ActorHandleImpl<?> handle, TaskSpec spec) {
    try {
      return NativeCoreWorker.submitActorTask(worker, handle.actorId(), spec.toByteArray());
    } catch (CoreWorkerException e) {
      if (e.code() == StatusCode.LIMIT_EXCEEDED) {
        throw new PendingCallsLimitExceededException(e.getMessage());
      }
      throw e;
    }
  }

  @Override
  public <A> Optional<ActorHandle<A>> getActor(String name, String namespace) {
    byte[] info =
        NativeCoreWorker.getActorInfo(
            worker, new byte[0], name, namespace == null ? "" : namespace);
    if (info == null) {
      return Optional.empty();
    }
    // A Python actor's handle is an ActorHandle<PyActorClass>, called with PyActorMethods.
    ActorHandleImpl<A> handle = ActorHandleImpl.fromActorTable(parseActor(info));
    NativeCoreWorker.addActorHandle(
        worker, handle.actorId(), handle.maxPendingCalls(), handle.maxTaskRetries());
    return Optional.of(handle);
  }

  private static ActorTableData parseActor(byte[] info) {
    try {
      return ActorTableData.parseFrom(info);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("getActorInfo gave no ActorTableData", e);
    }
  }

  @Override
  public void killActor(ActorHandle<?> actor, boolean noRestart) {
    NativeCoreWorker.killActor(worker, handleImpl(actor).actorId(), noRestart);
  }

  private static ActorHandleImpl<?> handleImpl(ActorHandle<?> actor) {
    if (!(actor instanceof ActorHandleImpl)) {
      throw new IllegalArgumentException(
          "not an ActorHandle that Colony made: " + actor.getClass().getName());
    }
    return (ActorHandleImpl<?>) actor;
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void shutdown() {
    closeLogPrinter();
    tracker.close();
    NativeCoreWorker.unregisterExecutor(worker);
    NativeCoreWorker.shutdown(worker);
    if (cluster != null) {
      try {
        cluster.close();
      } catch (Exception e) {
        throw new ColonyException("could not stop the local cluster: " + e, e);
      }
    }
  }

  /** Drivers: the printer of the job's worker output, stopped (after a last drain) at shutdown. */
  void setLogPrinter(AutoCloseable printer) {
    this.logPrinter = printer;
  }

  private void closeLogPrinter() {
    AutoCloseable printer = logPrinter;
    logPrinter = null;
    if (printer != null) {
      try {
        printer.close();
      } catch (Exception e) {
        System.err.println("could not stop printing worker output: " + e);
      }
    }
  }
}
