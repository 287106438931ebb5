package dev.streamfold.debug;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.streamfold.debug.DebugSnapshot.ClosedView;
import dev.streamfold.debug.DebugSnapshot.LiveFinding;
import dev.streamfold.debug.DebugSnapshot.OpenGroup;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DebugPageTest {
  static final DebugSnapshot SNAPSHOT = new DebugSnapshot(
      1_790_000_000_000L,
      3,
      List.of(new OpenGroup("chat-app", "gpt-4o", "chunk_logs", 2, 11, 1500)),
      1,
      List.of(new ClosedView(1_790_000_000_000L, "5b8efff798038103d269b633813fc60c", "a0a0a0a0a0a0a0a0", "<script>alert(1)</script>",
          "chat-app", "gpt-4o", "chunk_spans", "stream_end", true, Map.of("ttft_ms", 100.0))),
      9,
      Map.of("chunk_spans[0] name_regex=^.+::chunk_[0-9]+$", 42L),
      List.of(new LiveFinding("no_stream_data", "span `chat gpt-4o` (gen_ai.operation.name=chat)", 5, "df365e21a27042eec71e6f7479fe7039", "send chunks")),
      0);
  final DebugPage page = new DebugPage(() -> SNAPSHOT);

  static String body(DebugPage.Response r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void htmlListsOpenGroupsClosedStreamsRulesAndFindingsWithValuesEscaped() {
    DebugPage.Response r = page.handle("GET", DebugPage.HTML_PATH);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("text/html");
    String html = body(r);
    assertThat(html).contains("<td>chat-app</td><td>gpt-4o</td><td>chunk_logs</td><td class=\"n\">2</td><td class=\"n\">11</td>")
        .contains("1 more open streams are counted but not listed")
        .contains("5b8efff798038103d269b633813fc60c").contains("ttft_ms=100.0")
        .contains("chunk_spans[0] name_regex=^.+::chunk_[0-9]+$</td><td class=\"n\">42")
        .contains("no_stream_data").contains("span `chat gpt-4o` (gen_ai.operation.name=chat)")
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .doesNotContain("<script>");
    assertThat(page.handle("GET", "/").status()).isEqualTo(200);
  }

  @Test
  void jsonCarriesTheSameSnapshot() {
    DebugPage.Response r = page.handle("GET", DebugPage.JSON_PATH);
    assertThat(r.contentType()).isEqualTo("application/json");
    JsonObject o = JsonParser.parseString(body(r)).getAsJsonObject();
    assertThat(o.get("windowOpenStreams").getAsLong()).isEqualTo(3);
    assertThat(o.getAsJsonArray("recent").get(0).getAsJsonObject().get("name").getAsString()).isEqualTo("<script>alert(1)</script>");
    assertThat(o.getAsJsonObject("rules").get("chunk_spans[0] name_regex=^.+::chunk_[0-9]+$").getAsLong()).isEqualTo(42);
  }

  @Test
  void otherPathsAndMethodsAreRefused() {
    assertThat(page.handle("GET", "/debug/tracez").status()).isEqualTo(404);
    assertThat(page.handle("POST", DebugPage.HTML_PATH).status()).isEqualTo(405);
  }
}
