package io.colony.api;

import io.colony.api.function.ColonyFunc;
import io.colony.api.function.ColonyFunc0;
import io.colony.api.function.ColonyFunc1;
import io.colony.api.function.ColonyFunc2;
import io.colony.api.function.ColonyFunc3;
import io.colony.api.function.ColonyFunc4;
import io.colony.api.function.ColonyFunc5;
import io.colony.api.function.ColonyFunc6;
import io.colony.api.function.ColonyFuncVoid0;
import io.colony.api.function.ColonyFuncVoid1;
import io.colony.api.function.ColonyFuncVoid2;
import io.colony.api.function.ColonyFuncVoid3;
import io.colony.api.function.ColonyFuncVoid4;
import io.colony.api.function.ColonyFuncVoid5;
import io.colony.api.function.ColonyFuncVoid6;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyFunction;
import io.colony.api.runtime.ColonyRuntime;
import io.colony.api.runtime.ColonyRuntimeFactory;
import io.colony.api.runtime.RuntimeHolder;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The Colony API: objects, tasks and actors.
 *
 * <pre>{@code
 * Colony.init();
 * ObjectRef<Integer> square = Colony.task(MyJob::square, 3).remote();
 * ActorHandle<Counter> counter = Colony.actor(Counter::new, 0).remote();
 * ObjectRef<Integer> count = counter.task(Counter::increment, 1).remote();
 * System.out.println(Colony.get(square) + Colony.get(count));
 * Colony.shutdown();
 * }</pre>
 *
 * <p>Functions are named by method references ({@code Class::method}, {@code Class::new}); their
 * arguments may be values or {@link ObjectRef}s, which the task receives as the refs' values.
 * Arguments are checked against the method's parameter types when the call is sent; an overloaded
 * method needs a cast to pick one, for example {@code (ColonyFunc1<Integer, Integer>)
 * MyJob::square}.
 *
 * <p>Python functions and actors are named by {@link PyFunction} and {@link PyActorClass}; their
 * arguments cross in the language-neutral XLANG format ({@code docs/xlang.md}):
 *
 * <pre>{@code
 * ObjectRef<Long> sum = Colony.task(PyFunction.of("jobs", "add", Long.class), 1, 2).remote();
 * ActorHandle<PyActorClass> counter = Colony.actor(PyActorClass.of("jobs", "Counter")).remote();
 * }</pre>
 */
public final class Colony {
  private static final Object[] NO_ARGS = new Object[0];
  private static boolean shutdownHookAdded;

  private Colony() {}

  // ------------------------------------------------------------------ lifecycle

  /** Connects to the cluster that {@link ColonyConfig#fromSystem()} names, or starts one. */
  public static void init() {
    init(ColonyConfig.fromSystem());
  }

  /** Connects to the cluster that {@code config} names, or starts a local one. */
  public static synchronized void init(ColonyConfig config) {
    Objects.requireNonNull(config, "config must not be null");
    if (RuntimeHolder.isInstalled()) {
      throw new IllegalStateException(
          "Colony.init() was already called; call Colony.shutdown() first");
    }
    RuntimeHolder.install(loadFactory().createDriver(config));
    if (!shutdownHookAdded) {
      Runtime.getRuntime().addShutdownHook(new Thread(Colony::shutdown, "colony-shutdown"));
      shutdownHookAdded = true;
    }
  }

  public static boolean isInitialized() {
    return RuntimeHolder.isInstalled();
  }

  /** Disconnects, and stops the local cluster that {@link #init()} started. Idempotent. */
  public static synchronized void shutdown() {
    ColonyRuntime runtime = RuntimeHolder.uninstall();
    if (runtime != null) {
      runtime.shutdown();
    }
  }

  private static ColonyRuntimeFactory loadFactory() {
    Iterator<ColonyRuntimeFactory> it =
        ServiceLoader.load(ColonyRuntimeFactory.class, Colony.class.getClassLoader()).iterator();
    if (!it.hasNext()) {
      throw new IllegalStateException(
          "no Colony runtime on the class path: add the io.colony:colony-runtime artifact");
    }
    return it.next();
  }

