package dev.streamfold.window;

import dev.streamfold.otlp.OtlpSignal;
import java.util.concurrent.CountDownLatch;

/**
 * What goes on a shard's queue: its part of a request (signal, request, owners, units), or a
 * control for every shard (tick, shed, close all, sync latch; {@link #POISON} stops the thread).
 * Immutable once queued.
 */
final class ShardWork {
  static final ShardWork POISON = new ShardWork(null);

  final OtlpSignal<?, ?, ?, ?, ?> signal;
  final Object request;
  /** {@link ShardRouter.Part#owners}: null when the whole request is this shard's. */
  final int[] owners;
  final long units;
  final long extraUnits;
  final CountDownLatch latch;
  boolean closeAll;
  double shed;

  ShardWork(OtlpSignal<?, ?, ?, ?, ?> signal, Object request, int[] owners, long units, long extraUnits) {
    this.signal = signal;
    this.request = request;
    this.owners = owners;
    this.units = units;
    this.extraUnits = extraUnits;
    this.latch = null;
  }

  ShardWork(CountDownLatch latch) {
    this.signal = null;
    this.request = null;
    this.owners = null;
    this.units = 0;
    this.extraUnits = 0;
    this.latch = latch;
  }
}
