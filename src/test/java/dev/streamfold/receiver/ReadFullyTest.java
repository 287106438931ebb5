package dev.streamfold.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class ReadFullyTest {
  /** A stream that announces {@code announced} bytes, whatever it really holds. */
  static final class Announcing extends ByteArrayInputStream implements KnownLength {
    final int announced;
    boolean first = true;

    Announcing(byte[] b, int announced) {
      super(b);
      this.announced = announced;
    }

    @Override
    public synchronized int available() {
      if (first) {
        first = false;
        return announced;
      }
      return super.available();
    }
  }

  static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  @Test
  void readsExactlyWhatIsThereWhateverTheStreamAnnounces() throws IOException {
    byte[] data = bytes(1000);
    assertThat(GrpcPayload.readFully(new Announcing(data, 1000))).isEqualTo(data);
    assertThat(GrpcPayload.readFully(new Announcing(data, 10))).isEqualTo(data); // more than announced
    assertThat(GrpcPayload.readFully(new Announcing(data, 5000))).isEqualTo(data); // less than announced
    assertThat(GrpcPayload.readFully(new ByteArrayInputStream(data))).isEqualTo(data);
    assertThat(GrpcPayload.readFully(new Announcing(new byte[0], 0))).isEmpty();
  }
}
