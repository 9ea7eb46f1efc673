package io.colony.runtime.function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.exception.ColonyException;
import io.colony.api.function.ColonyFunc;
import io.colony.api.function.ColonyFunc0;
import io.colony.api.function.ColonyFunc1;
import io.colony.api.function.ColonyFunc2;
import io.colony.api.function.ColonyFunc6;
import io.colony.api.function.ColonyFuncVoid1;
import io.colony.runtime.fixtures.Counter;
import io.colony.runtime.fixtures.LoudCounter;
import io.colony.runtime.fixtures.MathJob;
import io.colony.runtime.generated.Common.JavaFunctionDescriptor;
import io.colony.runtime.object.Refs;
import java.util.List;
import org.junit.jupiter.api.Test;

class MethodReferencesTest {
  private static final String MATH = MathJob.class.getName();
  private static final String COUNTER = Counter.class.getName();

  @Test
  void staticMethod() {
    JavaFunction f = MethodReferences.resolve((ColonyFunc1<Integer, Integer>) MathJob::square);
    assertDescriptor(MATH, "square", "(I)I", f.descriptor());
    assertArrayEquals(new Class<?>[] {int.class}, f.parameterTypes());
    assertEquals("MathJob.square", f.displayName());
    assertFalse(f.isConstructor());
  }

  @Test
  void staticMethodsWithObjectAndManyParameters() {
    ColonyFunc1<List<Integer>, Integer> sum = MathJob::sum;
    assertDescriptor(MATH, "sum", "(Ljava/util/List;)I", MethodReferences.descriptorOf(sum));
    ColonyFunc6<String, String, String, String, String, String, String> join = MathJob::join;
    assertEquals(
        "(" + "Ljava/lang/String;".repeat(6) + ")Ljava/lang/String;",
        MethodReferences.descriptorOf(join).getSignature());
  }

  @Test
  void voidMethod() {
    ColonyFuncVoid1<String> log = MathJob::log;
    assertDescriptor(MATH, "log", "(Ljava/lang/String;)V", MethodReferences.descriptorOf(log));
  }

  @Test
  void actorMethodTakesTheActorFirst() {
    ColonyFunc2<Counter, Integer, Integer> increment = Counter::increment;
    JavaFunction f = MethodReferences.resolve(increment);
    assertDescriptor(COUNTER, "increment", "(I)I", f.descriptor());
    assertArrayEquals(new Class<?>[] {Counter.class, int.class}, f.parameterTypes());
    assertEquals("Counter.increment", f.displayName());
  }

  @Test
  void inheritedActorMethod() {
    ColonyFunc1<LoudCounter, Integer> get = LoudCounter::get;
    JavaFunction f = MethodReferences.resolve(get);
    assertEquals("get", f.descriptor().getMethodName());
    assertEquals("()I", f.descriptor().getSignature());
    assertEquals(Counter.class, f.parameterTypes()[0]);
  }

  @Test
  void constructorIsInit() {
    ColonyFunc1<Integer, Counter> create = Counter::new;
    JavaFunction f = MethodReferences.resolve(create);
    assertDescriptor(COUNTER, "<init>", "(I)V", f.descriptor());
    assertTrue(f.isConstructor());
    assertEquals(Counter.class, f.resultType());
    assertEquals("Counter", f.displayName());
    ColonyFunc0<Counter> noArgs = Counter::new;
    assertEquals("()V", MethodReferences.descriptorOf(noArgs).getSignature());
  }

  @Test
  void staticFactoryMakesItsReturnType() {
    ColonyFunc1<Integer, Counter> factory = Counter::startingAt;
    JavaFunction f = MethodReferences.resolve(factory);
    assertDescriptor(
        COUNTER, "startingAt", "(I)Lio/colony/runtime/fixtures/Counter;", f.descriptor());
    assertEquals(Counter.class, f.resultType());
  }

  @Test
  void overloadPickedByCast() {
    ColonyFunc1<Long, Long> twice = MathJob::twice;
    assertEquals("(J)J", MethodReferences.descriptorOf(twice).getSignature());
  }

