package io.colony.runtime.task;

import io.colony.api.ObjectRef;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import io.colony.api.function.PyFunction;
import io.colony.api.options.ActorCallOptions;
import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.ActorLifetime;
import io.colony.api.options.CallOptions;
import io.colony.api.scheduling.SchedulingStrategy;
import io.colony.runtime.actor.ActorHandleImpl;
import io.colony.runtime.function.JavaFunction;
import io.colony.runtime.generated.Common.ActorCreationSpec;
import io.colony.runtime.generated.Common.FunctionDescriptor;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.generated.Common.PythonFunctionDescriptor;
import io.colony.runtime.generated.Common.TaskArg;
import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.object.ObjectRefImpl;
import io.colony.runtime.serialization.ObjectSerializer;
import io.colony.runtime.serialization.SerializedValue;
import java.util.Map;

/**
 * Builds the {@code TaskSpec} of a call from a resolved function, its arguments and options. The
 * core worker fills in the rest (IDs, caller, job, task type). Top-level refs are passed by
 * reference (the executor receives their values); other arguments are serialized inline.
 *
 * <p>Calls to Python ({@code docs/xlang.md}) have language {@code PYTHON}, a {@code
 * PythonFunctionDescriptor} naming module and qualname with an empty {@code function_hash} (the
 * worker imports the module), and XLANG arguments.
 */
public final class TaskSpecBuilder {
  private final ObjectSerializer serializer;

  public TaskSpecBuilder(ObjectSerializer serializer) {
    this.serializer = serializer;
  }

  public TaskSpec normalTask(JavaFunction function, Object[] args, CallOptions options) {
    String name = options.getName() != null ? options.getName() : function.displayName();
    TaskSpec.Builder spec = base(function, args, name, 1);
    putResources(spec, options.getResources());
    putStrategy(spec, options.getSchedulingStrategy());
    return spec.setMaxRetries(options.getMaxRetries())
        .setRetryExceptions(options.isRetryExceptions())
        .build();
  }

  public TaskSpec actorCreation(
      JavaFunction constructor, Object[] args, ActorCreationOptions options) {
    String className = constructor.resultType().getName();
    TaskSpec.Builder spec = base(constructor, args, constructor.displayName(), 1);
    putResources(spec, options.getResources());
    putStrategy(spec, options.getSchedulingStrategy());
    return spec.setActorCreation(creationSpec(options, className)).build();
  }

  private static ActorCreationSpec.Builder creationSpec(
      ActorCreationOptions options, String className) {
    ActorCreationSpec.Builder creation =
        ActorCreationSpec.newBuilder()
            .setDetached(options.getLifetime() == ActorLifetime.DETACHED)
            .setMaxRestarts(options.getMaxRestarts())
            .setMaxTaskRetries(options.getMaxTaskRetries())
            .setMaxConcurrency(options.getMaxConcurrency())
            .setMaxPendingCalls(options.getMaxPendingCalls())
            .addAllJvmOptions(options.getJvmOptions())
            .putAllConcurrencyGroups(options.getConcurrencyGroups())
            .setClassName(className);
    if (options.getName() != null) {
      creation.setName(options.getName());
    }
    if (options.getNamespace() != null) {
      creation.setNamespace(options.getNamespace());
    }
    return creation;
  }

  /** {@code args} are the method's arguments after the actor itself. */
  public TaskSpec actorTask(JavaFunction method, Object[] args, ActorCallOptions options) {
    String name = options.getName() != null ? options.getName() : method.displayName();
    TaskSpec.Builder spec = base(method, args, name, 1);
    String group = concurrencyGroup(method, options);
    if (group != null) {
      spec.setConcurrencyGroup(group);
    }
    return spec.build();
  }

  /**
   * {@code spec} as a streaming generator call (num_returns="streaming"): one return, the item
   * count; items are reported as returns 2, 3, ... ({@code backpressure} 0: no window).
   */
  public static TaskSpec streaming(TaskSpec spec, long backpressure) {
    return spec.toBuilder()
        .setStreamingGenerator(true)
        .setGeneratorBackpressureNumObjects(backpressure)
        .setNumReturns(1)
        .build();
  }

  /** The call's group: its option, else the method's {@code @ConcurrencyGroup}, else null. */
  public static String concurrencyGroup(JavaFunction method, ActorCallOptions options) {
    return options.getConcurrencyGroup() != null
        ? options.getConcurrencyGroup()
        : method.concurrencyGroup();
  }

  private TaskSpec.Builder base(JavaFunction function, Object[] args, String name, int returns) {
    TaskSpec.Builder spec =
        TaskSpec.newBuilder()
            .setLanguage(Language.JAVA)
            .setCallerLanguage(Language.JAVA)
            .setFunction(FunctionDescriptor.newBuilder().setJava(function.descriptor()))
            .setName(name)
            .setNumReturns(returns);
    for (int i = 0; i < args.length; i++) {
      spec.addArgs(toArg(args[i], "argument " + i + " of " + name));
    }
    return spec;
  }