  // ------------------------------------------------------------------ objects

  /** Stores {@code value} in the cluster; this process owns the object. */
  public static <T> ObjectRef<T> put(T value) {
    if (value instanceof ObjectRef) {
      throw new IllegalArgumentException(
          "Colony.put() of an ObjectRef is not allowed: it already refers to an object");
    }
    return RuntimeHolder.get().put(value);
  }

  /**
   * Waits for the object and returns its value.
   *
   * @throws io.colony.api.exception.ColonyTaskException if the task that makes it failed
   */
  public static <T> T get(ObjectRef<T> ref) {
    return getOne(ref, -1);
  }

  /**
   * Waits at most {@code timeoutMs} for the object.
   *
   * @throws io.colony.api.exception.GetTimeoutException if it is not ready by then
   */
  public static <T> T get(ObjectRef<T> ref, long timeoutMs) {
    return getOne(ref, checkTimeout(timeoutMs));
  }

  /** Waits for all the objects and returns their values in order. */
  public static <T> List<T> get(List<ObjectRef<T>> refs) {
    return RuntimeHolder.get().get(checkRefs(refs, "Colony.get()"), -1);
  }

  /** Waits at most {@code timeoutMs} for all the objects. */
  public static <T> List<T> get(List<ObjectRef<T>> refs, long timeoutMs) {
    checkTimeout(timeoutMs);
    return RuntimeHolder.get().get(checkRefs(refs, "Colony.get()"), timeoutMs);
  }

  private static <T> T getOne(ObjectRef<T> ref, long timeoutMs) {
    Objects.requireNonNull(ref, "Colony.get() takes an ObjectRef, got null");
    return RuntimeHolder.get().<T>get(List.of(ref), timeoutMs).get(0);
  }

  /** Waits until all the objects are ready. */
  public static <T> WaitResult<T> wait(List<ObjectRef<T>> refs) {
    return waitChecked(refs, checkRefs(refs, "Colony.wait()").size(), -1);
  }

