package dev.streamfold.explain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.ConfigLoader;
import dev.streamfold.config.WindowConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's producer table is what {@code explain --table} says about the recorded fixtures
 * today. When a fixture or the window changes, this test fails and prints the new table to paste
 * between the markers (or run {@code java -jar target/streamfold.jar explain --table
 * src/test/resources/fixtures/*.json}).
 */
class ProducerTableReadmeTest {
  static final String BEGIN = "<!-- producer-table:begin -->\n";
  static final String END = "<!-- producer-table:end -->";

  @Test
  void readmeTableIsCurrent() throws Exception {
    WindowConfig cfg = new ConfigLoader().loadDefault().window();
    List<ProducerTable.Entry> entries = new ArrayList<>();
    for (Path f : ExplainMatchesServiceTest.fixtures().toList()) {
      Report r = Explainer.explain(cfg, "embedded default", List.of(f));
      assertThat(r.errors()).as("%s reads cleanly", f).isEmpty();
      entries.add(new ProducerTable.Entry(f.getFileName().toString(), r));
    }
    String table = ProducerTable.render(entries);
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    int a = readme.indexOf(BEGIN);
    int b = readme.indexOf(END);
    assertThat(a).as("README has the producer table markers").isGreaterThanOrEqualTo(0);
    assertThat(b).isGreaterThan(a);
    String current = readme.substring(a + BEGIN.length(), b);
    assertThat(current)
        .withFailMessage("README.md producer table is stale; replace the lines between the markers with:%n%s", table)
        .isEqualTo(table);
  }
}
