#!/bin/bash
# Container health check without curl or wget (neither is in the JRE base images): an HTTP/1.0
# GET over bash's /dev/tcp. Exits 0 when the endpoint answers 200.
#
#   healthcheck.sh [path]   default path /health/ready
#
# The port follows STREAMFOLD_HEALTH_ENDPOINT (as the image's config does); a wildcard bind
# address is checked on 127.0.0.1.
set -u
path="${1:-/health/ready}"
endpoint="${STREAMFOLD_HEALTH_ENDPOINT:-0.0.0.0:13133}"
port="${endpoint##*:}"
host="${endpoint%:*}"
case "$host" in
  "" | 0.0.0.0 | "[::]" | "::" | "*") host=127.0.0.1 ;;
esac
host="${host#[}"
host="${host%]}"

exec 3<>"/dev/tcp/${host}/${port}" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$host" >&3
# a 2 s read budget: a wedged server must fail the check, not hang it
IFS=' ' read -r -t 2 _ status _ <&3 || exit 1
exec 3>&-
[ "$status" = 200 ]
