package dev.streamfold.debug;

import dev.streamfold.config.DebugConfig;
import dev.streamfold.debug.DebugSnapshot.ClosedView;
import dev.streamfold.debug.DebugSnapshot.LiveFinding;
import dev.streamfold.debug.DebugSnapshot.OpenGroup;
import dev.streamfold.derive.DerivedStream;
import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.InputShape;
import dev.streamfold.explain.Heuristics;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.time.Clock;
import dev.streamfold.window.StreamKey;
import dev.streamfold.window.WindowObserver;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * What the live debug page shows, kept as the window reports it ({@link WindowObserver}). Bounded:
 * at most {@code max_open_streams} open streams tracked, {@code recent_streams} closed ones,
 * {@code max_findings} kinds of finding, and {@link #LOG_KEYS} (trace, span, event name) keys for
 * spotting repeated log records. Keeps names, ids, counts and figures only, never payloads.
 * Thread-safe: called from every window shard; one lock, taken only when the page is enabled.
 */
public final class DebugState implements WindowObserver {
  static final int LOG_KEYS = 4096;
  private static final HexFormat HEX = HexFormat.of();

  private final DebugConfig cfg;
  private final Clock clock;
  private final LongSupplier windowOpen;
  private final Object lock = new Object();
  private final HashMap<StreamKey, Open> open = new HashMap<>();
  /** Reused as the lookup probe under the lock. */
  private final StreamKey probe = new StreamKey();
  private final ArrayDeque<ClosedView> recent = new ArrayDeque<>();
  private final ConcurrentHashMap<String, LongAdder> rules = new ConcurrentHashMap<>();
  private final LinkedHashMap<String, Finding> findings = new LinkedHashMap<>();
  private final LinkedHashMap<String, Integer> logKeys = new LinkedHashMap<>(256, 0.75f, true);
  private long closedTotal;
  private long droppedFindings;

  private static final class Open {
    String service;
    String model;
    String shape;
    long chunks;
    final long sinceNanos;

    Open(String service, String model, String shape, long sinceNanos) {
      this.service = service;
      this.model = model;
      this.shape = shape;
      this.sinceNanos = sinceNanos;
    }
  }

  private static final class Finding {
    final String code;
    final String subject;
    final String traceId;
    final String advice;
    long count;

    Finding(String code, String subject, String traceId, String advice) {
      this.code = code;
      this.subject = subject;
      this.traceId = traceId;
      this.advice = advice;
    }
  }

  /** @param windowOpen the window's own count of open streams (tracked here or not) */
  public DebugState(DebugConfig cfg, Clock clock, LongSupplier windowOpen) {
    this.cfg = cfg;
    this.clock = clock;
    this.windowOpen = windowOpen;
  }

  @Override
  public void chunk(Object item, InputShape shape, String rule, long traceHi, long traceLo, long streamId, Resource resource) {
    rules.computeIfAbsent(rule, k -> new LongAdder()).increment();
    synchronized (lock) {
      Open o = open.get(probe.set(traceHi, traceLo, streamId));
      if (o == null) {
        o = track(traceHi, traceLo, streamId, resource, model(item), shape.label());
        if (o == null) {
          return;
        }
      } else if (o.shape.equals("candidate")) {
        o.shape = shape.label();
      }
      o.chunks++;
    }
  }

  @Override
  public void streamSpan(Span span, boolean candidate, long traceHi, long traceLo, long streamId, Resource resource) {
    synchronized (lock) {
      Open o = open.get(probe.set(traceHi, traceLo, streamId));
      String model = Attributes.string(span.getAttributesList(), "gen_ai.request.model");
      if (o == null) {
        track(traceHi, traceLo, streamId, resource, model, candidate ? "candidate" : "summary");
      } else if (!model.isEmpty()) {
        o.model = model;
      }
    }
  }

  /** Starts tracking a stream; null when {@code max_open_streams} are tracked already. */
  private Open track(long hi, long lo, long id, Resource resource, String model, String shape) {
    if (open.size() >= cfg.maxOpenStreams()) {
      return null;
    }
    Open o = new Open(service(resource), model, shape, clock.nanos());
    open.put(new StreamKey(hi, lo, id), o);
    return o;
  }

  @Override
  public void passed(Object item, String reason) {
    if (!reason.isEmpty()) {
      return;
    }
    if (item instanceof Span s) {
      if (Heuristics.isModelCall(s)) {
        find("no_stream_data", "span `" + s.getName() + "` (" + Heuristics.modelCallSignals(s) + ")", hex(s.getTraceId().toByteArray()),
            "no chunk spans, events or logs and no summary: " + Heuristics.noStreamDataAdvice());
      }
      if (s.getEventsCount() >= 2) {
        repeatedEvents(s);
      }
    } else if (item instanceof LogRecord r && r.getTraceId().size() == 16 && !r.getSpanId().isEmpty()) {
      String name = r.getEventName().isEmpty() ? Attributes.string(r.getAttributesList(), "event.name") : r.getEventName();
      if (name.isEmpty()) {
        return;
      }
      String trace = hex(r.getTraceId().toByteArray());
      String key = trace + hex(r.getSpanId().toByteArray()) + name;
      synchronized (lock) {
        int n = logKeys.merge(key, 1, Integer::sum);
        if (logKeys.size() > LOG_KEYS) {
          logKeys.remove(logKeys.keySet().iterator().next());
        }
        if (n >= 2) {
          findLocked("unmatched_chunk_logs", "log records named `" + name + "`", trace,
              "several on one span look like chunks but no chunk_logs rule matches: add {event_name: " + name
                  + "} to window.rules.chunk_logs (keep the list's other entries)", n == 2 ? 2 : 1);
        }
      }
    }
  }

  private void repeatedEvents(Span s) {
    Map<String, Integer> names = new HashMap<>();
    for (Span.Event e : s.getEventsList()) {
      if (!e.getName().equals("exception")) {
        names.merge(e.getName(), 1, Integer::sum);
      }
    }
    for (Map.Entry<String, Integer> n : names.entrySet()) {
      if (n.getValue() >= 2) {
        find("unmatched_chunk_events", "span events named `" + n.getKey() + "`", hex(s.getTraceId().toByteArray()),
            "several on one span look like chunks but no chunk_events rule matches: add {event_name: " + n.getKey()
                + "} to window.rules.chunk_events if each marks a chunk (keep the list's other entries)");
      }
    }
  }

  @Override
  public void closed(long traceHi, long traceLo, long streamId, DerivedStream d, EndReason reason, Resource resource, Span emitted) {
    Map<String, Object> figures = d == null ? Map.of() : figures(d);
    String service = service(resource);
    String model = Attributes.string(emitted.getAttributesList(), "gen_ai.request.model");
    String trace = HEX.toHexDigits(traceHi) + HEX.toHexDigits(traceLo);
    synchronized (lock) {
      Open o = open.remove(probe.set(traceHi, traceLo, streamId));
      if (model.isEmpty() && o != null) {
        model = o.model;
      }
      if (d != null) { // d == null: a held candidate that got no chunks left unchanged, not a stream
        closedTotal++;
        recent.addFirst(new ClosedView(clock.epochMillis(), trace, hex(emitted.getSpanId().toByteArray()), emitted.getName(), service, model,
            d.inputShape().label(), reason.label(), d.complete(), figures));
        while (recent.size() > cfg.recentStreams()) {
          recent.removeLast();
        }
      }
      if (d == null && Heuristics.isModelCall(emitted)) {
        findLocked("no_stream_data", "span `" + emitted.getName() + "` (" + Heuristics.modelCallSignals(emitted) + "), held as a candidate", trace,
            "nothing arrived within finalize_grace: " + Heuristics.noStreamDataAdvice(), 1);
      } else if (d != null && !d.complete() && reason != EndReason.STREAM_END && reason != EndReason.SHUTDOWN && emitted.getName().equals("llm_stream.incomplete")) {
        findLocked("missing_stream_span", "service `" + service + "`, " + d.inputShape().label(), trace,
            "chunks arrived but their stream span did not (closed " + reason.label() + "): check that the producer exports the span"
                + " that is their parent (sampling, another exporter)", 1);
      }
    }
  }

  private void find(String code, String subject, String traceId, String advice) {
    synchronized (lock) {
      findLocked(code, subject, traceId, advice, 1);
    }
  }

  private void findLocked(String code, String subject, String traceId, String advice, int n) {
    String key = code + "|" + subject;
    Finding f = findings.get(key);
    if (f == null) {
      if (findings.size() >= cfg.maxFindings()) {
        droppedFindings += n;
        return;
      }
      f = new Finding(code, subject, traceId, advice);
      findings.put(key, f);
    }
    f.count += n;
  }

  /** The page's view now. */
  public DebugSnapshot snapshot() {
    long now = clock.nanos();
    List<OpenGroup> groups = new ArrayList<>();
    List<ClosedView> closed;
    List<LiveFinding> found = new ArrayList<>();
    long tracked;
    long total;
    long dropped;
    synchronized (lock) {
      Map<List<String>, long[]> g = new TreeMap<>(Comparator.comparing((List<String> k) -> String.join("\u0000", k)));
      for (Open o : open.values()) {
        long[] acc = g.computeIfAbsent(List.of(o.service, o.model, o.shape), k -> new long[3]);
        acc[0]++;
        acc[1] += o.chunks;
        acc[2] = Math.max(acc[2], (now - o.sinceNanos) / 1_000_000);
      }
      for (Map.Entry<List<String>, long[]> e : g.entrySet()) {
        List<String> k = e.getKey();
        groups.add(new OpenGroup(k.get(0), k.get(1), k.get(2), e.getValue()[0], e.getValue()[1], e.getValue()[2]));
      }
      tracked = open.size();
      closed = List.copyOf(recent);
      for (Finding f : findings.values()) {
        found.add(new LiveFinding(f.code, f.subject, f.count, f.traceId, f.advice));
      }
      total = closedTotal;
      dropped = droppedFindings;
    }
    found.sort(Comparator.comparingLong(LiveFinding::count).reversed());
    Map<String, Long> byRule = new TreeMap<>();
    rules.forEach((k, v) -> byRule.put(k, v.sum()));
    long inWindow = windowOpen.getAsLong();
    return new DebugSnapshot(clock.epochMillis(), inWindow, groups, Math.max(0, inWindow - tracked), closed, total, byRule, found, dropped);
  }

  static Map<String, Object> figures(DerivedStream d) {
    Map<String, Object> f = new LinkedHashMap<>();
    put(f, "chunk.count", d.chunkCount());
    put(f, "ttft_ms", d.ttftMs());
    put(f, "duration_ms", d.durationMs());
    put(f, "sampling_ms", d.samplingMs());
    put(f, "output_tokens", d.outputTokens());
    put(f, "output_tokens_per_second", d.outputTokensPerSecond());
    put(f, "chunks_per_second", d.chunksPerSecond());
    put(f, "chunk.interval.avg_ms", d.intervalAvgMs());
    f.put("token_source", d.tokenSource().label());
    if (d.chunksTruncated()) {
      f.put("chunks_truncated", true);
    }
    return f;
  }

  private static void put(Map<String, Object> f, String key, Object v) {
    if (v != null) {
      f.put(key, v);
    }
  }

  private static String model(Object item) {
    List<KeyValue> attrs = item instanceof Span s ? s.getAttributesList() : item instanceof LogRecord r ? r.getAttributesList() : List.of();
    return Attributes.string(attrs, "gen_ai.request.model");
  }

  private static String service(Resource r) {
    return r == null ? "" : Attributes.string(r.getAttributesList(), "service.name");
  }

  private static String hex(byte[] b) {
    return HEX.formatHex(b);
  }
}
