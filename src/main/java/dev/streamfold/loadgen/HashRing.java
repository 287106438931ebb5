package dev.streamfold.loadgen;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32;

/**
 * A consistent-hash ring over endpoints, placed the way the OpenTelemetry Collector's
 * {@code loadbalancing} exporter places them (routing_key traceID): 36 000 ring positions, 100
 * points per endpoint at CRC-32 (IEEE) of the endpoint name followed by one byte of the point
 * index, a point already taken is skipped (the endpoint listed first keeps it), endpoints in
 * sorted order as the exporter's resolvers hand them over. A trace id goes to the owner of the
 * first point at or after CRC-32 of its 16 bytes modulo 36 000, wrapping around.
 *
 * <p>Adding an endpoint moves only the trace ids whose position falls into the new endpoint's
 * arcs (about 1/N of them), and all of those move to the new endpoint. Immutable.
 */
final class HashRing {
  static final int POSITIONS = 36_000;
  static final int POINTS_PER_ENDPOINT = 100;

  private final List<String> endpoints;
  /** Sorted point positions and, index for index, the endpoint owning each. */
  private final int[] positions;
  private final int[] owners;

  HashRing(List<String> endpoints) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("a hash ring needs at least one endpoint");
    }
    this.endpoints = List.copyOf(new TreeSet<>(endpoints));
    if (this.endpoints.size() != endpoints.size()) {
      throw new IllegalArgumentException("duplicate endpoint in " + endpoints);
    }
    Set<Integer> taken = new HashSet<>();
    List<long[]> points = new ArrayList<>();
    for (int e = 0; e < this.endpoints.size(); e++) {
      byte[] name = this.endpoints.get(e).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      for (int i = 0; i < POINTS_PER_ENDPOINT; i++) {
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(i & 0xff);
        int pos = (int) (crc.getValue() % POSITIONS);
        if (taken.add(pos)) {
          points.add(new long[] {pos, e});
        }
      }
    }
    points.sort((a, b) -> Long.compare(a[0], b[0]));
    positions = new int[points.size()];
    owners = new int[points.size()];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = (int) points.get(i)[0];
      owners[i] = (int) points.get(i)[1];
    }
  }

  /** The endpoints, sorted. */
  List<String> endpoints() {
    return endpoints;
  }

  /** A ring with {@code endpoint} added. */
  HashRing with(String endpoint) {
    List<String> more = new ArrayList<>(endpoints);
    more.add(endpoint);
    return new HashRing(more);
  }

  /** Index into {@link #endpoints()} of the endpoint owning {@code traceId}. */
  int indexFor(ByteString traceId) {
    CRC32 crc = new CRC32();
    crc.update(traceId.asReadOnlyByteBuffer());
    int pos = (int) (crc.getValue() % POSITIONS);
    int i = Arrays.binarySearch(positions, pos);
    if (i < 0) {
      i = -i - 1;
    }
    return owners[i == positions.length ? 0 : i];
  }

  String endpointFor(ByteString traceId) {
    return endpoints.get(indexFor(traceId));
  }

  @Override
  public String toString() {
    return String.join(",", endpoints);
  }
}
