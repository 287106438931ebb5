package dev.streamfold.export;

import dev.streamfold.pipeline.Signal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On-disk queue of encoded export requests, so that queued batches survive a restart or an
 * outage longer than memory holds.
 *
 * <p>Layout in {@code directory}: append-only segment files {@code <id>.seg} holding records
 * {@code [magic u32][signal u8][items u64][length u32][payload crc32 u32][header crc32 u32][payload]},
 * and next to each an acknowledgement log {@code <id>.ack} of 8-byte record offsets. A record is
 * acknowledged when the downstream accepted it (or it was dropped for good); a segment is
 * deleted once it is no longer the write segment and all its records are acknowledged, so
 * acknowledgements may arrive in any order. On open, the segments are scanned and every valid
 * unacknowledged record is returned for replay (at-least-once: a request in flight at a crash
 * is sent again). A torn or corrupt tail is truncated, a record whose payload checksum fails
 * is skipped; both are counted and logged, never fatal. A {@code lock} file prevents two
 * processes from sharing the directory.
 *
 * <p>Bounds: the segment files together never exceed {@code maxBytes}; {@link #append} returns
 * {@code null} instead. Durability: records are written to the OS (no fsync per record), so they
 * survive a process crash or kill, not a power loss. Thread-safe.
 */
final class PersistentQueue implements AutoCloseable {
  /** Reason label for records lost to corruption on disk. */
  static final String CORRUPT = "persistent_queue_corrupt";

  private static final Logger LOG = LoggerFactory.getLogger(PersistentQueue.class);
  private static final int MAGIC = 0x53464251; // "SFBQ"
  static final int HEADER = 4 + 1 + 8 + 4 + 4 + 4;
  private static final Signal[] SIGNALS = Signal.values();

  /** A record's position and what it holds. */
  record Ref(long segment, long offset, Signal signal, long items, int length) {}

  /** Counts and logs a record lost to corruption; signal is {@code null} when the header itself was unreadable. */
  interface CorruptionListener {
    void corrupt(Signal signal, long items, String detail);
  }

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final CorruptionListener listener;
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private final FileChannel lockChannel;
  private final FileLock lock;
  private Segment active;
  private long totalBytes;
  private boolean closed;

  private static final class Segment {
    final long id;
    final FileChannel ch;
    FileChannel ack;
    long size;
    int records;
    int done;
    boolean sealed;

    Segment(long id, FileChannel ch) {
      this.id = id;
      this.ch = ch;
    }
  }

  PersistentQueue(Path dir, long maxBytes, CorruptionListener listener) throws IOException {
    this(dir, maxBytes, Math.max(64 * 1024, Math.min(64L << 20, maxBytes / 16)), listener);
  }

  PersistentQueue(Path dir, long maxBytes, long segmentBytes, CorruptionListener listener) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    this.listener = listener;
    Files.createDirectories(dir);
    this.lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      lockChannel.close();
      throw new IOException("persistent queue directory " + dir + " is in use by another streamfold instance");
    }
    this.lock = l;
  }

  long maxBytes() {
    return maxBytes;
  }

  /**
   * Scans the directory and returns the unacknowledged records in write order. Call once,
   * before the first {@link #append}.
   */
  synchronized List<Ref> recover() throws IOException {
    List<Long> ids = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.matches("\\d{20}\\.seg")) {
          ids.add(Long.parseLong(n.substring(0, 20)));
        } else if (n.matches("\\d{20}\\.ack") && !Files.exists(dir.resolve(n.substring(0, 20) + ".seg"))) {
          Files.deleteIfExists(p); // a segment deleted just before a crash left its ack log behind
        }
      }
    }
    ids.sort(null);
    List<Ref> pending = new ArrayList<>();
    for (long id : ids) {
      recoverSegment(id, pending);
    }
    long next = ids.isEmpty() ? 1 : ids.get(ids.size() - 1) + 1;
    active = openSegment(next);
    return pending;
  }

  private void recoverSegment(long id, List<Ref> pending) throws IOException {
    Set<Long> acked = readAcks(ackPath(id));
    FileChannel ch = FileChannel.open(segPath(id), StandardOpenOption.READ, StandardOpenOption.WRITE);
    Segment seg = new Segment(id, ch);
    seg.sealed = true;
    long fileSize = ch.size();
    long pos = 0;
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    List<Long> newlyDone = new ArrayList<>();
    while (pos < fileSize) {
      if (fileSize - pos < HEADER) {
        truncate(seg, pos, fileSize, null, 0, "torn record header");
        break;
      }
      header.clear();
      readFully(ch, header, pos);
      header.flip();
      int magic = header.getInt();
      int sig = header.get();
      long items = header.getLong();
      int length = header.getInt();
      int payloadCrc = header.getInt();
      int headerCrc = header.getInt();
      if (magic != MAGIC || headerCrc != crc(header.array(), 0, HEADER - 4) || sig < 0 || sig >= SIGNALS.length || length < 0) {
        truncate(seg, pos, fileSize, null, 0, "bad record header");
        break;
      }
      Signal signal = SIGNALS[sig];
      if (pos + HEADER + length > fileSize) {
        truncate(seg, pos, fileSize, signal, items, "torn record payload");
        break;
      }
      seg.records++;
      if (acked.contains(pos)) {
        seg.done++;
      } else {
        ByteBuffer payload = ByteBuffer.allocate(length);
        readFully(ch, payload, pos + HEADER);
        if (crc(payload.array(), 0, length) != payloadCrc) {
          listener.corrupt(signal, items, "checksum mismatch in " + segPath(id).getFileName() + " at offset " + pos);
          seg.done++;
          newlyDone.add(pos);
        } else {
          pending.add(new Ref(id, pos, signal, items, length));
        }
      }
      pos += HEADER + length;
    }
    seg.size = ch.size();
    segments.put(id, seg);
    totalBytes += seg.size;
    for (long off : newlyDone) {
      writeAck(seg, off);
    }
    if (seg.done == seg.records) {
      delete(seg);
    }
  }

  private void truncate(Segment seg, long pos, long fileSize, Signal signal, long items, String what) throws IOException {
    listener.corrupt(signal, items, what + " in " + segPath(seg.id).getFileName() + " at offset " + pos + " (" + (fileSize - pos) + " bytes dropped)");
    seg.ch.truncate(pos);
  }

  private static Set<Long> readAcks(Path p) throws IOException {
    Set<Long> acked = new HashSet<>();
    if (!Files.exists(p)) {
      return acked;
    }
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p));
    while (b.remaining() >= 8) {
      acked.add(b.getLong()); // a torn trailing ack (< 8 bytes) is ignored: that record replays
    }
    return acked;
  }

  /**
   * Appends a record.
   *
   * @return its reference, or {@code null} when it would take the queue past {@code maxBytes}
   */
  synchronized Ref append(Signal signal, long items, byte[] payload) throws IOException {
    if (closed || active == null) {
      throw new IOException("persistent queue not open");
    }
    long len = HEADER + (long) payload.length;
    if (totalBytes + len > maxBytes) {
      return null;
    }
    if (active.size > 0 && active.size + len > segmentBytes) {
      active.sealed = true;
      Segment old = active;
      active = openSegment(active.id + 1);
      if (old.done == old.records) {
        delete(old);
      }
    }
    ByteBuffer buf = ByteBuffer.allocate((int) len);
    buf.putInt(MAGIC).put((byte) signal.ordinal()).putLong(items).putInt(payload.length).putInt(crc(payload, 0, payload.length));
    buf.putInt(crc(buf.array(), 0, HEADER - 4));
    buf.put(payload);
    buf.flip();
    long pos = active.size;
    try {
      while (buf.hasRemaining()) {
        active.ch.write(buf, pos + buf.position());
      }
    } catch (IOException e) {
      try {
        active.ch.truncate(pos);
      } catch (IOException ignored) {
        // recovery truncates a torn tail
      }
      throw e;
    }
    active.size += len;
    active.records++;
    totalBytes += len;
    return new Ref(active.id, pos, signal, items, payload.length);
  }

  /**
   * Reads a record's payload.
   *
   * @throws IOException when it cannot be read or its checksum fails (the caller counts it and acknowledges it)
   */
  byte[] read(Ref ref) throws IOException {
    FileChannel ch;
    synchronized (this) {
      Segment seg = segments.get(ref.segment());
      if (seg == null) {
        throw new IOException("segment " + ref.segment() + " is gone");
      }
      ch = seg.ch;
    }
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    readFully(ch, header, ref.offset());
    header.flip();
    header.position(4 + 1 + 8 + 4);
    int payloadCrc = header.getInt();
    ByteBuffer payload = ByteBuffer.allocate(ref.length());
    readFully(ch, payload, ref.offset() + HEADER);
    if (crc(payload.array(), 0, ref.length()) != payloadCrc) {
      throw new IOException("checksum mismatch in segment " + ref.segment() + " at offset " + ref.offset());
    }
    return payload.array();
  }

  /** Marks a record done; deletes its segment when that was the last open record of a sealed segment. */
  synchronized void ack(Ref ref) throws IOException {
    Segment seg = segments.get(ref.segment());
    if (seg == null || closed) {
      return;
    }
    writeAck(seg, ref.offset());
    seg.done++;
    if (seg.sealed && seg.done >= seg.records) {
      delete(seg);
    }
  }

  /** Bytes held in segment files. */
  synchronized long sizeBytes() {
    return totalBytes;
  }

  private void writeAck(Segment seg, long offset) throws IOException {
    if (seg.ack == null) {
      seg.ack = FileChannel.open(ackPath(seg.id), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }
    ByteBuffer b = ByteBuffer.allocate(8).putLong(offset).flip();
    while (b.hasRemaining()) {
      seg.ack.write(b);
    }
  }

  private Segment openSegment(long id) throws IOException {
    FileChannel ch = FileChannel.open(segPath(id), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    Segment s = new Segment(id, ch);
    s.size = ch.size();
    totalBytes += s.size;
    segments.put(id, s);
    return s;
  }

  private void delete(Segment seg) throws IOException {
    segments.remove(seg.id);
    totalBytes -= seg.size;
    seg.ch.close();
    if (seg.ack != null) {
      seg.ack.close();
    }
    Files.deleteIfExists(segPath(seg.id));
    Files.deleteIfExists(ackPath(seg.id));
  }

  private Path segPath(long id) {
    return dir.resolve(String.format("%020d.seg", id));
  }

  private Path ackPath(long id) {
    return dir.resolve(String.format("%020d.ack", id));
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    long p = pos;
    while (b.hasRemaining()) {
      int n = ch.read(b, p);
      if (n < 0) {
        throw new IOException("unexpected end of segment at " + p);
      }
      p += n;
    }
  }

  private static int crc(byte[] b, int off, int len) {
    CRC32 c = new CRC32();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  /** Closes the files; unacknowledged records stay for the next start. An empty write segment is removed. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Segment s : new ArrayList<>(segments.values())) {
      try {
        if (s.done >= s.records) {
          delete(s);
        } else {
          s.ch.close();
          if (s.ack != null) {
            s.ack.close();
          }
        }
      } catch (IOException e) {
        LOG.warn("closing persistent queue segment {}: {}", s.id, e.toString());
      }
    }
    segments.clear();
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("releasing persistent queue lock: {}", e.toString());
    }
  }

  /** For tests: segment ids currently on disk. */
  synchronized Map<Long, Integer> openRecordsBySegment() {
    Map<Long, Integer> m = new TreeMap<>();
    segments.forEach((id, s) -> m.put(id, s.records - s.done));
    return m;
  }
}
