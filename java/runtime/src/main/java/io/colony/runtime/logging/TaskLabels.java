package io.colony.runtime.logging;

/**
 * What runs on each thread, as the marker line a worker writes before that task's or actor's
 * output (docs/observability.md): {@code :colony-task:<task id hex>:<name>} or {@code
 * :colony-actor:<actor id hex>:<class>}. The raylet's log monitor reads the markers to label
 * the lines it forwards to drivers; setting a label writes nothing.
 */
public final class TaskLabels {
  public static final String TASK_MARKER = ":colony-task:";
  public static final String ACTOR_MARKER = ":colony-actor:";

  private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

  private TaskLabels() {}

  public static String task(String taskIdHex, String name) {
    return TASK_MARKER + taskIdHex + ":" + oneLine(name);
  }

  public static String actor(String actorIdHex, String className) {
    return ACTOR_MARKER + actorIdHex + ":" + oneLine(className);
  }

  /** Labels what this thread prints from now on (null: nothing). */
  public static void set(String label) {
    CURRENT.set(label);
  }

  public static String current() {
    return CURRENT.get();
  }

  private static String oneLine(String text) {
    return text.replace('\n', ' ').replace('\r', ' ');
  }
}
