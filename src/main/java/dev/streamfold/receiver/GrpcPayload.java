package dev.streamfold.receiver;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * An export message as bytes, or why it could not be read: gRPC inflates compressed messages
 * lazily, while they are read here, and enforces the size limit then (RESOURCE_EXHAUSTED). The
 * receiver's methods use {@link #MARSHALLER} so that decoding (and its failure) happens on the
 * bounded pool, not on the event loop.
 */
record GrpcPayload(byte[] bytes, Status error) {
  static final MethodDescriptor.Marshaller<GrpcPayload> MARSHALLER = new Marshaller();

  /** Keeps the message as bytes. */
  private static final class Marshaller implements MethodDescriptor.Marshaller<GrpcPayload> {
    @Override
    public InputStream stream(GrpcPayload value) {
      return new ByteArrayInputStream(value.bytes());
    }

    @Override
    public GrpcPayload parse(InputStream stream) {
      try (stream) {
        return new GrpcPayload(readFully(stream), null);
      } catch (StatusRuntimeException e) {
        return new GrpcPayload(null, e.getStatus());
      } catch (IOException | RuntimeException e) {
        return new GrpcPayload(null, Status.INVALID_ARGUMENT.withDescription("cannot read message: " + e.getClass().getSimpleName()));
      }
    }
  }

  /**
   * Reads a message. grpc's message streams know their length: read into an array of exactly
   * that size (readAllBytes would copy through growing buffers).
   */
  static byte[] readFully(InputStream stream) throws IOException {
    if (stream instanceof KnownLength) {
      int n = stream.available();
      byte[] b = new byte[n];
      int off = 0;
      while (off < n) {
        int r = stream.read(b, off, n - off);
        if (r < 0) {
          return Arrays.copyOf(b, off);
        }
        off += r;
      }
      int extra = stream.read();
      if (extra < 0) {
        return b;
      }
      // longer than announced: read the rest too
      byte[] rest = stream.readAllBytes();
      byte[] all = Arrays.copyOf(b, n + 1 + rest.length);
      all[n] = (byte) extra;
      System.arraycopy(rest, 0, all, n + 1, rest.length);
      return all;
    }
    return stream.readAllBytes();
  }
}
