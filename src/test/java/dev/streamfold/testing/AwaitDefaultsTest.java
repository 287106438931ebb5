package dev.streamfold.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;

class AwaitDefaultsTest {
  @Test
  void theExtensionIsRegisteredForEveryTestClass() throws Exception {
    ConditionFactory f = Awaitility.await();
    java.lang.reflect.Field t = ConditionFactory.class.getDeclaredField("timeoutConstraint");
    t.setAccessible(true);
    Object constraint = t.get(f);
    assertThat((java.time.Duration) constraint.getClass().getMethod("getMaxWaitTime").invoke(constraint))
        .isEqualTo(AwaitDefaults.TIMEOUT);
  }
}
