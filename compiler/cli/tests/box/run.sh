#!/bin/bash
# One instance in a box. Run as root as
#   unshare -m -n --propagation private bash run.sh CASE_DIR
# (a mount and a network namespace of its own: only loopback, and
# 169.254.169.254 on it). CASE_DIR holds case.json, part-001 (the user
# data) and ssm-1.sh, ssm-2.sh, ... (Run Command scripts, parameters
# already substituted); everything the box produces goes to CASE_DIR/state
# and the instance's writes to CASE_DIR/upper (an overlay over /, so the
# host's files are never touched).
#
# Inside: moto on 127.0.0.1:5000 behind the logging proxy aws_proxy.py on
# 127.0.0.1:4566, the IMDSv2 double imds.py on 169.254.169.254:80; the
# instance's scripts run chrooted in the overlay with AWS_ENDPOINT_URL
# pointing the real AWS CLI at the proxy, as cloud-init and the SSM agent
# run them.
set -euo pipefail

case_dir=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
state=$case_dir/state
root=$case_dir/merged
mkdir -p "$state" "$case_dir/upper" "$case_dir/work" "$root"
conf() { jq -r "$1" "$case_dir/case.json"; }

ip link set lo up
ip addr add 169.254.169.254/32 dev lo

# The instance's file system: the host's, read-only below, writes above.
mount -t overlay overlay \
  -o "lowerdir=/,upperdir=$case_dir/upper,workdir=$case_dir/work" "$root"
mount --bind /proc "$root/proc"
# /tmp and /run are empty at every boot.
fresh_tmp_and_run() {
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  mount -t tmpfs -o mode=0755 tmpfs "$root/run"
}
fresh_tmp_and_run
# The host's downloaded packages are not the instance's.
mount -t tmpfs tmpfs "$root/var/cache/apt/archives"
mkdir -p "$root/var/cache/apt/archives/partial"
# A /dev of its own: the usual character devices, plus the volumes.
mount -t tmpfs -o mode=0755 tmpfs "$root/dev"
mknod -m 666 "$root/dev/null" c 1 3
mknod -m 666 "$root/dev/zero" c 1 5
mknod -m 666 "$root/dev/full" c 1 7
mknod -m 666 "$root/dev/random" c 1 8
mknod -m 666 "$root/dev/urandom" c 1 9
mknod -m 666 "$root/dev/tty" c 5 0
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mkdir "$root/dev/shm" "$root/dev/pts"

# The AWS CLI and the Python tools come from the tests' virtual environment.
aws=$(command -v aws)
venv=$(dirname "$(dirname "$aws")")
python=$(dirname "$(command -v moto_server)")/python3
if [ ! -e "$root$venv/bin/aws" ]; then
  mkdir -p "$root$venv"
  mount --bind "$venv" "$root$venv"
fi
ln -sfn "$aws" "$root/usr/local/bin/aws"
# An image with Cinc (the Amazon Linux boxes): the recording cinc-solo is
# there before boot and the bootstrap skips the install. Ubuntu boxes have
# none: the bootstrap installs the cinc .deb the test put in the bucket.
if [ "$(conf .cinc_preinstalled)" = true ]; then
  install -m 0755 "$here/cinc-solo" "$root/usr/bin/cinc-solo"
fi
mkdir -p "$root/etc/box-cinc"
conf '.fail_recipe // ""' > "$root/etc/box-cinc/fail-recipe"
# Amazon Linux's sh is bash; Ubuntu's (and this host's) is dash.
if [ "$(conf .os_family)" = amazon ]; then ln -sfn bash "$root/usr/bin/sh"; fi
for tool in $(conf '.hide_tools[]'); do
  rm -f "$root/usr/bin/$tool" "$root/usr/local/bin/$tool"
done