  /** Waits until {@code numReturns} of the objects are ready. */
  public static <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns) {
    return waitChecked(refs, numReturns, -1);
  }

  /**
   * Waits until {@code numReturns} of the objects are ready or {@code timeoutMs} passed. At most
   * {@code numReturns} refs are reported ready.
   */
  public static <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, long timeoutMs) {
    return waitChecked(refs, numReturns, checkTimeout(timeoutMs));
  }

  private static <T> WaitResult<T> waitChecked(
      List<ObjectRef<T>> refs, int numReturns, long timeoutMs) {
    checkRefs(refs, "Colony.wait()");
    if (new HashSet<>(refs).size() != refs.size()) {
      throw new IllegalArgumentException("Colony.wait() got the same ObjectRef twice");
    }
    if (numReturns < 0 || numReturns > refs.size()) {
      throw new IllegalArgumentException(
          "numReturns must be between 0 and the number of refs ("
              + refs.size()
              + "), got "
              + numReturns);
    }
    return RuntimeHolder.get().wait(refs, numReturns, timeoutMs);
  }

  /**
   * Cancels the task or actor call that returns {@code ref}; getting it then throws {@link
   * io.colony.api.exception.TaskCancelledException}. A queued task is dropped and a running one
   * interrupted. An actor call is skipped if it has not started; one already running runs on and
   * returns its result (stopping it midway would leave the actor half-changed). A finished task or
   * a put object is left alone.
   */
  public static void cancel(ObjectRef<?> ref) {
    cancel(ref, false);
  }

  /**
   * Like {@link #cancel(ObjectRef)}; {@code force} ends a running task by exiting its worker.
   *
   * @throws IllegalArgumentException if {@code force} is set for an actor call (it would kill the
   *     actor)
   */
  public static void cancel(ObjectRef<?> ref, boolean force) {
    Objects.requireNonNull(ref, "Colony.cancel() takes an ObjectRef, got null");
    RuntimeHolder.get().cancel(ref, force);
  }

  /**
   * Stops a streaming call and cancels its task (as {@link ObjectRefGenerator#cancel()}): items not
   * taken yet are dropped, and the stream ends (with the task's failure as its last item, if any).
   */
  public static void cancel(ObjectRefGenerator<?> generator) {
    Objects.requireNonNull(generator, "Colony.cancel() takes an ObjectRefGenerator, got null")
        .cancel();
  }

  private static <L extends List<?>> L checkRefs(L refs, String what) {
    Objects.requireNonNull(refs, what + " takes a list of ObjectRefs, got null");
    for (Object ref : refs) {
      if (ref == null) {
        throw new NullPointerException(what + " got a list holding null");
      }
    }
    return refs;
  }

  private static long checkTimeout(long timeoutMs) {
    if (timeoutMs < 0) {
      throw new IllegalArgumentException("timeoutMs must be >= 0, got " + timeoutMs);
    }
    return timeoutMs;
  }

  static Object[] checkArgs(Object[] args) {
    return Objects.requireNonNull(args, "the argument array must not be null");
  }

  static ColonyFunc checkFunction(ColonyFunc function) {
    return Objects.requireNonNull(function, "the function must be a method reference, got null");
  }

  // ------------------------------------------------------------------ tasks

  public static <R> TaskCaller<R> task(ColonyFunc0<R> f) {
    return new TaskCaller<>(f, NO_ARGS);
  }

  public static TaskCaller<Void> task(ColonyFuncVoid0 f) {
    return new TaskCaller<>(f, NO_ARGS);
  }

  public static <T0, R> TaskCaller<R> task(ColonyFunc1<T0, R> f, Object a0) {
    return new TaskCaller<>(f, new Object[] {a0});
  }

  public static <T0> TaskCaller<Void> task(ColonyFuncVoid1<T0> f, Object a0) {
    return new TaskCaller<>(f, new Object[] {a0});
  }

  public static <T0, T1, R> TaskCaller<R> task(ColonyFunc2<T0, T1, R> f, Object a0, Object a1) {
    return new TaskCaller<>(f, new Object[] {a0, a1});
  }

  public static <T0, T1> TaskCaller<Void> task(ColonyFuncVoid2<T0, T1> f, Object a0, Object a1) {
    return new TaskCaller<>(f, new Object[] {a0, a1});
  }

  public static <T0, T1, T2, R> TaskCaller<R> task(
      ColonyFunc3<T0, T1, T2, R> f, Object a0, Object a1, Object a2) {
    return new TaskCaller<>(f, new Object[] {a0, a1, a2});
  }

  public static <T0, T1, T2> TaskCaller<Void> task(
      ColonyFuncVoid3<T0, T1, T2> f, Object a0, Object a1, Object a2) {
    return new TaskCaller<>(f, new Object[] {a0, a1, a2});
  }

  public static <T0, T1, T2, T3, R> TaskCaller<R> task(
      ColonyFunc4<T0, T1, T2, T3, R> f, Object a0, Object a1, Object a2, Object a3) {
    return new TaskCaller<>(f, new Object[] {a0, a1, a2, a3});
  }

  public static <T0, T1, T2, T3> TaskCaller<Void> task(
      ColonyFuncVoid4<T0, T1, T2, T3> f, Object a0, Object a1, Object a2, Object a3) {
    return new TaskCaller<>(f, new Object[] {a0, a1, a2, a3});
  }

  public static <T0, T1, T2, T3, T4, R> TaskCaller<R> task(
      ColonyFunc5<T0, T1, T2, T3, T4, R> f, Object a0, Object a1, Object a2, Object a3, Object a4) {
    return new TaskCaller<>(f, new Object[] {a0, a1, a2, a3, a4});
  }

  public static <T0, T1, T2, T3, T4> TaskCaller<Void> task(
      ColonyFuncVoid5<T0, T1, T2, T3, T4> f,
      Object a0,
      Object a1,
      Object a2,
      Object a3,
      Object a4) {
    return new TaskCaller<>(f, new Object[] {a0, a1, a2, a3, a4});
  }

  public static <T0, T1, T2, T3, T4, T5, R> TaskCaller<R> task(
      ColonyFunc6<T0, T1, T2, T3, T4, T5, R> f,
      Object a0,
      Object a1,
      Object a2,
      Object a3,
      Object a4,
      Object a5) {
    return new TaskCaller<>(f, new Object[] {a0, a1, a2, a3, a4, a5});
  }

  public static <T0, T1, T2, T3, T4, T5> TaskCaller<Void> task(
      ColonyFuncVoid6<T0, T1, T2, T3, T4, T5> f,
      Object a0,
      Object a1,
      Object a2,
      Object a3,
      Object a4,
      Object a5) {
    return new TaskCaller<>(f, new Object[] {a0, a1, a2, a3, a4, a5});
  }

  /**
   * Calls a Python function. Arguments are values with an XLANG form (null, Boolean, integers,
   * BigInteger, Float/Double, String, byte[], List and arrays, Map, ActorHandle) or {@link
   * ObjectRef}s; any other value fails here, naming its type.
   */
  public static <R> TaskCaller<R> task(PyFunction<R> f, Object... args) {
    return new TaskCaller<>(f, args);
  }

  // ------------------------------------------------------------------ actors

  /**
   * Creates a Python actor; its handle is an {@code ActorHandle<PyActorClass>}, called with {@link
   * io.colony.api.function.PyActorMethod}s. Arguments as for {@link #task(PyFunction, Object...)}.
   */
  public static PyActorCreator actor(PyActorClass actorClass, Object... args) {
    return new PyActorCreator(actorClass, args);
  }

  public static <A> ActorCreator<A> actor(ColonyFunc0<A> f) {
    return new ActorCreator<>(f, NO_ARGS);
  }

  public static <T0, A> ActorCreator<A> actor(ColonyFunc1<T0, A> f, Object a0) {
    return new ActorCreator<>(f, new Object[] {a0});
  }

  public static <T0, T1, A> ActorCreator<A> actor(ColonyFunc2<T0, T1, A> f, Object a0, Object a1) {
    return new ActorCreator<>(f, new Object[] {a0, a1});
  }

  public static <T0, T1, T2, A> ActorCreator<A> actor(
      ColonyFunc3<T0, T1, T2, A> f, Object a0, Object a1, Object a2) {
    return new ActorCreator<>(f, new Object[] {a0, a1, a2});
  }

  public static <T0, T1, T2, T3, A> ActorCreator<A> actor(
      ColonyFunc4<T0, T1, T2, T3, A> f, Object a0, Object a1, Object a2, Object a3) {
    return new ActorCreator<>(f, new Object[] {a0, a1, a2, a3});
  }

  public static <T0, T1, T2, T3, T4, A> ActorCreator<A> actor(
      ColonyFunc5<T0, T1, T2, T3, T4, A> f, Object a0, Object a1, Object a2, Object a3, Object a4) {
    return new ActorCreator<>(f, new Object[] {a0, a1, a2, a3, a4});
  }

  public static <T0, T1, T2, T3, T4, T5, A> ActorCreator<A> actor(
      ColonyFunc6<T0, T1, T2, T3, T4, T5, A> f,
      Object a0,
      Object a1,
      Object a2,
      Object a3,
      Object a4,
      Object a5) {
    return new ActorCreator<>(f, new Object[] {a0, a1, a2, a3, a4, a5});
  }

  /** The live actor of that name in the job's namespace, if any. */
  public static <A> Optional<ActorHandle<A>> getActor(String name) {
    return getActor(name, null);
  }

  /**
   * The live actor of that name in {@code namespace} (null: the job's), if any. A Python actor's
   * handle is an {@code ActorHandle<PyActorClass>}.
   */
  public static <A> Optional<ActorHandle<A>> getActor(String name, String namespace) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("Colony.getActor() takes a non-empty actor name");
    }
    return RuntimeHolder.get().getActor(name, namespace);
  }
}
