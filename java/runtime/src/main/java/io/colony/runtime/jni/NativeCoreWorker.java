package io.colony.runtime.jni;

import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.generated.CoreWorker.PushTaskReply;
import io.colony.runtime.task.TaskExecutor;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JNI binding of the C++ core worker ({@code src/core_cpp/core_worker/core_worker.h}),
 * implemented in {@code src/core_cpp/jni/}. Nothing else in Java calls native code.
 *
 * <p>Conventions, chosen to keep the C++ side a thin translation:
 *
 * <ul>
 *   <li>{@code worker} is the handle {@link #initialize} returned (a {@code CoreWorker*}); one JVM
 *       may host several logical workers (thread-hosted actors), each its own handle.
 *   <li>IDs are their binary form as {@code byte[]} (object 20 bytes, actor and task 16). Protos
 *       travel serialized ({@code TaskSpec}, {@code JobConfig}, {@code Address}, ...).
 *   <li>A non-OK {@code Status} is thrown as {@link CoreWorkerException} with its code.
 *   <li>Blocking calls ({@link #get}, {@link #waitObjects}, {@link #runTaskLoop}) release no Java
 *       monitors; the C++ side must not hold the JNI critical section while blocking.
 * </ul>
 *
 * <p>The native side calls back into {@link #execute} and {@link #interrupt} on its own threads
 * (attached to the JVM), for workers that have an executor registered.
 */
public final class NativeCoreWorker {
  private static final Map<Long, TaskExecutor> EXECUTORS = new ConcurrentHashMap<>();
  private static final Map<Long, io.colony.api.runtime.ColonyRuntime> RUNTIMES =
      new ConcurrentHashMap<>();

  /** The runtime that tasks of this worker see through the API (several per JVM). */
  public static void registerRuntime(long worker, io.colony.api.runtime.ColonyRuntime runtime) {
    RUNTIMES.put(worker, runtime);
  }

  private NativeCoreWorker() {}

  // ------------------------------------------------------------------ lifecycle

  /**
   * Connects to the GCS and raylet and registers the job (drivers) or the worker. An empty {@code
   * rayletAddress} finds this node's raylet through the GCS; {@code jobIdHex} and {@code
   * workerIdHex} are given to workers by the raylet and empty for drivers.
   *
   * @param jobConfig a serialized {@code JobConfig} (drivers; empty for workers)
   * @return the handle every other method takes
   */
  public static native long initialize(
      String gcsAddress,
      String rayletAddress,
      String nodeIp,
      String token,
      String namespace,
      boolean isDriver,
      String jobIdHex,
      String workerIdHex,
      byte[] jobConfig);

  /** Workers: executes pushed tasks on this thread until {@link #shutdown}. */
  public static native void runTaskLoop(long worker);

  public static native void shutdown(long worker);

  // ------------------------------------------------------------------ objects

  /**
   * Stores a value this process owns (inline, or in shared memory when large).
   *
   * @param nestedRefOwners serialized {@code Address} of each nested ref's owner
   * @return the new object's ID
   */
  public static native byte[] put(
      long worker, byte[] metadata, byte[] data, byte[][] nestedRefIds, byte[][] nestedRefOwners);

  /**
   * Like {@link #put}, with the value's bytes given as direct buffers laid end to end (an Arrow
   * stream's metadata and the vectors' own buffers), copied straight into the store.
   */
  public static native byte[] putPieces(
      long worker,
      byte[] metadata,
      ByteBuffer[] pieces,
      byte[][] nestedRefIds,
      byte[][] nestedRefOwners);

  /**
   * Waits for the objects; {@code timeoutMs} -1 waits forever.
   *
   * @return {metadata0, data0, metadata1, data1, ...}, or null if the timeout passed first; a
   *     metadata is a {@code byte[]}, a data a {@code byte[]} (inline values) or a {@link
   *     SharedBytes} (values in shared memory, which the caller must release)
   */
  public static native Object[] get(long worker, byte[][] objectIds, long timeoutMs);

  /** Drops the reference a {@link SharedBytes} holds (its {@code handle}); once per handle. */
  static native void releaseShared(long handle);

  /** {base address, size} of the shared-memory region as this process maps it (0, 0 if none). */
  public static native long[] sharedRegion(long worker);

  /**
   * @return one flag per ID: whether the object is ready
   */
  public static native boolean[] waitObjects(
      long worker, byte[][] objectIds, int numReturns, long timeoutMs);

  public static native void addLocalRef(long worker, byte[] objectId);

  public static native void removeLocalRef(long worker, byte[] objectId);

  /** A ref deserialized from a value; {@code ownerAddress} is a serialized Address. */
  public static native void registerRef(long worker, byte[] objectId, byte[] ownerAddress);

  /**
   * Inside {@link #execute}, on its thread: turns a return value into the serialized {@code
   * ObjectValue} of the reply (a shared-memory marker when large, an {@code ERROR:7} value when the
   * store is full) and counts the caller as a borrower of its nested refs.
   */
  public static native byte[] prepareReturn(
      long worker,
      byte[] returnId,
      byte[] metadata,
      byte[] data,
      byte[][] nestedRefIds,
      byte[][] nestedRefOwners);

  /** {@link #prepareReturn} with the bytes in direct buffers, as for {@link #putPieces}. */
  public static native byte[] prepareReturnPieces(
      long worker,
      byte[] returnId,
      byte[] metadata,
      ByteBuffer[] pieces,
      byte[][] nestedRefIds,
      byte[][] nestedRefOwners);

  // ------------------------------------------------------------------ tasks

  /** Submits a serialized {@code TaskSpec}; returns the IDs of its return objects. */
  // ---- streaming generators (TaskSpec.streaming_generator; the core's generator tracker)

  /**
   * Executor, only inside {@code execute} of a streaming task, on its thread: reports item {@code
   * index}, whose value {@code objectValue} (a serialized {@code ObjectValue}) was prepared by
   * {@link #prepareReturn} under id return {@code index + 2}; blocks while the caller's
   * back-pressure window is full. Returns true when the caller wants no more items.
   */
  public static native boolean reportGeneratorItem(long worker, long index, byte[] objectValue);

  /** {@link #generatorNext} kinds, as the core's {@code GeneratorTracker::Next}. */
  public static final byte GENERATOR_ITEM = 0;

  public static final byte GENERATOR_END = 1;
  public static final byte GENERATOR_TIMED_OUT = 2;
  public static final byte GENERATOR_UNKNOWN = 3;

  /**
   * Caller: waits up to {@code timeoutMs} for item {@code index} of the streaming task {@code
   * taskId}. Returns {kind}, or {GENERATOR_ITEM, the item's 20 id bytes...}.
   */
  public static native byte[] generatorNext(long worker, byte[] taskId, long index, long timeoutMs);

  /** Caller: the language holds its own ref to item {@code index} now. */
  public static native void generatorConsumed(long worker, byte[] taskId, long index);

  /** Caller: no more items wanted; {@code forget} also ends the tracking. */
  public static native void generatorStop(long worker, byte[] taskId, boolean forget);

  public static native byte[][] submitTask(long worker, byte[] taskSpec);

  public static native void cancelTask(long worker, byte[] returnId, boolean force);

  // ------------------------------------------------------------------ actors

  /**
   * Registers an actor whose {@code TaskSpec} names the constructor and carries {@code
   * actor_creation}; returns the actor's ID (an existing actor's with {@code getIfExists}). Throws
   * ALREADY_EXISTS if the name is taken.
   */
  public static native byte[] createActor(long worker, byte[] taskSpec, boolean getIfExists);

  /** Returns the call's return IDs; throws LIMIT_EXCEEDED at maxPendingCalls. */
  public static native byte[][] submitActorTask(long worker, byte[] actorId, byte[] taskSpec);

  /** This process got a handle it did not create: start following the actor. */
  public static native void addActorHandle(
      long worker, byte[] actorId, int maxPendingCalls, int maxTaskRetries);

  /**
   * Looks an actor up by ID, or by name (empty {@code actorId}) in {@code namespace} (empty: the
   * job's). Returns a serialized {@code ActorTableData}, or null if there is none.
   */
  public static native byte[] getActorInfo(
      long worker, byte[] actorId, String name, String namespace);

  public static native void killActor(long worker, byte[] actorId, boolean noRestart);

  // ------------------------------------------------------------------ internal KV

  /**
   * @return whether the key was added (false: it existed)
   */
  public static native boolean kvPut(
      long worker, String namespace, byte[] key, byte[] value, boolean overwrite);

  /**
   * @return the value, or null if the key is absent
   */
  public static native byte[] kvGet(long worker, String namespace, byte[] key);

  /**
   * @return how many keys were deleted
   */
  public static native long kvDel(long worker, String namespace, byte[] key, boolean byPrefix);

  public static native byte[][] kvKeys(long worker, String namespace, byte[] prefix);

  // ------------------------------------------------------------------ context

  /** This worker's serialized {@code Address}: the owner address of the objects it makes. */
  public static native byte[] getAddress(long worker);

  public static native byte[] getJobId(long worker);

  public static native byte[] getCurrentTaskId(long worker);

  /** The actor this worker hosts; all 0xff bytes (nil) if none. */
  public static native byte[] getCurrentActorId(long worker);

  public static native String getNamespace(long worker);

  // ------------------------------------------------------------------ callbacks

  /** Tasks pushed to {@code worker} run on {@code executor}; set before runTaskLoop. */
  public static void registerExecutor(long worker, TaskExecutor executor) {
    EXECUTORS.put(worker, executor);
  }

  public static void unregisterExecutor(long worker) {
    EXECUTORS.remove(worker);
  }

  /**
   * Called by the native side to run a task: {@code taskSpec} is a serialized {@code TaskSpec},
   * argument i is (argMetadata[i], argData[i]) with refs already resolved, argData[i] a {@code
   * byte[]} or a {@link SharedBytes} as in {@link #get}. Returns a serialized {@code
   * PushTaskReply} with the return IDs and values filled in. Never throws.
   */
  static byte[] execute(long worker, byte[] taskSpec, byte[][] argMetadata, Object[] argData) {
    try {
      TaskExecutor executor = EXECUTORS.get(worker);
      if (executor == null) {
        throw new IllegalStateException("no executor registered for worker " + worker);
      }
      TaskSpec spec = TaskSpec.parseFrom(taskSpec);
      io.colony.api.runtime.RuntimeHolder.setForThread(RUNTIMES.get(worker));
      try {
        return executor.execute(spec, argMetadata, argData).toByteArray();
      } finally {
        io.colony.api.runtime.RuntimeHolder.setForThread(null);
      }
    } catch (Throwable t) { // a bug of ours: the caller sees an application error, we log it
      t.printStackTrace();
      return PushTaskReply.newBuilder().setIsApplicationError(true).build().toByteArray();
    }
  }

  /** Called by the native side (any thread) to cancel a running task. */
  static void interrupt(long worker, byte[] taskId) {
    TaskExecutor executor = EXECUTORS.get(worker);
    if (executor != null) {
      executor.interrupt(taskId);
    }
  }

  // ---- worker output for a driver (docs/observability.md)

  /** Starts long-polling the GCS for the job's worker output; returns a subscriber handle. */
  public static native long startLogSubscriber(
      String gcsAddress, String token, String jobIdHex, long dedupWindowMs);

  /**
   * Folded, prefixed lines within {@code timeoutMs} (maybe none), each a byte array whose first
   * byte is 1 for stderr, 0 for stdout; null once stopped and drained.
   */
  public static native byte[][] nextLogLines(long subscriber, long timeoutMs);

  public static native void stopLogSubscriber(long subscriber);

  /** Frees a stopped subscriber once no thread is in nextLogLines. */
  public static native void releaseLogSubscriber(long subscriber);

  // ---- the state API's reads of the GCS (docs/observability.md)

  /**
   * One GCS read ({@code GetEvents}, {@code GetTaskAttempts}, {@code GetAllActorInfo},
   * {@code GetAllNodeInfo}, {@code GetAllJobInfo}): a serialized request in, its serialized reply
   * out; needs no core worker.
   */
  public static native byte[] gcsStateCall(
      String gcsAddress, String token, String method, byte[] request);
}
