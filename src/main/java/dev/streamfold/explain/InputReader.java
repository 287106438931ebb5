package dev.streamfold.explain;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads recorded telemetry files for {@code explain}, detecting the format from the content:
 * gzip is unpacked, text starting with <code>{</code> is OTLP JSON ({@link JsonInput}), anything
 * else OTLP protobuf ({@link ProtobufInput}). A file (unpacked) is limited to {@link #MAX_BYTES}.
 */
public final class InputReader {
  static final long MAX_BYTES = 512L * 1024 * 1024;

  /** What was read from all files: requests in file order, and what could not be read. */
  public record Result(List<InputRequest> requests, List<InputError> errors) {}

  private InputReader() {}

  public static Result read(List<Path> files) {
    List<InputRequest> out = new ArrayList<>();
    List<InputError> errors = new ArrayList<>();
    for (Path f : files) {
      read(f, out, errors);
    }
    return new Result(out, errors);
  }

  static void read(Path file, List<InputRequest> out, List<InputError> errors) {
    String name = file.toString();
    byte[] data;
    try {
      if (Files.size(file) > MAX_BYTES) {
        errors.add(new InputError(name, "larger than " + (MAX_BYTES >> 20) + " MiB: explain a shorter recording"));
        return;
      }
      data = Files.readAllBytes(file);
      if (data.length >= 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b) {
        data = gunzip(data);
      }
    } catch (IOException e) {
      errors.add(new InputError(name, "cannot read: " + e.getMessage()));
      return;
    }
    read(name, data, out, errors);
  }

  static void read(String name, byte[] data, List<InputRequest> out, List<InputError> errors) {
    int bom = data.length >= 3 && (data[0] & 0xff) == 0xef && (data[1] & 0xff) == 0xbb && (data[2] & 0xff) == 0xbf ? 3 : 0;
    int i = bom;
    while (i < data.length && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) {
      i++;
    }
    if (i == data.length) {
      return;
    }
    if (data[i] == '{') {
      JsonInput.read(name, new String(data, bom, data.length - bom, StandardCharsets.UTF_8), out, errors);
    } else {
      ProtobufInput.read(name, data, out, errors);
    }
  }

  private static byte[] gunzip(byte[] data) throws IOException {
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(data.length * 4);
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        if (out.size() > MAX_BYTES) {
          throw new IOException("unpacks to more than " + (MAX_BYTES >> 20) + " MiB");
        }
      }
      return out.toByteArray();
    }
  }
}
