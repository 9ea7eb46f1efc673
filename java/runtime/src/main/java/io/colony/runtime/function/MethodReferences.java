package io.colony.runtime.function;

import io.colony.api.function.ColonyFunc;
import io.colony.runtime.generated.Common.JavaFunctionDescriptor;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;

/**
 * Turns a method reference ({@code MyJob::square}, {@code Counter::increment}, {@code
 * Counter::new}) into the {@link JavaFunction} it names, through the {@link SerializedLambda} the
 * compiler gives every serializable lambda object. Cached per method reference site.
 */
public final class MethodReferences {
  // Values live with the lambda class: no leak when a job's classes are unloaded.
  private static final ClassValue<Slot> CACHE =
      new ClassValue<>() {
        @Override
        protected Slot computeValue(Class<?> type) {
          return new Slot();
        }
      };

  private MethodReferences() {}

  /**
   * @throws IllegalArgumentException for lambdas and bound method references
   */
  public static JavaFunction resolve(ColonyFunc function) {
    Slot slot = CACHE.get(function.getClass());
    JavaFunction resolved = slot.function;
    if (resolved == null) {
      resolved = compute(function);
      slot.function = resolved;
    }
    return resolved;
  }

  /** The descriptor alone, as the caller sends it. */
  public static JavaFunctionDescriptor descriptorOf(ColonyFunc function) {
    return resolve(function).descriptor();
  }

  private static JavaFunction compute(ColonyFunc function) {
    SerializedLambda lambda = serializedLambda(function);
    if (lambda.getImplMethodName().startsWith("lambda$")) {
      throw new IllegalArgumentException(
          "Colony functions must be method references like MyJob::square, not lambdas: "
              + "workers find the method by its name");
    }
    if (lambda.getCapturedArgCount() > 0) {
      throw new IllegalArgumentException(
          "bound method references (object::method) are not supported: the object would "
              + "have to travel with the call; use ClassName::method ("
              + describe(lambda)
              + ")");
    }
    JavaFunctionDescriptor descriptor =
        JavaFunctionDescriptor.newBuilder()
            .setClassName(lambda.getImplClass().replace('/', '.'))
            .setMethodName(methodName(lambda))
            .setSignature(lambda.getImplMethodSignature())
            .build();
    return new FunctionResolver(classLoaderOf(function)).resolve(descriptor);
  }

  private static String methodName(SerializedLambda lambda) {
    return lambda.getImplMethodKind() == MethodHandleInfo.REF_newInvokeSpecial
        ? FunctionResolver.CONSTRUCTOR_NAME
        : lambda.getImplMethodName();
  }

  private static SerializedLambda serializedLambda(ColonyFunc function) {
    try {
      Method writeReplace = function.getClass().getDeclaredMethod("writeReplace");
      writeReplace.setAccessible(true);
      Object replaced = writeReplace.invoke(function);
      if (replaced instanceof SerializedLambda) {
        return (SerializedLambda) replaced;
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Not a compiler-made lambda object: reported below.
    }
    throw new IllegalArgumentException(
        "Colony functions must be method references like MyJob::square; got an instance of "
            + function.getClass().getName());
  }

  private static ClassLoader classLoaderOf(ColonyFunc function) {
    ClassLoader loader = function.getClass().getClassLoader();
    return loader != null ? loader : ClassLoader.getSystemClassLoader();
  }

  private static String describe(SerializedLambda lambda) {
    return lambda.getImplClass().replace('/', '.') + "::" + lambda.getImplMethodName();
  }

  /** Written once per lambda class; a race computes the same value twice, harmlessly. */
  private static final class Slot {
    volatile JavaFunction function;
  }
}