loops=()
majmins=()
for dev in $(conf '.volumes[]'); do
  truncate -s 320M "$state/$dev.img"
  loop=$(losetup -f --show "$state/$dev.img")
  loops+=("$loop")
  numbers=$(stat -c '%t %T' "$loop")
  major=$((0x${numbers% *}))
  minor=$((0x${numbers#* }))
  # The device under the name the launch template gives it, and under its
  # loop name so that `mount UUID=...` finds it by scanning.
  mknod "$root/dev/$dev" b "$major" "$minor"
  mknod "$root$loop" b "$major" "$minor"
  majmins+=("$major:$minor")
done

if [ "$(conf .mirror_unreachable)" = true ]; then
  # The package mirrors resolve, but nothing answers: packets to them are
  # looped back to an address that is not this host's and dropped, as from
  # a subnet with no route out. Other names do not resolve.
  ip route add default dev lo
  hosts=$(cat "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/* 2>/dev/null |
    grep -oE 'https?://[^/ "]+' | sed -E 's#https?://##' | sort -u || true)
  if [ -z "$hosts" ]; then
    echo "box: no package mirror found in /etc/apt to make unreachable" >&2
    exit 1
  fi
  for h in $hosts; do echo "192.0.2.80 $h" >> "$root/etc/hosts"; done
  echo "nameserver 127.0.0.1" > "$root/etc/resolv.conf.box"
  rm -f "$root/etc/resolv.conf"
  mv "$root/etc/resolv.conf.box" "$root/etc/resolv.conf"
fi

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  umount -R "$root" 2>/dev/null || umount -R -l "$root" 2>/dev/null || true
  for loop in "${loops[@]}"; do losetup -d "$loop" 2>/dev/null || true; done
}
trap cleanup EXIT

: > "$state/aws-calls.jsonl"
: > "$state/imds.jsonl"
echo '{}' > "$state/proxy.json"
echo '{}' > "$state/imds.json"
moto_server -H 127.0.0.1 -p 5000 > "$state/moto.log" 2>&1 &
pids+=($!)
"$python" "$here/aws_proxy.py" 4566 5000 "$state/proxy.json" "$state/aws-calls.jsonl" \
  > "$state/proxy.log" 2>&1 &
pids+=($!)
"$python" "$here/imds.py" "$state/imds.json" "$state/imds.jsonl" > "$state/imds.log" 2>&1 &
pids+=($!)
ready=""
for _ in $(seq 1 200); do
  if curl -sf -o /dev/null http://127.0.0.1:5000/moto-api/ &&
    curl -s -o /dev/null -X PUT http://169.254.169.254/latest/api/token &&
    curl -s -o /dev/null http://127.0.0.1:4566/; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "box: the doubles did not start; see $state/*.log" >&2
  exit 1
fi
: > "$state/aws-calls.jsonl"
: > "$state/imds.jsonl"
"$python" "$here/seed.py" seed "$case_dir/case.json" "$state" http://127.0.0.1:5000

# cloud-init runs the user data as root with its own environment.
env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
  AWS_ENDPOINT_URL=http://127.0.0.1:4566)
scripts=$root/var/lib/cloud/instance/scripts
mkdir -p "$scripts"
install -m 0700 "$case_dir/part-001" "$scripts/part-001"
limit=$(conf .limit_seconds)
start=$(date +%s.%N)
rc=0
timeout -k 5 "$limit" chroot "$root" "${env[@]}" bash /var/lib/cloud/instance/scripts/part-001 \
  > "$state/user-data.out" 2>&1 < /dev/null || rc=$?
echo "$rc" > "$state/user-data.rc"
echo "$start" > "$state/user-data.start"
date +%s.%N > "$state/user-data.end"

# A warm pool's instance (case.restart): the user data ran on its way to
# the pool; Auto Scaling stops it and, at a scale-out, starts it again.
# Played as a stop and a start do it: a mark on each volume, the volumes
# unmounted and /run and /tmp emptied, IMDS telling the target InService,
# then what systemd runs at boot: the /etc/fstab mounts of the volumes and
# the units multi-user.target wants (stackc-boot's ExecStart).
if [ "$(conf '.restart // false')" = true ]; then
  : > "$state/restart-marks"
  for majmin in "${majmins[@]}"; do
    target=$(findmnt -rn -o MAJ:MIN,TARGET | awk -v d="$majmin" -v r="$root/" \
      '$1 == d && index($2, r) == 1 { print $2; exit }')
    if [ -n "$target" ]; then
      echo "${target#"$root"}" >> "$state/restart-marks"
      echo "written before the stop" > "$target/.box-restart-mark"
      umount "$target"
    fi
  done
  umount "$root/tmp" "$root/run"
  fresh_tmp_and_run
  wc -l < "$state/aws-calls.jsonl" > "$state/restart-at-call"
  jq '.target_lifecycle_state = "InService"' "$state/imds.json" > "$state/imds.json.new"
  mv "$state/imds.json.new" "$state/imds.json"
  grep -E '^UUID=' "$root/etc/fstab" | while read -r _ target _; do
    chroot "$root" mount "$target"
  done
  # The link is absolute, as systemctl enable makes it: read it in the box.
  link=$root/etc/systemd/system/multi-user.target.wants/stackc-boot.service
  rc=0
  if [ -L "$link" ] && [ -f "$root$(readlink "$link")" ]; then
    exec_start=$(sed -n 's/^ExecStart=//p' "$root$(readlink "$link")")
    # shellcheck disable=SC2086 # the unit's command line, split as systemd splits it
    timeout -k 5 "$limit" chroot "$root" "${env[@]}" $exec_start \
      > "$state/restart.out" 2>&1 < /dev/null || rc=$?
  else
    echo "box: no stackc-boot.service in multi-user.target.wants" > "$state/restart.out"
    rc=127
  fi
  echo "$rc" > "$state/restart.rc"
  : > "$state/restart-marks-kept"
  while read -r mount; do
    if [ -f "$root$mount/.box-restart-mark" ]; then echo "$mount" >> "$state/restart-marks-kept"; fi
  done < "$state/restart-marks"
fi

# The SSM agent writes a Run Command's lines to _script.sh and runs
# `sh -c _script.sh` as root: no shebang, so sh (dash or bash) runs it.
instance_id=$(jq -r .instance_id "$state/imds.json")
n=1
while [ -f "$case_dir/ssm-$n.sh" ]; do
  # A command id as SSM makes them.
  command_id=$(printf 'b0c5e000-0000-4000-8000-%012d' "$n")
  dir=/var/lib/amazon/ssm/$instance_id/document/orchestration/$command_id/stackcRun
  mkdir -p "$root$dir"
  install -m 0755 "$case_dir/ssm-$n.sh" "$root$dir/_script.sh"
  rc=0
  timeout -k 5 "$limit" chroot "$root" "${env[@]}" AWS_SSM_INSTANCE_ID="$instance_id" \
    AWS_SSM_REGION_NAME="$(conf .region)" sh -c "$dir/_script.sh" \
    > "$state/ssm-$n.out" 2>&1 < /dev/null || rc=$?
  echo "$rc" > "$state/ssm-$n.rc"
  n=$((n + 1))
done

findmnt -rn -o TARGET,FSTYPE | { grep "^$root/" || true; } | sed "s#^$root##" > "$state/mounts"
"$python" "$here/seed.py" inspect "$case_dir/case.json" "$state" http://127.0.0.1:5000
