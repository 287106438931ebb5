package dev.streamfold.debug;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.streamfold.debug.DebugSnapshot.ClosedView;
import dev.streamfold.debug.DebugSnapshot.LiveFinding;
import dev.streamfold.debug.DebugSnapshot.OpenGroup;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The debug page as a pure function from a request to a response, so that any HTTP server can
 * host it: {@code GET /debug/streamz} is plain HTML (no JavaScript), {@code /debug/streamz.json}
 * the same snapshot as JSON. Every value from telemetry is HTML-escaped. Thread-safe.
 */
public final class DebugPage {
  public static final String HTML_PATH = "/debug/streamz";
  public static final String JSON_PATH = "/debug/streamz.json";
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  /** An HTTP response: status, content type and body. */
  public record Response(int status, String contentType, byte[] body) {
    static Response text(int status, String body) {
      return new Response(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }
  }

  private final Supplier<DebugSnapshot> snapshots;

  public DebugPage(Supplier<DebugSnapshot> snapshots) {
    this.snapshots = snapshots;
  }

  public Response handle(String method, String path) {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return Response.text(405, "only GET\n");
    }
    return switch (path) {
      case "/", HTML_PATH, HTML_PATH + "/" -> new Response(200, "text/html; charset=utf-8", html(snapshots.get()).getBytes(StandardCharsets.UTF_8));
      case JSON_PATH -> new Response(200, "application/json", (GSON.toJson(snapshots.get()) + "\n").getBytes(StandardCharsets.UTF_8));
      default -> Response.text(404, "not found: the page is " + HTML_PATH + " (JSON: " + JSON_PATH + ")\n");
    };
  }

  static String html(DebugSnapshot s) {
    StringBuilder b = new StringBuilder(8192);
    b.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>streamfold streamz</title>\n")
        .append("<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1.5em}")
        .append("td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}th{background:#eee}td.n{text-align:right}</style>\n")
        .append("</head><body>\n<h1>streamfold streamz</h1>\n<p>")
        .append(esc(Instant.ofEpochMilli(s.takenAtUnixMs()).toString())).append(": ").append(s.windowOpenStreams())
        .append(" open streams in the window, ").append(s.closedTotal()).append(" closed since start. <a href=\"")
        .append(HTML_PATH).append("\">refresh</a> | <a href=\"").append(JSON_PATH).append("\">JSON</a></p>\n");

    b.append("<h2>Open streams by service, model and shape</h2>\n");
    if (s.open().isEmpty()) {
      b.append("<p>none</p>\n");
    } else {
      b.append("<table><tr><th>service</th><th>model</th><th>shape</th><th>streams</th><th>chunks</th><th>oldest (ms)</th></tr>\n");
      for (OpenGroup g : s.open()) {
        b.append("<tr><td>").append(esc(g.service())).append("</td><td>").append(esc(g.model())).append("</td><td>")
            .append(esc(g.shape())).append("</td><td class=\"n\">").append(g.streams()).append("</td><td class=\"n\">")
            .append(g.chunks()).append("</td><td class=\"n\">").append(g.oldestAgeMs()).append("</td></tr>\n");
      }
      b.append("</table>\n");
    }
    if (s.untrackedOpen() > 0) {
      b.append("<p>").append(s.untrackedOpen()).append(" more open streams are counted but not listed (service.debug.max_open_streams).</p>\n");
    }

    b.append("<h2>Recently closed streams</h2>\n");
    if (s.recent().isEmpty()) {
      b.append("<p>none yet</p>\n");
    } else {
      b.append("<table><tr><th>closed</th><th>trace id</th><th>span id</th><th>span</th><th>service</th><th>model</th>")
          .append("<th>shape</th><th>end reason</th><th>complete</th><th>figures</th></tr>\n");
      for (ClosedView c : s.recent()) {
        b.append("<tr><td>").append(esc(Instant.ofEpochMilli(c.closedAtUnixMs()).toString())).append("</td><td>").append(esc(c.traceId()))
            .append("</td><td>").append(esc(c.spanId())).append("</td><td>").append(esc(c.name())).append("</td><td>")
            .append(esc(c.service())).append("</td><td>").append(esc(c.model())).append("</td><td>").append(esc(c.shape()))
            .append("</td><td>").append(esc(c.endReason())).append("</td><td>").append(c.complete()).append("</td><td>");
        for (Map.Entry<String, Object> f : c.figures().entrySet()) {
          b.append(esc(f.getKey())).append('=').append(esc(String.valueOf(f.getValue()))).append(' ');
        }
        b.append("</td></tr>\n");
      }
      b.append("</table>\n");
    }

    b.append("<h2>Chunks per recognition rule</h2>\n");
    if (s.rules().isEmpty()) {
      b.append("<p>no chunk recognized yet</p>\n");
    } else {
      b.append("<table><tr><th>rule</th><th>chunks</th></tr>\n");
      for (Map.Entry<String, Long> r : s.rules().entrySet()) {
        b.append("<tr><td>").append(esc(r.getKey())).append("</td><td class=\"n\">").append(r.getValue()).append("</td></tr>\n");
      }
      b.append("</table>\n");
    }

    b.append("<h2>Looks like a stream, nothing derived</h2>\n");
    if (s.findings().isEmpty()) {
      b.append("<p>none</p>\n");
    } else {
      b.append("<table><tr><th>finding</th><th>what</th><th>count</th><th>example trace</th><th>what to do</th></tr>\n");
      for (LiveFinding f : s.findings()) {
        b.append("<tr><td>").append(esc(f.code())).append("</td><td>").append(esc(f.subject())).append("</td><td class=\"n\">")
            .append(f.count()).append("</td><td>").append(esc(f.exampleTraceId())).append("</td><td>").append(esc(f.advice()))
            .append("</td></tr>\n");
      }
      b.append("</table>\n");
    }
    if (s.droppedFindings() > 0) {
      b.append("<p>").append(s.droppedFindings()).append(" observations of further kinds were not kept (service.debug.max_findings).</p>\n");
    }
    b.append("<p>For a recording, <code>streamfold explain FILE</code> says the same per item.</p>\n</body></html>\n");
    return b.toString();
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
