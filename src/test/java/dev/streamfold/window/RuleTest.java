package dev.streamfold.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamfold.config.TestConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleTest {
  @Test
  void rememberedVerdictsStayRightWhenNamesShareACacheSlot() {
    // "BBAa" and "AaBB" have the same hash, so they take turns in one slot of the name cache;
    // both pass the literal guard ("Aa"), only the first ends with it
    assertEquals("BBAa".hashCode(), "AaBB".hashCode());
    Rule r = new Rule(TestConfig.rule("{name_regex: '^.*Aa$'}"));
    for (int i = 0; i < 3; i++) {
      assertTrue(r.matches("BBAa", "", List.of()));
      assertTrue(r.matches("BBAa", "", List.of()));
      assertFalse(r.matches("AaBB", "", List.of()));
      assertFalse(r.matches("AaBB", "", List.of()));
    }
  }

  @Test
  void chunkNamesRepeatedOrNotGetTheRegexVerdict() {
    Rule r = new Rule(TestConfig.rule("{name_regex: '^.+::chunk_[0-9]+$'}"));
    for (int round = 0; round < 2; round++) {
      for (int n = 0; n < 2 * Rule.NAME_CACHE; n++) {
        assertTrue(r.matches("generate::chunk_" + n, "", List.of()), "chunk " + n);
        assertFalse(r.matches("generate::chunk_" + n + "x", "", List.of()), "chunk " + n + "x");
      }
    }
  }

  @Test
  void chunkIndexesStayRightWhenNamesTakeTurnsInTheCache() {
    // 2 x NAME_CACHE names in NAME_CACHE slots: some share a slot and evict each other
    Rule r = new Rule(TestConfig.rule("{name_regex: '^.+::chunk_(?<index>[0-9]+)$'}"));
    for (int round = 0; round < 2; round++) {
      for (int n = 0; n < 2 * Rule.NAME_CACHE; n++) {
        String name = "generate::chunk_" + n;
        assertTrue(r.matches(name, "", List.of()), name);
        assertEquals(n, r.index(name, List.of()), name);
        assertEquals(-1, r.index("generate::chunk_" + n + "x", List.of()));
      }
    }
  }

  @Test
  void longNamesGetTheRegexVerdictEveryTime() {
    Rule r = new Rule(TestConfig.rule("{name_regex: '^.+::chunk_[0-9]+$'}"));
    String longChunk = "a".repeat(Rule.MAX_CACHED_NAME) + "::chunk_1";
    String longOther = "a".repeat(Rule.MAX_CACHED_NAME) + "::chunk_";
    for (int i = 0; i < 2; i++) {
      assertTrue(r.matches(longChunk, "", List.of()));
      assertFalse(r.matches(longOther, "", List.of()));
    }
  }

  @Test
  void rememberedNamesKeepTheirOwnChunkIndex() {
    // the index comes from the remembered match, not from whatever the matcher saw last
    Rule r = new Rule(TestConfig.rule("{name_regex: '^.+::chunk_(?<index>[0-9]+)$'}"));
    for (int round = 0; round < 3; round++) {
      for (int n = 0; n < 2 * Rule.NAME_CACHE; n += 7) {
        String name = "generate::chunk_" + n;
        assertTrue(r.matches(name, "", List.of()));
        assertEquals(n, r.index(name, List.of()), name);
        assertEquals(-1, r.index("generate::chunk_" + n + "x", List.of()));
        assertEquals(n, r.index(name, List.of()), name);
      }
    }
  }
}
