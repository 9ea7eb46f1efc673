package io.colony.runtime.function;

import io.colony.api.ObjectRef;
import io.colony.runtime.generated.Common.JavaFunctionDescriptor;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.Arrays;

/**
 * A resolved Java function: its descriptor (what travels) and the method or constructor it names
 * (what runs). Instance methods take their receiver as the first argument, so every function is
 * called the same way: {@link #invoke(Object[])} with all parameters.
 */
public final class JavaFunction {
  private final JavaFunctionDescriptor descriptor;
  private final Executable executable;
  private final Class<?>[] parameterTypes;
  private final Type[] genericParameterTypes;

  JavaFunction(JavaFunctionDescriptor descriptor, Executable executable) {
    this.descriptor = descriptor;
    this.executable = executable;
    this.parameterTypes = parameterTypesOf(executable);
    this.genericParameterTypes = genericParameterTypesOf(executable);
    executable.trySetAccessible(); // method references may name private methods of their class
  }

  private static Class<?>[] parameterTypesOf(Executable executable) {
    Class<?>[] own = executable.getParameterTypes();
    if (!(executable instanceof Method) || Modifier.isStatic(executable.getModifiers())) {
      return own;
    }
    Class<?>[] all = new Class<?>[own.length + 1];
    all[0] = executable.getDeclaringClass();
    System.arraycopy(own, 0, all, 1, own.length);
    return all;
  }

  private static Type[] genericParameterTypesOf(Executable executable) {
    Type[] own = executable.getGenericParameterTypes();
    if (own.length != executable.getParameterCount()) {
      own = executable.getParameterTypes(); // inner-class constructors may differ; keep it simple
    }
    if (!(executable instanceof Method) || Modifier.isStatic(executable.getModifiers())) {
      return own;
    }
    Type[] all = new Type[own.length + 1];
    all[0] = executable.getDeclaringClass();
    System.arraycopy(own, 0, all, 1, own.length);
    return all;
  }

  /** The JVM descriptor of a method or constructor, e.g. {@code (I)I} or {@code (I)V}. */
  static String signatureOf(Executable executable) {
    Class<?> returnType =
        executable instanceof Method ? ((Method) executable).getReturnType() : void.class;
    return MethodType.methodType(returnType, executable.getParameterTypes())
        .toMethodDescriptorString();
  }

  public JavaFunctionDescriptor descriptor() {
    return descriptor;
  }

  public boolean isConstructor() {
    return executable instanceof Constructor;
  }

  /** All parameters, an instance method's receiver first. */
  public Class<?>[] parameterTypes() {
    return parameterTypes.clone();
  }

  /** All parameters' generic types ({@code List<Integer>}), an instance method's receiver first. */
  public Type[] genericParameterTypes() {
    return genericParameterTypes.clone();
  }

  /** The class whose instance a constructor or actor factory makes, else the return type. */
  public Class<?> resultType() {
    return executable instanceof Method
        ? ((Method) executable).getReturnType()
        : executable.getDeclaringClass();
  }

  /** The method's {@link io.colony.api.ConcurrencyGroup}, or null when it names none. */
  public String concurrencyGroup() {
    io.colony.api.ConcurrencyGroup group =
        executable.getAnnotation(io.colony.api.ConcurrencyGroup.class);
    return group == null ? null : group.value();
  }

  /** {@code SimpleClass.method}, or {@code SimpleClass} for a constructor. */
  public String displayName() {
    String className = executable.getDeclaringClass().getSimpleName();
    return isConstructor() ? className : className + "." + executable.getName();
  }

  /**
   * Checks call arguments against the parameters from {@code firstParameter} on (1 for actor
   * methods, whose receiver is the actor). Refs are not checked: their type is erased.
   *
   * @throws IllegalArgumentException naming the argument that does not fit
   */
  public void checkArguments(Object[] args, int firstParameter) {
    int expected = parameterTypes.length - firstParameter;
    if (args.length != expected) {
      throw new IllegalArgumentException(
          displayName() + " takes " + expected + " argument(s), got " + args.length);
    }
    for (int i = 0; i < args.length; i++) {
      checkArgument(i, args[i], parameterTypes[i + firstParameter]);
    }
  }

  private void checkArgument(int index, Object arg, Class<?> type) {
    if (arg instanceof ObjectRef) {
      return;
    }
    if (arg == null) {
      if (type.isPrimitive()) {
        throw new IllegalArgumentException(
            "argument " + index + " of " + displayName() + " is null, but its type is " + type);
      }
      return;
    }
    if (!Primitives.box(type).isInstance(arg)) {
      throw new IllegalArgumentException(
          "argument "
              + index
              + " of "
              + displayName()
              + " must be of type "
              + type.getName()
              + ", got "
              + arg.getClass().getName());
    }
  }

  /**
   * Calls the function with all its parameters (receiver first for instance methods).
   *
   * @throws InvocationTargetException wrapping what the function threw
   * @throws ReflectiveOperationException if it cannot be called with these arguments
   */
  public Object invoke(Object[] args) throws ReflectiveOperationException {
    if (executable instanceof Constructor) {
      return ((Constructor<?>) executable).newInstance(args);
    }
    Method method = (Method) executable;
    if (Modifier.isStatic(method.getModifiers())) {
      return method.invoke(null, args);
    }
    if (args.length == 0) {
      throw new IllegalArgumentException(displayName() + " needs its receiver as argument 0");
    }
    return method.invoke(args[0], Arrays.copyOfRange(args, 1, args.length));
  }

  @Override
  public String toString() {
    return descriptor.getClassName() + "." + descriptor.getMethodName() + descriptor.getSignature();
  }
}
