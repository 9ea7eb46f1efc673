package io.colony.streaming.runtime;

import java.util.Map;

/**
 * The Java operator actor of docs/streaming.md ("Methods of an operator actor"): one instance of a
 * chain of Java operators, thread-hosted (many per JVM). Created with no arguments by a coordinator
 * of either language; every argument and result is an XLANG value, so Python coordinators and
 * Python operators call it as Java ones do. Methods return promptly: the work runs on the
 * instance's own thread ({@link Instance}).
 */
public final class OperatorActor {
  private volatile Instance instance;

  public OperatorActor() {}

  /** Builds the chain, its channels and its state from {@code config}; true once ready. */
  public boolean open(Map<String, Object> config) throws Exception {
    if (instance != null) {
      throw new IllegalStateException("open() was called twice");
    }
    instance = new Instance(config);
    return true;
  }

  /** Sources begin to emit (called once every instance of the job is open). */
  public void start() {
    opened().start();
  }

  /** A message on one of this instance's input channels. */
  public void push(String channel, Map<String, Object> message) {
    opened().push(channel, message);
  }

  /** {@code n} more messages may be sent on one of this instance's output channels. */
  public void credit(String channel, long n) {
    opened().credit(channel, n);
  }

  /** Sources only: take checkpoint {@code id} between two records. */
  public void checkpoint(long checkpointId, boolean isFinal) {
    opened().checkpoint(checkpointId, isFinal);
  }

  /** Checkpoint {@code id} is complete: sinks commit what they staged up to it. */
  public void commit(long checkpointId) {
    opened().commit(checkpointId);
  }

  /** Acks, progress, error and metrics since the last poll. */
  public Map<String, Object> poll() {
    return opened().poll();
  }

  /** Stops the instance's thread and closes its functions. */
  public void close() {
    Instance current = instance;
    if (current != null) {
      current.close();
    }
  }

  /** This JVM's process id (Java-only, not part of the protocol: tests kill it). */
  public long processId() {
    return ProcessHandle.current().pid();
  }

  private Instance opened() {
    Instance current = instance;
    if (current == null) {
      throw new IllegalStateException("the operator actor is not open yet");
    }
    return current;
  }
}