  @Test
  void privateMethodReferenceResolvesAndRuns() throws Exception {
    JavaFunction f = MethodReferences.resolve(MathJob.secretRef());
    assertEquals("secret", f.descriptor().getMethodName());
    assertEquals(43, f.invoke(new Object[] {1}));
  }

  @Test
  void resolvedOncePerReferenceSite() {
    JavaFunction first = resolveSquare();
    assertSame(first, resolveSquare());
  }

  private static JavaFunction resolveSquare() {
    return MethodReferences.resolve((ColonyFunc1<Integer, Integer>) MathJob::square);
  }

  @Test
  void lambdasAreRejected() {
    ColonyFunc1<Integer, Integer> lambda = x -> x + 1;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MethodReferences.resolve(lambda));
    assertEquals(
        "Colony functions must be method references like MyJob::square, not lambdas: workers "
            + "find the method by its name",
        e.getMessage());
  }

  @Test
  void boundMethodReferencesAreRejected() {
    Counter counter = new Counter();
    ColonyFunc1<Integer, Integer> bound = counter::increment;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MethodReferences.resolve(bound));
    assertTrue(e.getMessage().startsWith("bound method references (object::method)"));
  }

  @Test
  void handWrittenImplementationsAreRejected() {
    ColonyFunc0<Integer> anonymous =
        new ColonyFunc0<>() {
          @Override
          public Integer apply() {
            return 1;
          }
        };
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MethodReferences.resolve(anonymous));
    assertTrue(e.getMessage().startsWith("Colony functions must be method references"));
  }

  @Test
  void argumentsAreCheckedAgainstParameters() {
    JavaFunction square = resolveSquare();
    square.checkArguments(new Object[] {3}, 0);
    square.checkArguments(new Object[] {Refs.ref(1)}, 0);
    assertMessage(
        "argument 0 of MathJob.square must be of type int, got java.lang.String",
        () -> square.checkArguments(new Object[] {"3"}, 0));
    assertMessage(
        "argument 0 of MathJob.square is null, but its type is int",
        () -> square.checkArguments(new Object[] {null}, 0));
    assertMessage(
        "MathJob.square takes 1 argument(s), got 2",
        () -> square.checkArguments(new Object[] {1, 2}, 0));
    JavaFunction increment =
        MethodReferences.resolve((ColonyFunc2<Counter, Integer, Integer>) Counter::increment);
    increment.checkArguments(new Object[] {5}, 1);
  }

  @Test
  void unknownClassesAndMethodsAreNamed() {
    FunctionResolver resolver = new FunctionResolver(getClass().getClassLoader());
    ColonyException noClass =
        assertThrows(
            ColonyException.class,
            () -> resolver.resolve(descriptor("com.example.Missing", "f", "()V")));
    assertTrue(noClass.getMessage().startsWith("could not load class com.example.Missing"));
    ColonyException noMethod =
        assertThrows(
            ColonyException.class, () -> resolver.resolve(descriptor(MATH, "square", "(J)J")));
    assertTrue(
        noMethod.getMessage().startsWith("class " + MATH + " has no method square(J)J"),
        noMethod.getMessage());
  }

  @Test
  void resolverFindsWhatTheCallerNamed() throws Exception {
    FunctionResolver resolver = new FunctionResolver(getClass().getClassLoader());
    ColonyFunc fn = (ColonyFunc2<Counter, Integer, Integer>) Counter::increment;
    JavaFunction f = resolver.resolve(MethodReferences.descriptorOf(fn));
    assertEquals(12, f.invoke(new Object[] {new Counter(10), 2}));
  }

  private static JavaFunctionDescriptor descriptor(String cls, String method, String sig) {
    return JavaFunctionDescriptor.newBuilder()
        .setClassName(cls)
        .setMethodName(method)
        .setSignature(sig)
        .build();
  }

  private static void assertDescriptor(
      String cls, String method, String signature, JavaFunctionDescriptor descriptor) {
    assertEquals(descriptor(cls, method, signature), descriptor);
  }

  private static void assertMessage(String expected, Runnable action) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
    assertEquals(expected, e.getMessage());
  }
}
