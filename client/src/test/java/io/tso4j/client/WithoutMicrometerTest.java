package io.tso4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Micrometer is optional: the client loads and serves calls from a class loader whose class path is the test's
 * minus every Micrometer jar (its parent is the platform loader, so nothing leaks in from the application loader).
 */
final class WithoutMicrometerTest {
  private static URLClassLoader withoutMicrometer() throws Exception {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<URL> urls = new ArrayList<>();
    for (String entry : cp.split(File.pathSeparator)) {
      if (!entry.isEmpty() && !new File(entry).getName().startsWith("micrometer")) {
        urls.add(new File(entry).toURI().toURL());
      }
    }
    return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
  }

  // The loaders are never closed: gRPC's shared event loops of the client they loaded shut down a few seconds after
  // the client closes, and a closed loader can no longer give their threads a class (seen: a ClassNotFoundException
  // on such a thread failed the next test's Awaitility wait, which reports any thread's uncaught exception).

  @Test
  void theClientRunsWithoutMicrometer() throws Exception {
    URLClassLoader loader = withoutMicrometer();
    assertThatThrownBy(() -> loader.loadClass("io.micrometer.core.instrument.MeterRegistry"))
        .as("the loader really has no Micrometer").isInstanceOf(ClassNotFoundException.class);
    Class<?> scenario = loader.loadClass(NoMicrometerScenario.class.getName());
    assertThat(scenario.getClassLoader()).isSameAs(loader);

    Object result = scenario.getMethod("run").invoke(null);

    assertThat((String) result).startsWith("ok ");
  }

  @Test
  void onlyTheMetricsBinderNeedsMicrometer() throws Exception {
    // Positive control: in the same loader, the binder fails for want of Micrometer.
    Class<?> scenario = withoutMicrometer().loadClass(NoMicrometerScenario.class.getName());

    assertThatThrownBy(() -> scenario.getMethod("bindMetrics").invoke(null))
        .isInstanceOf(InvocationTargetException.class)
        .cause().isInstanceOf(NoClassDefFoundError.class).hasMessageContaining("micrometer");
  }
}
