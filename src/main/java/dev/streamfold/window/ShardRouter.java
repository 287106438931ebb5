package dev.streamfold.window;

import com.google.protobuf.ByteString;
import dev.streamfold.otlp.OtlpSignal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Routes before the hand-off (the Collector's groupbytrace picks its worker from the trace id
 * before queueing): one walk over a request finds each item's shard by trace id and counts every
 * shard's units. A request whose items all belong to one shard (always with one shard; the
 * common case of a sidecar, one trace per request) is handed on as it came; otherwise every shard
 * that owns an item gets a view of it: the same request plus, by position, the shard of each item
 * ({@link Part#owners}), and takes in only its own items. Nothing is copied or rebuilt here (a
 * shard regroups only what it passes through), so a shard only ever handles its own traces and
 * routing costs one walk whatever the shard count. A record without a trace id (a log outside any
 * span) goes to the shard of the all-zero id. Stateless; thread-safe.
 */
final class ShardRouter {
  private final int shards;

  /**
   * One shard's part of a request, with its units (spans / log records) and extra units (span
   * events).
   *
   * @param owners null when the whole request is this shard's, else the shard of every item of
   *     the request in walk order (resource, scope, item); shared by the request's parts, never
   *     written after routing
   */
  record Part<Req>(int shard, Req request, int[] owners, long units, long extraUnits) {}

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
    long[] units = new long[shards];
    long[] extra = new long[shards];
    int[] items = new int[shards];
    // the owners by position are written from the first item of a second shard on (before it,
    // every item belonged to the first one): a request of one shard allocates none
    int[] owners = null;
    int first = -1;
    int position = 0;
    for (int r = 0, nr = groups.size(); r < nr; r++) {
      List<S> scopes = sig.scopes(groups.get(r));
      for (int s = 0, ns = scopes.size(); s < ns; s++) {
        List<I> list = sig.items(scopes.get(s));
        for (int i = 0, n = list.size(); i < n; i++, position++) {
          I item = list.get(i);
          int k = shards == 1 ? 0 : shardOf(traceId.apply(item));
          if (first < 0) {
            first = k;
          } else if (owners != null) {
            owners[position] = k;
          } else if (k != first) {
            owners = new int[itemCount(sig, groups)];
            Arrays.fill(owners, 0, position, first);
            owners[position] = k;
          }
          units[k] += sig.units(item);
          extra[k] += sig.extraUnits(item);
          items[k]++;
        }
      }
    }
    if (first < 0) {
      return new Parts<>(List.of(), 0, 0);
    }
    if (owners == null) {
      return new Parts<>(List.of(new Part<>(first, request, null, units[first], extra[first])), units[first], extra[first]);
    }
    List<Part<Req>> parts = new ArrayList<>(Math.min(shards, 4));
    long totalUnits = 0;
    long totalExtra = 0;
    for (int k = 0; k < shards; k++) {
      if (items[k] > 0) {
        parts.add(new Part<>(k, request, owners, units[k], extra[k]));
        totalUnits += units[k];
        totalExtra += extra[k];
      }
    }
    return new Parts<>(parts, totalUnits, totalExtra);
  }

  private static <Req, R, S, I> int itemCount(OtlpSignal<Req, R, S, I, ?> sig, List<R> groups) {
    int n = 0;
    for (int r = 0, nr = groups.size(); r < nr; r++) {
      List<S> scopes = sig.scopes(groups.get(r));
      for (int s = 0, ns = scopes.size(); s < ns; s++) {
        n += sig.items(scopes.get(s)).size();
      }
    }
    return n;
  }

  int shardOf(ByteString traceId) {
    return Ids.shardOf(Ids.traceHi(traceId), Ids.traceLo(traceId), shards);
  }
}
