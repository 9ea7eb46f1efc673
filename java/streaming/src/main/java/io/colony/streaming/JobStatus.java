package io.colony.streaming;

/** Where a streaming job is. */
public enum JobStatus {
  /** Operators are being created and opened. */
  STARTING,
  RUNNING,
  /** An operator failed; all are being recreated from the last complete checkpoint. */
  RESTARTING,
  /** The sources were exhausted and the final checkpoint committed. */
  FINISHED,
  /** Stopped by {@link StreamingJob#stop()}; can be resumed from its last checkpoint. */
  STOPPED,
  /** Could not run (see {@link StreamingJob#failure()}). */
  FAILED
}
