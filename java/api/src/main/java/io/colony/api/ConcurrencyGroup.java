package io.colony.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs calls of this actor method in the named concurrency group, which the actor declares at
 * creation ({@code Colony.actor(...).setConcurrencyGroups(Map.of("io", 2))}): each group runs up
 * to its count of calls at once on threads of its own, so slow calls of one group do not hold up
 * another's. Methods without it run in the default group ({@code setMaxConcurrency}). A call may
 * name another group with {@link ActorTaskCaller#setConcurrencyGroup}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ConcurrencyGroup {
  /** The group's name, as declared at the actor's creation. */
  String value();
}
