package dev.streamfold.bench;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A same-run A/B of one benchmark method on a noisy shared machine: the benchmark class is loaded
 * twice, from a base classpath (e.g. main's build) and from this build's, each in its own class
 * loader, and short timed slices of the two alternate (which goes first alternates too), so both
 * see the same load. Per slice: the calling thread's CPU time and allocated bytes per operation.
 * Reports the medians, the median of the per-slice new/base ratios with its quartiles, and the
 * allocation per operation (deterministic, a robust figure where CPU time is noisy).
 *
 * <p>The class needs a public no-arg constructor, public int fields for its parameters, a public
 * {@code setup()} and the public no-arg benchmark method (a JMH state class fits). Run by
 * {@code bench/ab-jvm.sh}, or:
 * {@code java -cp <this build> dev.streamfold.bench.SameJvmAb <base cp> <new cp> <class> <method>
 * <ops per call> <slices> <calls per slice> <field>=<v1,v2,..> [<field>=<v>]...}
 */
public final class SameJvmAb {
  private SameJvmAb() {}

  public static void main(String[] args) throws Exception {
    String baseCp = args[0];
    String newCp = args[1];
    String className = args[2];
    String methodName = args[3];
    long ops = Long.parseLong(args[4]);
    int slices = Integer.parseInt(args[5]);
    int calls = Integer.parseInt(args[6]);
    String[] params = Arrays.copyOfRange(args, 7, args.length);
    // the first parameter varies, the others are fixed
    String varied = params[0].substring(0, params[0].indexOf('='));
    String[] values = params[0].substring(params[0].indexOf('=') + 1).split(",");
    ClassLoader[] loaders = {loader(baseCp), loader(newCp)};
    Object[][] bench = new Object[values.length][2];
    Method[][] method = new Method[values.length][2];
    for (int v = 0; v < values.length; v++) {
      for (int side = 0; side < 2; side++) {
        Class<?> c = loaders[side].loadClass(className);
        Object b = c.getConstructor().newInstance();
        c.getField(varied).setInt(b, Integer.parseInt(values[v]));
        for (int p = 1; p < params.length; p++) {
          String[] kv = params[p].split("=", 2);
          c.getField(kv[0]).setInt(b, Integer.parseInt(kv[1]));
        }
        c.getMethod("setup").invoke(b);
        bench[v][side] = b;
        method[v][side] = c.getMethod(methodName);
      }
    }
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    // warm-up long enough for the JIT on a loaded machine
    for (int w = 0; w < 4; w++) {
      for (int v = 0; v < values.length; v++) {
        for (int side = 0; side < 2; side++) {
          for (int i = 0; i < calls; i++) {
            method[v][side].invoke(bench[v][side]);
          }
        }
      }
    }
    double[][][] cpu = new double[values.length][2][slices];
    double[][] alloc = new double[values.length][2];
    for (int s = 0; s < slices; s++) {
      for (int v = 0; v < values.length; v++) {
        for (int o = 0; o < 2; o++) {
          int side = (s + o) % 2;
          long a0 = mx.getCurrentThreadAllocatedBytes();
          long t0 = mx.getCurrentThreadCpuTime();
          for (int i = 0; i < calls; i++) {
            method[v][side].invoke(bench[v][side]);
          }
          cpu[v][side][s] = (mx.getCurrentThreadCpuTime() - t0) / (double) (calls * ops);
          alloc[v][side] += (mx.getCurrentThreadAllocatedBytes() - a0) / (double) (calls * ops) / slices;
        }
      }
    }
    String fixed = params.length > 1 ? " " + String.join(" ", Arrays.copyOfRange(params, 1, params.length)) : "";
    for (int v = 0; v < values.length; v++) {
      double[] ratio = new double[slices];
      for (int s = 0; s < slices; s++) {
        ratio[s] = cpu[v][1][s] / cpu[v][0][s];
      }
      Arrays.sort(ratio);
      System.out.printf(
          "%s=%s%s cpu_ns_per_op base=%.1f new=%.1f new/base=%.3f (quartiles %.3f-%.3f, %d slices) alloc_bytes_per_op base=%.0f new=%.0f new/base=%.3f%n",
          varied, values[v], fixed, median(cpu[v][0]), median(cpu[v][1]), ratio[slices / 2], ratio[slices / 4],
          ratio[3 * slices / 4], slices, alloc[v][0], alloc[v][1], alloc[v][1] / alloc[v][0]);
    }
  }

  private static double median(double[] a) {
    double[] c = a.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  private static URLClassLoader loader(String classpath) throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String p : classpath.split(":")) {
      if (!p.isEmpty()) {
        urls.add(Path.of(p).toAbsolutePath().toUri().toURL());
      }
    }
    return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
  }
}
