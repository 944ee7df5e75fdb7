#!/usr/bin/env bash
# Distributed training on one machine (or one node of several), like mmcls:
#   tools/dist_train.sh CONFIG GPUS [tools/train.ts args]
# Env: NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PORT (a free port on
# one machine, 29500 with several), NODE_ADDR (this node's address, several nodes).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 CONFIG GPUS [train.ts args...]" >&2
  exit 2
fi
CONFIG=$1
GPUS=$2
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export NNODES=${NNODES:-1}
export NODE_RANK=${NODE_RANK:-0}
export MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
if [ -n "${PORT:-}" ]; then export MASTER_PORT=$PORT; fi
exec "$ROOT/node_modules/.bin/tsx" "$ROOT/tools/train.ts" "$CONFIG" --launcher multi-gpu --gpus "$GPUS" "${@:3}"
