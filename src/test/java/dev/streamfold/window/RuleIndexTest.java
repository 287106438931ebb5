package dev.streamfold.window;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.RuleConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.otlp.Attributes;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleIndexTest {
  @Test
  void theIndexGroupIsFoundByNumberPastOtherGroups() {
    assertThat(Rule.groupNumber("^.+::chunk_(?<index>[0-9]+)$", "index")).isEqualTo(1);
    assertThat(Rule.groupNumber("^(a|b)(?:c)(?<x>d)(?<index>[0-9]+)$", "index")).isEqualTo(3);
    assertThat(Rule.groupNumber("^\\(x[(](?<=y)(?!z)(?<index>[0-9]+)$", "index")).isEqualTo(1);
    assertThat(Rule.groupNumber("^.+::chunk_[0-9]+$", "index")).isZero();
    assertThat(Rule.groupNumber("^(?<indexed>a)$", "index")).isZero();
  }

  @Test
  void aRegexGroupGivesTheIndexLessTheBase() {
    RuleConfig c = TestConfig.rule("{name_regex: '^(step|part)-(?<index>[0-9]+)$', index_base: 1}");
    Rule r = new Rule(c);
    assertThat(r.hasIndex()).isTrue();
    assertThat(r.matches("part-3", "", List.of())).isTrue();
    assertThat(r.index("part-3", List.of())).isEqualTo(2);
    assertThat(r.index("step-1", List.of())).as("not the name last matched: matched again").isZero();
    assertThat(r.index("step-0", List.of())).as("below the base").isEqualTo(-1);
    assertThat(r.index("other", List.of())).isEqualTo(-1);
    assertThat(r.index("part-99999999999999999999", List.of())).as("beyond an int").isEqualTo(-1);
  }

  @Test
  void anIndexAttributeWinsOverTheName() {
    RuleConfig c = TestConfig.rule("{name_regex: '^.+::chunk_(?<index>[0-9]+)$', index_attribute: seq}");
    Rule r = new Rule(c);
    assertThat(r.index("a::chunk_5", List.of(Attributes.of("seq", 7L)))).isEqualTo(7);
    assertThat(r.index("a::chunk_5", List.of())).isEqualTo(5);
    assertThat(new Rule(TestConfig.rule("{event_name: e}")).hasIndex()).isFalse();
  }
}
