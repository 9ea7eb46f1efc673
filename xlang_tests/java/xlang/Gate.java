package xlang;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A Java actor whose two calls wait for each other: they finish only in separate groups. */
public class Gate {
  private final CountDownLatch released = new CountDownLatch(1);

  public Gate() {}

  public boolean waitForRelease() throws InterruptedException {
    return released.await(120, TimeUnit.SECONDS);
  }

  public boolean release() {
    released.countDown();
    return true;
  }
}
