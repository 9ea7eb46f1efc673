package io.colony.api.options;

/** Whether an actor dies with the process that created it. */
public enum ActorLifetime {
  /** The actor dies when its owner (the creating driver or worker) dies. The default. */
  NON_DETACHED,
  /** The actor outlives its owner and lives until it is killed; name it to find it again. */
  DETACHED
}
