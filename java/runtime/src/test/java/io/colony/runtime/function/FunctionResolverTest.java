package io.colony.runtime.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.exception.ColonyException;
import io.colony.runtime.fixtures.XlangCounter;
import io.colony.runtime.fixtures.XlangJob;
import io.colony.runtime.function.FunctionResolver.Kind;
import io.colony.runtime.generated.Common.JavaFunctionDescriptor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Descriptors without a signature, as Python callers send them: name and arity. */
class FunctionResolverTest {
  private static final String JOB = XlangJob.class.getName();
  private static final String COUNTER = XlangCounter.class.getName();

  private final FunctionResolver resolver = new FunctionResolver(getClass().getClassLoader());

  private static JavaFunctionDescriptor named(String cls, String method) {
    return JavaFunctionDescriptor.newBuilder().setClassName(cls).setMethodName(method).build();
  }

  private JavaFunction resolve(String cls, String method, int arity, Kind kind) {
    return resolver.resolve(named(cls, method), arity, kind);
  }

  private String error(String cls, String method, int arity, Kind kind) {
    return assertThrows(ColonyException.class, () -> resolve(cls, method, arity, kind))
        .getMessage();
  }

  @Test
  void theOnlyPublicStaticMethodOfThatNameAndArity() throws Exception {
    JavaFunction add = resolve(JOB, "add", 2, Kind.STATIC);
    assertEquals(List.of(int.class, int.class), List.of(add.parameterTypes()));
    assertEquals(5, add.invoke(new Object[] {2, 3}));
    assertSame(add, resolve(JOB, "add", 2, Kind.STATIC)); // cached
    // Overloads of other arities do not get in the way.
    assertEquals(5, resolve(JOB, "over", 2, Kind.STATIC).invoke(new Object[] {2, 3}));
  }

  @Test
  void overloadsOfTheSameArityAreAmbiguous() {
    String message = error(JOB, "over", 1, Kind.STATIC);
    assertTrue(message.contains("class " + JOB + " has 2 overloads"), message);
    assertTrue(message.contains("over(int), over(java.lang.String)"), message);
  }

  @Test
  void unknownNamesAndAritiesAreNamed() {
    String message = error(JOB, "missing", 1, Kind.STATIC);
    assertEquals(
        "class " + JOB + " has no public static method missing taking 1 argument(s)", message);
    message = error(JOB, "add", 3, Kind.STATIC);
    assertTrue(message.contains("no public static method add taking 3 argument(s)"), message);
    assertTrue(message.contains("there are: add(int, int)"), message);
    // Not public, or not static: not a task.
    assertTrue(error(JOB, "hidden", 1, Kind.STATIC).contains("no public static method hidden"));
    assertTrue(error(JOB, "instanceOnly", 1, Kind.STATIC).contains("no public static method"));
  }

  @Test
  void unknownClassIsNamed() {
    String message = error("com.example.Gone", "f", 0, Kind.STATIC);
    assertTrue(message.startsWith("could not load class com.example.Gone"), message);
  }

  @Test
  void actorMethodsAreInstanceMethods() throws Exception {
    JavaFunction add = resolve(COUNTER, "add", 1, Kind.INSTANCE);
    assertEquals(List.of(XlangCounter.class, int.class), List.of(add.parameterTypes()));
    assertEquals(4L, add.invoke(new Object[] {new XlangCounter(3), 1}));
    assertTrue(
        error(COUNTER, "startingAt", 1, Kind.INSTANCE).contains("no public instance method"));
  }

  @Test
  void constructorsAndFactoriesCreateActors() throws Exception {
    assertTrue(resolve(COUNTER, "<init>", 0, Kind.CREATION).isConstructor());
    Object twoArgs = resolve(COUNTER, "<init>", 2, Kind.CREATION).invoke(new Object[] {1L, 2L});
    assertEquals(3L, ((XlangCounter) twoArgs).get());
    Object factory = resolve(COUNTER, "startingAt", 1, Kind.CREATION).invoke(new Object[] {9L});
    assertEquals(9L, ((XlangCounter) factory).get());

    String message = error(COUNTER, "<init>", 1, Kind.CREATION);
    assertTrue(message.contains("2 overloads of public constructor taking 1"), message);
    assertTrue(message.contains("XlangCounter(java.lang.String), XlangCounter(long)"), message);
    message = error(COUNTER, "<init>", 3, Kind.CREATION);
    assertTrue(message.contains("no public constructor taking 3 argument(s)"), message);
    assertTrue(error(COUNTER, "<init>", 0, Kind.STATIC).contains("can only create an actor"));
  }

  @Test
  void aSignatureStillNamesOneMethodExactly() {
    JavaFunctionDescriptor exact = named(JOB, "over").toBuilder().setSignature("(I)I").build();
    assertEquals(
        List.of(int.class), List.of(resolver.resolve(exact, 1, Kind.STATIC).parameterTypes()));
  }
}
