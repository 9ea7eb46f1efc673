package xdriver;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.exception.CrossLanguageException;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import io.colony.api.function.PyFunction;
import java.util.List;
import java.util.Map;

/** A Java driver calling Python functions and a Python actor; prints what it got. */
public final class CallPython {
  private CallPython() {}

  public static void main(String[] args) {
    Colony.init();
    try {
      Integer sum = Colony.get(Colony.task(PyFunction.of("py_fixtures", "add", Integer.class), 2, 3).remote());
      System.out.println("add=" + sum);
      Object echoed = Colony.get(
          Colony.task(PyFunction.of("py_fixtures", "echo"), Map.of("k", List.of(1L, "x"))).remote());
      System.out.println("echo=" + echoed);
      ActorHandle<PyActorClass> counter =
          Colony.actor(PyActorClass.of("py_fixtures", "Counter"), 10).remote();
      PyActorMethod<Long> increment = PyActorMethod.of("increment", Long.class);
      counter.task(increment, 1).remote();
      System.out.println("counter=" + Colony.get(counter.task(increment, 5).remote()));
      try {
        Colony.get(Colony.task(PyFunction.of("py_fixtures", "fail"), "bad input").remote());
      } catch (CrossLanguageException e) {
        System.out.println("error=" + e.getLanguage() + "/" + e.getTypeName() + "/" + e.getRemoteMessage());
      }
      try {
        Colony.get(Colony.task(PyFunction.of("py_fixtures", "no_such_function")).remote());
      } catch (RuntimeException e) {
        System.out.println("unknown=" + e.getMessage().contains("no_such_function"));
      }
    } finally {
      Colony.shutdown();
    }
  }
}
