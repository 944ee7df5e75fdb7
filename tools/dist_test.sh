#!/usr/bin/env bash
# Distributed testing, like mmcls:
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [tools/test.ts args]
# Env: NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PORT, NODE_ADDR.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 CONFIG CHECKPOINT GPUS [test.ts args...]" >&2
  exit 2
fi
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export NNODES=${NNODES:-1}
export NODE_RANK=${NODE_RANK:-0}
export MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
if [ -n "${PORT:-}" ]; then export MASTER_PORT=$PORT; fi
exec "$ROOT/node_modules/.bin/tsx" "$ROOT/tools/test.ts" "$CONFIG" "$CHECKPOINT" --launcher multi-gpu --gpus "$GPUS" "${@:4}"
