package dev.streamfold.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BodyReaderTest {
  private static final int LIMIT = 64 * 1024;

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static byte[] content(BodyReader.Body body) {
    return Arrays.copyOf(body.bytes(), body.length());
  }

  @Test
  void readsBodiesUpToTheLimitWithAndWithoutDeclaredLength() throws Exception {
    for (int n : new int[] {0, 1, 8191, 8192, 8193, LIMIT - 1, LIMIT}) {
      byte[] data = random(n);
      assertThat(content(BodyReader.read(new ByteArrayInputStream(data), false, LIMIT, n))).isEqualTo(data);
      assertThat(content(BodyReader.read(new ByteArrayInputStream(data), false, LIMIT, -1))).isEqualTo(data);
    }
  }

  @Test
  void oneByteOverTheLimitIsTooLargeEvenWhenTheLengthIsUnderstated() {
    byte[] data = random(LIMIT + 1);
    assertThatThrownBy(() -> BodyReader.read(new ByteArrayInputStream(data), false, LIMIT, -1))
        .isInstanceOf(BodyReader.TooLargeException.class);
    assertThatThrownBy(() -> BodyReader.read(new ByteArrayInputStream(data), false, LIMIT, 10))
        .isInstanceOf(BodyReader.TooLargeException.class);
  }

  @Test
  void gzipIsInflatedIncludingConcatenatedMembers() throws Exception {
    byte[] a = random(5000);
    byte[] b = random(7000);
    ByteArrayOutputStream both = new ByteArrayOutputStream();
    both.writeBytes(OtlpHttpReceiverTest.gzip(a));
    both.writeBytes(OtlpHttpReceiverTest.gzip(b));
    byte[] got = content(BodyReader.read(new ByteArrayInputStream(both.toByteArray()), true, LIMIT, both.size()));
    ByteArrayOutputStream want = new ByteArrayOutputStream();
    want.writeBytes(a);
    want.writeBytes(b);
    assertThat(got).isEqualTo(want.toByteArray());
  }

  @Test
  void gzipBombStopsAtTheLimitWithoutReadingTheRest() throws Exception {
    byte[] bomb = OtlpHttpReceiverTest.gzip(new byte[1000 * LIMIT]);
    CountingStream in = new CountingStream(bomb);
    assertThatThrownBy(() -> BodyReader.read(in, true, LIMIT, bomb.length))
        .isInstanceOf(BodyReader.TooLargeException.class);
    // inflating stops at the limit: most of the compressed stream is never even read
    assertThat(in.read).isLessThan(bomb.length / 2);
  }

  @Test
  void compressedSizeIsBoundedToo() throws Exception {
    // random data inflates to just under the limit, but its gzip form is just over it
    byte[] incompressible = OtlpHttpReceiverTest.gzip(random(LIMIT - 8));
    assertThat(incompressible.length).isGreaterThan(LIMIT);
    assertThatThrownBy(() -> BodyReader.read(new ByteArrayInputStream(incompressible), true, LIMIT, -1))
        .isInstanceOf(BodyReader.TooLargeException.class);
  }

  @Test
  void corruptOrEmptyGzipIsBadEncoding() throws Exception {
    assertThatThrownBy(() -> BodyReader.read(new ByteArrayInputStream(random(100)), true, LIMIT, 100))
        .isInstanceOf(BodyReader.BadEncodingException.class);
    assertThatThrownBy(() -> BodyReader.read(new ByteArrayInputStream(new byte[0]), true, LIMIT, 0))
        .isInstanceOf(BodyReader.BadEncodingException.class);
    byte[] gz = OtlpHttpReceiverTest.gzip(random(3000));
    byte[] truncated = Arrays.copyOf(gz, gz.length / 2);
    assertThatThrownBy(() -> BodyReader.read(new ByteArrayInputStream(truncated), true, LIMIT, -1))
        .isInstanceOf(BodyReader.BadEncodingException.class);
  }

  private static final class CountingStream extends InputStream {
    private final ByteArrayInputStream in;
    long read;

    CountingStream(byte[] data) {
      this.in = new ByteArrayInputStream(data);
    }

    @Override
    public int read() {
      int b = in.read();
      if (b >= 0) {
        read++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      int n = in.read(b, off, len);
      if (n > 0) {
        read += n;
      }
      return n;
    }
  }
}
