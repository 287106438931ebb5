package dev.streamfold.window;

import com.google.protobuf.ByteString;
import dev.streamfold.otlp.OtlpSignal;
import dev.streamfold.otlp.Regroup;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Routes before the hand-off (the Collector's groupbytrace picks its worker from the trace id
 * before queueing): one walk over a request splits it by trace id into one request per shard,
 * each keeping the resource and scope grouping, so a shard only ever sees its own traces and the
 * window's work does not grow with the shard count. A record without a trace id (a log outside
 * any span) goes to the shard of the all-zero id. Stateless; thread-safe.
 */
final class ShardRouter {
  private final int shards;

  /** One shard's part of a request, with its units (spans / log records) and extra units (span events). */
  record Part<Req>(int shard, Req request, long units, long extraUnits) {}

  /** The parts of one request (shards that got nothing have no part) and the request's total units. */
  record Parts<Req>(List<Part<Req>> parts, long units, long extraUnits) {}

  ShardRouter(int shards) {
    this.shards = shards;
  }

  int shards() {
    return shards;
  }

  <Req, R, S, I> Parts<Req> split(OtlpSignal<Req, R, S, I, ?> sig, Req request, Function<I, ByteString> traceId) {
    List<R> groups = sig.resources(request);
    Regroup.Result<R> r = shards == 1
        ? Regroup.split(sig, groups, 1, item -> 0)
        : Regroup.split(sig, groups, shards, item -> shardOf(traceId.apply(item)));
    List<Part<Req>> parts = new ArrayList<>(Math.min(shards, 4));
    long units = 0;
    long extra = 0;
    for (int k = 0; k < shards; k++) {
      List<R> mine = r.groups(k);
      if (mine.isEmpty()) {
        continue;
      }
      // one shard got the request whole: hand it on as it came
      Req part = sameGroups(mine, groups) ? request : sig.request(mine);
      parts.add(new Part<>(k, part, r.units(k), r.extraUnits(k)));
      units += r.units(k);
      extra += r.extraUnits(k);
    }
    return new Parts<>(parts, units, extra);
  }

  private static <R> boolean sameGroups(List<R> a, List<R> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  int shardOf(ByteString traceId) {
    return Ids.shardOf(Ids.traceHi(traceId), Ids.traceLo(traceId), shards);
  }
}
