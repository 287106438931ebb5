package dev.streamfold.loadgen;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The options that spread load over several endpoints by trace id ({@code --endpoint} repeated,
 * {@code --endpoints a,b}, {@code --add-endpoint-at T=HOST:PORT}) and the transport factory they
 * select. Errors name the option.
 */
final class RoutingOptions {
  private RoutingOptions() {}

  static final String USAGE = String.join("\n",
      "                              repeatable: several endpoints spread requests by trace id on a",
      "                              consistent-hash ring like the Collector's loadbalancing exporter",
      "  --endpoints A,B,...         the same as a comma-separated list",
      "  --add-endpoint-at T=HOST:PORT  add an endpoint to the ring T after the start (T: 10s, 500ms,",
      "                              2m or seconds); repeatable. Streams open then may be split");

  /** Adds the endpoints of one {@code --endpoint} or {@code --endpoints} value. */
  static void addEndpoints(LoadGenOptions o, String option, String v) {
    for (String e : v.split(",")) {
      String t = e.trim();
      if (!t.isEmpty()) {
        o.endpoints.add(checkEndpoint(option, t));
      }
    }
  }

  /** Parses {@code T=HOST:PORT}. */
  static RingSchedule.Addition addition(String v) {
    int eq = v.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("--add-endpoint-at must be T=HOST:PORT (e.g. 10s=127.0.0.1:4317), got '" + v + "'");
    }
    String endpoint = checkEndpoint("--add-endpoint-at", v.substring(eq + 1).trim());
    return new RingSchedule.Addition(nanos(v.substring(0, eq).trim()), endpoint);
  }

  /** Finishes parsing: {@link LoadGenOptions#endpoint} becomes the first endpoint; no endpoint twice. */
  static void finish(LoadGenOptions o) {
    if (o.endpoints.isEmpty()) {
      o.endpoints.add(o.endpoint);
    }
    o.endpoint = o.endpoints.get(0);
    Set<String> seen = new HashSet<>();
    for (String e : o.endpoints) {
      if (!seen.add(e)) {
        throw new IllegalArgumentException("--endpoint " + e + " given twice");
      }
    }
    for (RingSchedule.Addition a : o.endpointAdditions) {
      if (!seen.add(a.endpoint())) {
        throw new IllegalArgumentException("--add-endpoint-at: " + a.endpoint() + " is already an endpoint");
      }
    }
  }

  static boolean routed(LoadGenOptions o) {
    return o.endpoints.size() > 1 || !o.endpointAdditions.isEmpty();
  }

  /** Routing transports over one transport per endpoint, or {@code single} when there is one endpoint. */
  static Function<LoadStats, Transport> transports(LoadGenOptions o, Function<LoadStats, Transport> single,
      java.util.function.BiFunction<String, LoadStats, Transport> perEndpoint, RouteCounts routed, PrintStream out) {
    if (!routed(o)) {
      return single;
    }
    RingSchedule schedule = new RingSchedule(o.endpoints, o.endpointAdditions, System::nanoTime, out);
    out.println("loadgen: routing by trace id over " + schedule.get()
        + (o.endpointAdditions.isEmpty() ? "" : ", growing to " + schedule.last()));
    return stats -> new RoutingTransport(schedule, endpoint -> perEndpoint.apply(endpoint, stats), routed);
  }

  private static String checkEndpoint(String option, String e) {
    if (!e.matches("[^:\\s]+:\\d{1,5}") && !e.matches("\\[[0-9a-fA-F:]+]:\\d{1,5}")) {
      throw new IllegalArgumentException(option + " must be host:port, got '" + e + "'");
    }
    return e;
  }

  private static long nanos(String t) {
    Map<String, Double> units = Map.of("ms", 1e6, "s", 1e9, "m", 60e9);
    for (String u : List.of("ms", "s", "m")) {
      if (t.endsWith(u)) {
        return nanos(t.substring(0, t.length() - u.length()), units.get(u), t);
      }
    }
    return nanos(t, 1e9, t);
  }

  private static long nanos(String number, double scale, String whole) {
    try {
      double d = Double.parseDouble(number.trim());
      if (Double.isFinite(d) && d >= 0) {
        return (long) (d * scale);
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("--add-endpoint-at time must be >= 0 like 10s, 500ms or 2m, got '" + whole + "'");
  }

}
