package dev.streamfold.window;

/**
 * (trace id, stream id). Instances in maps are never mutated; a shard reuses one probe instance
 * (via {@link #set}) for lookups on its own thread. Public for the debug page's own table of
 * open streams (debug.DebugState), which keys the same way.
 */
public final class StreamKey {
  long traceHi;
  long traceLo;
  long streamId;

  public StreamKey() {}

  public StreamKey(long traceHi, long traceLo, long streamId) {
    this.traceHi = traceHi;
    this.traceLo = traceLo;
    this.streamId = streamId;
  }

  public StreamKey set(long traceHi, long traceLo, long streamId) {
    this.traceHi = traceHi;
    this.traceLo = traceLo;
    this.streamId = streamId;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StreamKey k && k.traceHi == traceHi && k.traceLo == traceLo && k.streamId == streamId;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(Ids.mix(traceLo ^ streamId * 31 ^ traceHi * 17));
  }

  @Override
  public String toString() {
    return Ids.hex(traceHi) + Ids.hex(traceLo) + "/" + Ids.hex(streamId);
  }
}
