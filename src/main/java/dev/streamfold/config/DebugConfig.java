package dev.streamfold.config;

import java.util.Set;

/**
 * {@code service.debug}: the live debug page (open and recently closed streams, counts per
 * recognition rule, "looks like a stream but is not recognized" findings). Off by default; it
 * lists trace ids and span names, so it binds a loopback address only.
 *
 * @param recentStreams closed streams listed, newest first
 * @param maxOpenStreams open streams tracked by key for the page; past it they are counted, not listed
 * @param maxFindings distinct findings kept; past it new kinds are counted, not kept
 */
public record DebugConfig(boolean enabled, String endpoint, int recentStreams, int maxOpenStreams, int maxFindings) {
  static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "::1", "[::1]");

  void validate(Validator v) {
    if (!enabled) {
      return;
    }
    v.endpoint(endpoint, "endpoint");
    int i = endpoint == null ? -1 : endpoint.lastIndexOf(':');
    String host = i > 0 ? endpoint.substring(0, i) : "";
    v.check(i <= 0 || LOOPBACK.contains(host) || host.startsWith("127."), "endpoint",
        "must bind a loopback address (localhost, 127.0.0.1, ::1): the page lists trace ids and span names, got '" + endpoint + "'");
    v.check(recentStreams > 0 && recentStreams <= 10_000, "recent_streams", "must be 1..10000, got " + recentStreams);
    v.check(maxOpenStreams > 0 && maxOpenStreams <= 1_000_000, "max_open_streams", "must be 1..1000000, got " + maxOpenStreams);
    v.check(maxFindings > 0 && maxFindings <= 1000, "max_findings", "must be 1..1000, got " + maxFindings);
  }
}
