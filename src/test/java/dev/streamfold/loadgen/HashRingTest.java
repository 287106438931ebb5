package dev.streamfold.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HashRingTest {
  static final List<String> THREE = List.of("127.0.0.1:4317", "127.0.0.1:4327", "127.0.0.1:4337");
  static final String FOURTH = "127.0.0.1:4347";

  static ByteString traceId(SplittableRandom r) {
    byte[] b = new byte[16];
    for (int i = 0; i < 16; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return ByteString.copyFrom(b);
  }

  @Test
  void sameTraceIdAlwaysSameEndpointWhateverTheListOrder() {
    HashRing a = new HashRing(THREE);
    HashRing b = new HashRing(List.of(THREE.get(2), THREE.get(0), THREE.get(1)));
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 10_000; i++) {
      ByteString id = traceId(r);
      assertThat(a.endpointFor(id)).isEqualTo(a.endpointFor(ByteString.copyFrom(id.toByteArray())))
          .isEqualTo(b.endpointFor(id));
    }
  }

  @Test
  void everyEndpointGetsAShareAndOneEndpointGetsEverything() {
    HashRing ring = new HashRing(THREE);
    HashRing one = new HashRing(List.of(FOURTH));
    Map<String, Integer> share = new HashMap<>();
    SplittableRandom r = new SplittableRandom(2);
    int n = 30_000;
    for (int i = 0; i < n; i++) {
      ByteString id = traceId(r);
      share.merge(ring.endpointFor(id), 1, Integer::sum);
      assertThat(one.endpointFor(id)).isEqualTo(FOURTH);
    }
    assertThat(share).containsOnlyKeys(THREE);
    // 100 points per endpoint on 36000 positions: rough balance, as the Collector's ring
    assertThat(share.values()).allSatisfy(c -> assertThat(c).isBetween(n / 6, n / 2));
  }

  @Test
  void addingAnEndpointMovesAboutAQuarterOfTheIdsAndOnlyToTheNewEndpoint() {
    HashRing before = new HashRing(THREE);
    HashRing after = before.with(FOURTH);
    assertThat(after.endpoints()).hasSize(4).contains(FOURTH);
    SplittableRandom r = new SplittableRandom(3);
    int n = 40_000;
    int moved = 0;
    for (int i = 0; i < n; i++) {
      ByteString id = traceId(r);
      String was = before.endpointFor(id);
      String now = after.endpointFor(id);
      if (!was.equals(now)) {
        moved++;
        assertThat(now).isEqualTo(FOURTH);
      }
    }
    // the new endpoint takes its own arcs only: about 1/4, rough with 100 points per endpoint
    assertThat(moved).isBetween(n / 8, n * 3 / 8);
  }

  @Test
  void placementMatchesAPlainReadingOfTheCollectorRing() {
    // reference by brute force: points at CRC-32(name + point byte) mod 36000, a taken position
    // stays with the endpoint first in sorted order, a key goes to the nearest point clockwise
    HashRing ring = new HashRing(THREE);
    Map<Integer, String> points = new HashMap<>();
    for (String e : THREE) {
      for (int i = 0; i < 100; i++) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(e.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        crc.update(new byte[] {(byte) i});
        points.putIfAbsent((int) (crc.getValue() % 36000), e);
      }
    }
    SplittableRandom r = new SplittableRandom(4);
    for (int k = 0; k < 5000; k++) {
      ByteString id = k == 0 ? ByteString.copyFrom(new byte[16]) : traceId(r);
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(id.toByteArray());
      int key = (int) (crc.getValue() % 36000);
      int best = -1;
      for (int pos : points.keySet()) {
        int d = Math.floorMod(pos - key, 36000);
        if (best < 0 || d < Math.floorMod(best - key, 36000)) {
          best = pos;
        }
      }
      assertThat(ring.endpointFor(id)).as("trace %s", k).isEqualTo(points.get(best));
    }
  }

  @Test
  void rejectsEmptyAndDuplicates() {
    assertThatThrownBy(() -> new HashRing(List.of())).hasMessageContaining("at least one");
    assertThatThrownBy(() -> new HashRing(List.of("a:1", "a:1"))).hasMessageContaining("duplicate");
  }
}
