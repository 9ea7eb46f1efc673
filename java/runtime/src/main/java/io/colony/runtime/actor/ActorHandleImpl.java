package io.colony.runtime.actor;

import io.colony.api.ActorHandle;
import io.colony.runtime.generated.Common.ActorCreationSpec;
import io.colony.runtime.generated.Common.ActorTableData;
import io.colony.runtime.generated.Common.FunctionDescriptor;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.object.ObjectIds;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/**
 * The runtime's {@link ActorHandle}: the actor's ID plus what a caller needs to submit calls (the
 * actor's language and class, the submitter's limits). Serializable inside values, so handles can
 * be passed around.
 *
 * <p>A Python actor's handle ({@link Language#PYTHON}) names its class by qualified name and
 * module; calls to it go with Python function descriptors.
 */
public final class ActorHandleImpl<A> implements ActorHandle<A> {
  public static final int ACTOR_ID_SIZE = 16;

  private final byte[] actorId;
  private final String className;
  private final Language language;
  private final String moduleName;
  private final int maxPendingCalls;
  private final int maxTaskRetries;
  // The actor's declared concurrency groups, when this process knows them (its creator, or a
  // handle from the GCS's record); null for a handle passed in a value: calls go unchecked.
  private volatile Set<String> concurrencyGroups;

  /** A Java actor's handle. */
  public ActorHandleImpl(
      byte[] actorId, String className, int maxPendingCalls, int maxTaskRetries) {
    this(actorId, Language.JAVA, className, "", maxPendingCalls, maxTaskRetries);
  }

  /**
   * @param className a Java actor's class name, or a Python actor's class qualname ("" if unknown)
   * @param moduleName a Python actor's module ("" if unknown); "" for Java actors
   */
  public ActorHandleImpl(
      byte[] actorId,
      Language language,
      String className,
      String moduleName,
      int maxPendingCalls,
      int maxTaskRetries) {
    if (actorId.length != ACTOR_ID_SIZE) {
      throw new IllegalArgumentException(
          "an actor ID has " + ACTOR_ID_SIZE + " bytes, got " + actorId.length);
    }
    if (language != Language.JAVA && language != Language.PYTHON) {
      throw new IllegalArgumentException("an actor's language is JAVA or PYTHON, got " + language);
    }
    this.actorId = actorId.clone();
    this.language = language;
    this.className = Objects.requireNonNull(className);
    this.moduleName = Objects.requireNonNull(moduleName);
    this.maxPendingCalls = maxPendingCalls;
    this.maxTaskRetries = maxTaskRetries;
  }

  /** The handle the GCS's record of an actor describes. */
  public static <A> ActorHandleImpl<A> fromActorTable(ActorTableData data) {
    ActorCreationSpec creation = data.getCreationTask().getActorCreation();
    FunctionDescriptor function = data.getCreationTask().getFunction();
    String className;
    String moduleName = "";
    if (data.getLanguage() == Language.PYTHON) {
      className = function.getPython().getQualname();
      moduleName = function.getPython().getModuleName();
    } else {
      className = !data.getClassName().isEmpty() ? data.getClassName() : creation.getClassName();
    }
    if (className.isEmpty()) {
      className = data.getClassName();
    }
    return new ActorHandleImpl<A>(
            data.getActorId().toByteArray(),
            data.getLanguage(),
            className,
            moduleName,
            creation.getMaxPendingCalls(),
            creation.getMaxTaskRetries())
        .withConcurrencyGroups(creation.getConcurrencyGroupsMap().keySet());
  }

  /** Records the actor's declared concurrency groups, so calls naming others fail early. */
  public ActorHandleImpl<A> withConcurrencyGroups(Set<String> groups) {
    this.concurrencyGroups = Set.copyOf(groups);
    return this;
  }

  /**
   * @throws IllegalArgumentException if the actor's groups are known and {@code group} (non-null)
   *     is not one of them
   */
  public void checkConcurrencyGroup(String group, String call) {
    Set<String> known = concurrencyGroups;
    if (group != null && known != null && !known.contains(group)) {
      throw new IllegalArgumentException(
          call + ": concurrency group '" + group + "' is not one of the actor's "
              + new java.util.TreeSet<>(known));
    }
  }

  public byte[] actorId() {
    return actorId.clone();
  }

  /** The actor's class name as its creator gave it (a Python actor's class qualname). */
  public String className() {
    return className;
  }

  /** {@link Language#JAVA} or {@link Language#PYTHON}. */
  public Language language() {
    return language;
  }

  /** A Python actor's module, "" if unknown or for a Java actor. */
  public String moduleName() {
    return moduleName;
  }

  public int maxPendingCalls() {
    return maxPendingCalls;
  }

  public int maxTaskRetries() {
    return maxTaskRetries;
  }

  @Override
  public String getId() {
    return ObjectIds.hex(actorId);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ActorHandleImpl
        && Arrays.equals(actorId, ((ActorHandleImpl<?>) other).actorId);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(actorId);
  }

  @Override
  public String toString() {
    String kind = language == Language.PYTHON ? "Python " : "";
    String name = className.isEmpty() ? "?" : className;
    return "ActorHandle(" + kind + name + ", " + getId() + ")";
  }
}
