package dev.streamfold.otlp;

import java.util.ArrayList;
import java.util.List;

/**
 * The one routine that rebuilds an OTLP tree (resource groups, scope groups, items) for any
 * signal: each item is routed to one of {@code n} outputs (or removed) and may be replaced; every
 * output keeps the input's resource and scope grouping and order. A group whose items all go,
 * unchanged, to one output is reused as is (no copy), so the common cases allocate nothing:
 * nothing removed, or a whole request for one shard. Stateless; thread-safe.
 */
public final class Regroup {
  private Regroup() {}

  /** Which output an item goes to: {@code 0..n-1}, or -1 to remove it. */
  @FunctionalInterface
  public interface Router<I> {
    int output(I item);
  }

  /** The item to place (the same instance when unchanged, a replacement), or null to remove it. */
  @FunctionalInterface
  public interface Mapper<R, S, I> {
    I apply(R resource, S scope, I item);
  }

  /**
   * What came out: per output its resource groups (empty when nothing went there), the units
   * placed ({@link OtlpSignal#units}) and the extra units ({@link OtlpSignal#extraUnits}).
   */
  public record Result<R>(List<List<R>> groups, long[] units, long[] extraUnits) {
    public List<R> groups(int output) {
      return groups.get(output);
    }

    public long units(int output) {
      return units[output];
    }

    public long extraUnits(int output) {
      return extraUnits[output];
    }
  }

  private static final Router<Object> ALL_TO_ZERO = item -> 0;

  /** Keeps, replaces or removes items, one output. */
  @SuppressWarnings("unchecked")
  public static <R, S, I> Result<R> map(OtlpSignal<?, R, S, I, ?> sig, List<R> in, Mapper<R, S, I> mapper) {
    return regroup(sig, in, 1, (Router<I>) ALL_TO_ZERO, mapper);
  }

  /** Splits items over {@code n} outputs, unchanged. */
  public static <R, S, I> Result<R> split(OtlpSignal<?, R, S, I, ?> sig, List<R> in, int n, Router<I> router) {
    return regroup(sig, in, n, router, null);
  }

  /**
   * Routes and maps every item of {@code in}.
   *
   * @param mapper null = items unchanged
   */
  public static <R, S, I> Result<R> regroup(
      OtlpSignal<?, R, S, I, ?> sig, List<R> in, int n, Router<I> router, Mapper<R, S, I> mapper) {
    List<List<R>> out = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      out.add(new ArrayList<>(n == 1 ? in.size() : 2));
    }
    long[] units = new long[n];
    long[] extra = new long[n];
    List<S>[] scopesOut = newLists(n);
    List<I>[] itemsOut = newLists(n);
    for (R rg : in) {
      List<S> scopes = sig.scopes(rg);
      // all scopes so far went intact to this output (-2: none yet, -1: no single output)
      int rgSingle = -2;
      for (int si = 0; si < scopes.size(); si++) {
        S sg = scopes.get(si);
        int single = place(sig, rg, sg, n, router, mapper, itemsOut, units, extra);
        if (single >= 0 && (rgSingle == -2 || rgSingle == single)) {
          rgSingle = single;
          continue;
        }
        if (rgSingle != -1) {
          // first divergence: the scopes so far went intact to one output
          if (rgSingle >= 0) {
            scopesOut[rgSingle] = new ArrayList<>(scopes.subList(0, si));
          }
          rgSingle = -1;
        }
        if (single >= 0) {
          add(scopesOut, single, sg);
        } else {
          for (int k = 0; k < n; k++) {
            if (itemsOut[k] != null) {
              add(scopesOut, k, sig.withItems(sg, itemsOut[k]));
              itemsOut[k] = null;
            }
          }
        }
      }
      if (rgSingle >= 0) {
        out.get(rgSingle).add(rg);
      } else if (rgSingle == -1) {
        for (int k = 0; k < n; k++) {
          if (scopesOut[k] != null) {
            out.get(k).add(sig.withScopes(rg, scopesOut[k]));
            scopesOut[k] = null;
          }
        }
      }
    }
    return new Result<>(out, units, extra);
  }

  /**
   * Places the items of one scope group. Returns the output that got all of them unchanged, or
   * -1 with the placed items left in {@code itemsOut} (null entries for outputs that got none).
   * An empty scope group goes nowhere (-1, nothing placed).
   */
  private static <R, S, I> int place(
      OtlpSignal<?, R, S, I, ?> sig, R rg, S sg, int n, Router<I> router, Mapper<R, S, I> mapper,
      List<I>[] itemsOut, long[] units, long[] extra) {
    List<I> items = sig.items(sg);
    int single = -2;
    for (int i = 0, size = items.size(); i < size; i++) {
      I item = items.get(i);
      int k = router.output(item);
      I placed = k < 0 ? null : mapper == null ? item : mapper.apply(rg, sg, item);
      if (placed != null) {
        units[k] += sig.units(placed);
        extra[k] += sig.extraUnits(placed);
      }
      if (single != -1) {
        if (placed == item && (single == -2 || single == k)) {
          single = k;
          continue;
        }
        if (single >= 0) {
          itemsOut[single] = new ArrayList<>(items.subList(0, i));
        }
        single = -1;
      }
      if (placed != null) {
        add(itemsOut, k, placed);
      }
    }
    return single == -2 ? -1 : single;
  }

  private static <T> void add(List<T>[] lists, int k, T value) {
    List<T> l = lists[k];
    if (l == null) {
      l = new ArrayList<>();
      lists[k] = l;
    }
    l.add(value);
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T>[] newLists(int n) {
    return (List<T>[]) new List<?>[n];
  }
}
