# Per-thread CPU and wake-ups between two snapshots of /proc/PID/task (bench/sidecar.sh THREADS=1).
# Input lines: "A|B tid name ticks voluntary nonvoluntary" (A = start, B = end of the interval);
# threads are grouped by name with a trailing number dropped (...-io-1 and ...-io-2 together).
# Vars: secs (length of the interval), hz (clock ticks per second). Output: table rows, unsorted.
{
  key = $3
  sub(/[0-9]+$/, "#", key)
  if ($1 == "A") { t0[$2] = $4; v0[$2] = $5; n0[$2] = $6; next }
  seen[key] = 1
  count[key]++
  cpu[key] += $4 - t0[$2]
  vol[key] += $5 - v0[$2]
  inv[key] += $6 - n0[$2]
}
END {
  for (k in seen) printf "| %s (%d) | %.2f | %.0f | %.0f |\n", k, count[k], cpu[k] * 100 / hz / secs, vol[k] / secs, inv[k] / secs
}
