package dev.streamfold.receiver;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a request body into memory with a hard bound: at most {@code limit} bytes on the wire
 * and, for gzip, at most {@code limit} bytes after decompression, so neither a large body nor a
 * gzip bomb can take more than about {@code limit} bytes of heap. Stateless.
 */
final class BodyReader {
  private static final int MIN_BUFFER = 8 * 1024;

  private BodyReader() {}

  /** The body is larger than the limit (compressed or decompressed). */
  static final class TooLargeException extends IOException {
    TooLargeException() {
      super("request body exceeds the size limit");
    }
  }

  /** The gzip stream is corrupt or truncated. */
  static final class BadEncodingException extends IOException {
    BadEncodingException(String message) {
      super(message);
    }
  }

  /** A filled prefix of {@code bytes}. */
  record Body(byte[] bytes, int length) {}

  /**
   * @param declaredLength Content-Length, or -1 when unknown (chunked)
   * @throws TooLargeException over the limit
   * @throws BadEncodingException corrupt gzip
   * @throws IOException the connection failed
   */
  static Body read(InputStream raw, boolean gzip, int limit, long declaredLength) throws IOException {
    CountingLimit wire = new CountingLimit(raw, limit);
    if (!gzip) {
      int initial = declaredLength >= 0 ? (int) Math.min(declaredLength, limit) + 1 : MIN_BUFFER;
      return readAll(wire, limit, initial);
    }
    Body body;
    try {
      GZIPInputStream in = new GZIPInputStream(wire, MIN_BUFFER);
      long guess = declaredLength > 0 ? declaredLength * 4 : MIN_BUFFER;
      body = readAll(in, limit, (int) Math.min(guess, (long) limit + 1));
    } catch (ZipException | EOFException e) {
      if (wire.exceeded) {
        throw new TooLargeException();
      }
      throw new BadEncodingException("invalid gzip body: " + e.getMessage());
    }
    // GZIPInputStream swallows errors while probing for a further member: check the wire bound
    if (wire.exceeded) {
      throw new TooLargeException();
    }
    return body;
  }

  private static Body readAll(InputStream in, int limit, int initialCapacity) throws IOException {
    byte[] buf = new byte[Math.max(1, Math.min(initialCapacity, limit + 1))];
    int len = 0;
    while (true) {
      if (len == buf.length) {
        if (len > limit) {
          throw new TooLargeException();
        }
        int grown = (int) Math.min((long) limit + 1, Math.max((long) len * 2, MIN_BUFFER));
        buf = Arrays.copyOf(buf, grown);
      }
      int n = in.read(buf, len, buf.length - len);
      if (n < 0) {
        return new Body(buf, len);
      }
      len += n;
      if (len > limit) {
        throw new TooLargeException();
      }
    }
  }

  /** Fails with {@link TooLargeException} once more than {@code limit} bytes were read. */
  private static final class CountingLimit extends FilterInputStream {
    private final long limit;
    private long count;
    boolean exceeded;

    CountingLimit(InputStream in, long limit) {
      super(in);
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        add(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        add(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      if (s > 0) {
        add(s);
      }
      return s;
    }

    private void add(long n) throws TooLargeException {
      count += n;
      if (count > limit) {
        exceeded = true;
        throw new TooLargeException();
      }
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
