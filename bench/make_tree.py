#!/usr/bin/env python3
"""bench/make_tree.py ROOT VERSION FILES DIRS UID: lay a LeoFS VERSION
install inside ROOT (four node dirs with their config and environment
files, passwd and group with leofs as 990) and spread FILES empty files
over DIRS directories in the nodes' log and work trees, all owned by UID,
as a pre-1.3.3 install run by another user leaves them. For the
ownership and post-phase benchmarks."""
import os
import sys

root, version, files, dirs, uid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
nodes = [("leo_manager_0", "manager"), ("leo_manager_1", "manager"),
         ("leo_storage", "storage"), ("leo_gateway", "gateway")]
os.makedirs(f"{root}/etc", exist_ok=True)
with open(f"{root}/etc/passwd", "w") as f:
    f.write("root:x:0:0:root:/root:/bin/sh\nleofs:x:990:990:LeoFS:/usr/local/leofs:/usr/sbin/nologin\n")
with open(f"{root}/etc/group", "w") as f:
    f.write("root:x:0:\nleofs:x:990:\n")
top = f"{root}/usr/local/leofs/{version}"
subtrees = []
for node, kind in nodes:
    base = f"{top}/{node}"
    for part in ("etc", "bin", "log", "work", f"snmp/snmpa_{kind}/db"):
        os.makedirs(f"{base}/{part}", exist_ok=True)
    with open(f"{base}/etc/leo_{kind}.conf", "w") as f:
        f.write(f"nodename = {node[4:]}@127.0.0.1\nqueue_dir = ./work/queue\nlog.app = ./log/app\n")
        if kind == "storage":
            f.write("obj_containers.path = [./avs]\n")
    with open(f"{base}/etc/leo_{kind}.environment", "w") as f:
        f.write("RUNNER_USER=\n")
    subtrees += [f"{base}/log/app", f"{base}/work/queue"]
os.makedirs(f"{top}/leo_storage/avs", exist_ok=True)
os.makedirs(f"{top}/leo_gateway/cache", exist_ok=True)

# DIRS dirs, two levels deep under the subtrees, FILES files among them.
per_subtree = dirs // len(subtrees)
made_files = 0
for s, subtree in enumerate(subtrees):
    for d in range(per_subtree):
        path = f"{subtree}/{d // 100:03d}/{d % 100:03d}"
        os.makedirs(path, exist_ok=True)
        count = files // dirs + (1 if (s * per_subtree + d) < files % dirs else 0)
        for i in range(count):
            fd = os.open(f"{path}/segment.{i}", os.O_CREAT | os.O_WRONLY, 0o644)
            os.close(fd)
        made_files += count
for dirpath, dirnames, filenames in os.walk(f"{root}/usr/local/leofs"):
    os.lchown(dirpath, uid, uid)
    for name in filenames:
        os.lchown(os.path.join(dirpath, name), uid, uid)
print(f"{made_files} files in {per_subtree * len(subtrees)} dirs under {top}")
