#!/usr/bin/env bash
# Training under slurm, like mmcls's tools/slurm_train.sh:
#   tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [tools/train.ts args]
# Env: GPUS (8, the number of tasks = ranks), GPUS_PER_NODE (8), CPUS_PER_TASK (5),
# SRUN_ARGS (extra srun flags), GRES (gpu:$GPUS_PER_NODE; empty for a CPU-only partition),
# MASTER_PORT (29500). Each task is one rank (--launcher slurm) on the Gloo engine; with several
# nodes every task listens on its node's first address (hostname -I) unless NODE_ADDR is set.
# SRUN_ARGS=--mpi=pmix starts the tasks through PMIx and they use the MPI engine instead.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 PARTITION JOB_NAME CONFIG WORK_DIR [train.ts args...]" >&2
  exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
GRES=${GRES-gpu:${GPUS_PER_NODE}}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TSX="$ROOT/node_modules/.bin/tsx"
if [ "$GPUS" -gt "$GPUS_PER_NODE" ]; then
  # several nodes: other nodes must reach this task's Gloo connections
  RUN=(bash -c 'export NODE_ADDR=${NODE_ADDR:-$(hostname -I | cut -d" " -f1)}; exec "$@"' rank)
else
  RUN=()
fi
# shellcheck disable=SC2086  # SRUN_ARGS is a list of flags
srun -p "$PARTITION" \
  --job-name="$JOB_NAME" \
  ${GRES:+--gres=$GRES} \
  --ntasks="$GPUS" \
  --ntasks-per-node="$GPUS_PER_NODE" \
  --cpus-per-task="$CPUS_PER_TASK" \
  --kill-on-bad-exit=1 \
  $SRUN_ARGS \
  "${RUN[@]}" "$TSX" "$ROOT/tools/train.ts" "$CONFIG" --work-dir="$WORK_DIR" --launcher slurm "${@:5}"
