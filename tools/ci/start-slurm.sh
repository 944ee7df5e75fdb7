#!/usr/bin/env bash
# Starts a one-node slurm cluster on localhost (munge + slurmctld + slurmd) for the
# launcher tests and CI; needs root and Debian's slurm-wlm. Idempotent: returns at once
# when `sinfo` already shows the node idle. Prints why and exits non-zero on failure.
set -euo pipefail
CPUS=${SLURM_TEST_CPUS:-2}
idle() { sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix)'; }
if idle; then echo "slurm: already running"; exit 0; fi
for tool in munged slurmctld slurmd sinfo srun; do
  command -v "$tool" >/dev/null || { echo "slurm: $tool not found (apt-get install slurm-wlm)"; exit 1; }
done

# never overwrite a real cluster's configuration
if [ -f /etc/slurm/slurm.conf ] && ! grep -q '^ClusterName=fermm-test$' /etc/slurm/slurm.conf; then
  echo "slurm: /etc/slurm/slurm.conf exists and was not written by this script; not touching it"
  exit 1
fi

# munge: a key of our own if none exists, then the daemon
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key 2>/dev/null || true
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged --force 2>/dev/null || /usr/sbin/munged --force

# slurm.conf: one node named localhost, one partition, no accounting, no cgroups
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=fermm-test
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
NodeName=localhost CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF

pgrep -x slurmctld >/dev/null || slurmctld || { echo "slurm: slurmctld did not start"; tail -n 5 /var/log/slurm/slurmctld.log; exit 1; }
pgrep -x slurmd >/dev/null || slurmd || { echo "slurm: slurmd did not start"; tail -n 5 /var/log/slurm/slurmd.log; exit 1; }
for _ in $(seq 1 30); do
  if idle; then echo "slurm: localhost idle"; exit 0; fi
  scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true
  sleep 1
done
echo "slurm: node did not become idle in 30 s; sinfo says: $(sinfo -h 2>&1 | head -n 3)"
tail -n 5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log 2>/dev/null || true
exit 1