  // ------------------------------------------------------------------ calls to Python

  /** A call of a Python function: {@code module.function(*args)} on a Python worker. */
  public TaskSpec pythonTask(PyFunction<?> function, Object[] args, CallOptions options) {
    String name = options.getName() != null ? options.getName() : function.getFunctionName();
    PythonFunctionDescriptor descriptor =
        PythonFunctionDescriptor.newBuilder()
            .setModuleName(function.getModuleName())
            .setQualname(function.getFunctionName())
            .setFunctionHash("")
            .build();
    TaskSpec.Builder spec = pythonBase(descriptor, args, name);
    putResources(spec, options.getResources());
    putStrategy(spec, options.getSchedulingStrategy());
    return spec.setMaxRetries(options.getMaxRetries())
        .setRetryExceptions(options.isRetryExceptions())
        .build();
  }

  /** The creation of a Python actor: {@code module.ClassName(*args)}. */
  public TaskSpec pythonActorCreation(
      PyActorClass actorClass, Object[] args, ActorCreationOptions options) {
    PythonFunctionDescriptor descriptor =
        PythonFunctionDescriptor.newBuilder()
            .setModuleName(actorClass.getModuleName())
            .setQualname(actorClass.getClassName())
            .setFunctionHash("")
            .build();
    TaskSpec.Builder spec = pythonBase(descriptor, args, actorClass.getClassName());
    putResources(spec, options.getResources());
    putStrategy(spec, options.getSchedulingStrategy());
    return spec.setActorCreation(creationSpec(options, actorClass.getClassName())).build();
  }

  /**
   * A call of a Python actor's method. The handle gives the class (and module, when known); the
   * worker calls the method on its actor.
   */
  public TaskSpec pythonActorTask(
      ActorHandleImpl<?> actor, PyActorMethod<?> method, Object[] args, ActorCallOptions options) {
    String className = actor.className();
    String name =
        options.getName() != null
            ? options.getName()
            : (className.isEmpty() ? "" : className + ".") + method.getName();
    PythonFunctionDescriptor descriptor =
        PythonFunctionDescriptor.newBuilder()
            .setModuleName(actor.moduleName())
            .setClassName(className)
            .setQualname(method.getName())
            .setFunctionHash("")
            .build();
    TaskSpec.Builder spec = pythonBase(descriptor, args, name);
    if (options.getConcurrencyGroup() != null) {
      spec.setConcurrencyGroup(options.getConcurrencyGroup());
    }
    return spec.build();
  }

  private TaskSpec.Builder pythonBase(
      PythonFunctionDescriptor descriptor, Object[] args, String name) {
    TaskSpec.Builder spec =
        TaskSpec.newBuilder()
            .setLanguage(Language.PYTHON)
            .setCallerLanguage(Language.JAVA)
            .setFunction(FunctionDescriptor.newBuilder().setPython(descriptor))
            .setName(name)
            .setNumReturns(1);
    for (int i = 0; i < args.length; i++) {
      spec.addArgs(toXlangArg(args[i], "argument " + i, "PYTHON function"));
    }
    return spec;
  }

  /** Refs go by reference; any other value as XLANG (failing here if it has no XLANG form). */
  private TaskArg toXlangArg(Object arg, String purpose, String target) {
    if (arg instanceof ObjectRef) {
      return toArg(arg, purpose);
    }
    return TaskArg.newBuilder()
        .setValue(serializer.serializeXlang(arg, purpose, target).toProto())
        .build();
  }

  private TaskArg toArg(Object arg, String purpose) {
    if (arg instanceof ObjectRefImpl) {
      return TaskArg.newBuilder()
          .setRef(SerializedValue.toReference((ObjectRefImpl<?>) arg))
          .build();
    }
    if (arg instanceof ObjectRef) {
      throw new IllegalArgumentException(
          purpose + " is an ObjectRef that Colony did not make: " + arg.getClass().getName());
    }
    return TaskArg.newBuilder().setValue(serializer.serialize(arg, purpose).toProto()).build();
  }

  private static void putStrategy(TaskSpec.Builder spec, SchedulingStrategy strategy) {
    io.colony.runtime.generated.Common.SchedulingStrategy proto =
        SchedulingStrategies.toProto(strategy);
    if (proto != null) {
      spec.setSchedulingStrategy(proto);
    }
  }

  /** Zero amounts request nothing, so they are left out (as on the Python side). */
  private static void putResources(TaskSpec.Builder spec, Map<String, Double> resources) {
    resources.forEach(
        (name, amount) -> {
          if (amount > 0) {
            spec.putResources(name, amount);
          }
        });
  }
}
