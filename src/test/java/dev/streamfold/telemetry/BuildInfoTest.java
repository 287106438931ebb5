package dev.streamfold.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class BuildInfoTest {
  private static Properties props(String version, String revision, String dirty) {
    Properties p = new Properties();
    p.setProperty("version", version);
    p.setProperty("revision", revision);
    p.setProperty("dirty", dirty);
    return p;
  }

  @Test
  void theMavenBuildFilledInVersionAndRevision() {
    BuildInfo b = BuildInfo.current();

    assertThat(b.version()).isNotEqualTo("dev").doesNotContain("${");
    // tests run from a git checkout; a build without git reads "unknown" (below)
    assertThat(b.revision()).matches("[0-9a-f]{12}(-dirty)?");
  }

  @Test
  void unfilledPlaceholdersReadAsUnknown() {
    BuildInfo b = BuildInfo.parse(props("${project.version}", "${git.commit.id.abbrev}", "${git.dirty}"));

    assertThat(b).isEqualTo(new BuildInfo("dev", "unknown"));
  }

  @Test
  void aModifiedTreeIsMarkedDirty() {
    assertThat(BuildInfo.parse(props("1.2.3", "0123456789ab", "true")).revision()).isEqualTo("0123456789ab-dirty");
    assertThat(BuildInfo.parse(props("1.2.3", "0123456789ab", "false")).toString())
        .isEqualTo("1.2.3 (revision 0123456789ab)");
  }
}
