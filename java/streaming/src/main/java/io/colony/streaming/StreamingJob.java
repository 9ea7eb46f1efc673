package io.colony.streaming;

import io.colony.streaming.coordinator.JobCoordinator;
import java.util.List;

/**
 * A running streaming job: its status, per-operator metrics and checkpoint age; {@link #stop()} ends
 * it after one more checkpoint, {@link #resume()} starts it again from there.
 */
public final class StreamingJob {
  private final String name;
  private final JobCoordinator coordinator;
  private JobStatus status = JobStatus.STARTING;
  private String failure;
  private String lastRestartCause;
  private int restarts;
  private long lastCheckpoint = -1;
  private long lastCheckpointNanos = System.nanoTime();
  private List<OperatorMetrics> metrics = List.of();
  private boolean allFinished;

  /** Made by the coordinator. */
  public StreamingJob(String name, JobCoordinator coordinator) {
    this.name = name;
    this.coordinator = coordinator;
  }

  public String getName() {
    return name;
  }

  public synchronized JobStatus status() {
    return status;
  }

  /** Why the job FAILED, or null. */
  public synchronized String failure() {
    return failure;
  }

  /** How many times the job was restarted from a checkpoint, and why the last time. */
  public synchronized int restarts() {
    return restarts;
  }

  public synchronized String lastRestartCause() {
    return lastRestartCause;
  }

  /** The id of the last complete checkpoint (-1: none yet). */
  public synchronized long lastCheckpoint() {
    return lastCheckpoint;
  }

  /** Milliseconds since the last complete checkpoint (or since the start). */
  public synchronized long checkpointAgeMs() {
    return (System.nanoTime() - lastCheckpointNanos) / 1_000_000;
  }

  /** Figures of each operator, in plan order, at the last poll (every ~100 ms). */
  public synchronized List<OperatorMetrics> metrics() {
    return metrics;
  }

  /**
   * Waits until the job FINISHED, FAILED or STOPPED.
   *
   * @return true if it ended within {@code timeoutMs}
   */
  public synchronized boolean awaitTermination(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (!isTerminal(status)) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }

  /**
   * Stops the job after one more checkpoint, so {@link #resume()} continues exactly where it
   * stopped; waits until it is STOPPED.
   */
  public void stop() throws InterruptedException {
    stop(true);
  }

  /** Stops the job; without {@code checkpoint} at once (a resume replays from the last one). */
  public void stop(boolean checkpoint) throws InterruptedException {
    coordinator.requestStop(checkpoint);
    awaitTermination(120_000);
  }

  /** A stopped or failed job, started again from its last complete checkpoint. */
  public StreamingJob resume() {
    synchronized (this) {
      if (!isTerminal(status) || status == JobStatus.FINISHED) {
        throw new IllegalStateException("only a stopped or failed job resumes; this one is " + status);
      }
    }
    return JobCoordinator.resume(coordinator.plan(), coordinator);
  }

  /** The process ids of the JVMs running the chain of {@code operatorId} (tests kill them). */
  public List<Long> javaProcessIds(String operatorId) {
    return coordinator.javaProcessIds(operatorId);
  }

  private static boolean isTerminal(JobStatus s) {
    return s == JobStatus.FINISHED || s == JobStatus.FAILED || s == JobStatus.STOPPED;
  }

  // ------------------------------------------------------------------ the coordinator's side

  /** Coordinator only. */
  public synchronized void setStatus(JobStatus s) {
    status = s;
    notifyAll();
  }

  /** Coordinator only. */
  public synchronized void restarting(String cause) {
    restarts++;
    lastRestartCause = cause;
    status = JobStatus.RESTARTING;
    notifyAll();
  }

  /** Coordinator only. */
  public synchronized void checkpointCompleted(long id) {
    lastCheckpoint = id;
    lastCheckpointNanos = System.nanoTime();
  }

  /** Coordinator only. */
  public synchronized void update(List<OperatorMetrics> m, boolean finished) {
    metrics = List.copyOf(m);
    allFinished = finished;
  }

  /** Coordinator only. */
  public synchronized boolean allFinished() {
    return allFinished;
  }

  /** Coordinator only. */
  public synchronized void finish(JobStatus s, String why) {
    status = s;
    failure = why;
    notifyAll();
  }
}
