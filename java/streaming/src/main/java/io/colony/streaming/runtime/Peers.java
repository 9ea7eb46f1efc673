package io.colony.streaming.runtime;

import io.colony.api.ActorHandle;
import io.colony.api.function.PyActorMethod;
import io.colony.runtime.actor.ActorHandleImpl;
import io.colony.runtime.generated.Common.Language;
import java.util.Map;

/**
 * Calls to other operator actors, Java or Python: {@code push} and {@code credit} go without
 * waiting for their results (calls through one handle keep their order, which keeps each channel
 * in order). To a Python actor the arguments are XLANG, so records must have an XLANG form.
 */
final class Peers implements PeerCalls {
  private static final PyActorMethod<Object> PY_PUSH = PyActorMethod.of("push");
  private static final PyActorMethod<Object> PY_CREDIT = PyActorMethod.of("credit");
  static final Peers COLONY = new Peers();

  private Peers() {}

  static boolean isPython(ActorHandle<?> handle) {
    return handle instanceof ActorHandleImpl
        && ((ActorHandleImpl<?>) handle).language() == Language.PYTHON;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void push(ActorHandle<?> handle, String channel, Map<String, Object> message) {
    if (isPython(handle)) {
      handle.task(PY_PUSH, channel, message).remote();
    } else {
      ((ActorHandle<OperatorActor>) handle).task(OperatorActor::push, channel, message).remote();
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public void credit(ActorHandle<?> handle, String channel, long n) {
    if (isPython(handle)) {
      handle.task(PY_CREDIT, channel, n).remote();
    } else {
      ((ActorHandle<OperatorActor>) handle).task(OperatorActor::credit, channel, n).remote();
    }
  }
}
