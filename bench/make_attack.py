#!/usr/bin/env python3
"""bench/make_attack.py ROOT SHAPE N: in the LeoFS 1.3.8 install that
bench/make_tree.py laid in ROOT, what a runner user (leofs, 990) or an
old root-run node can leave in a node's log dir (owned by leofs), N of a
kind, for bench/walk_scale's figures of cost against attacker-controlled
input:
  deep      a chain of N nested dirs (owned by leofs)
  wide      N files owned by root in one leofs-owned dir (each changed the
            careful way: pinned by an O_PATH fd first)
  names     N files with 255-byte names (owned by leofs)
  links     N hard links to one root-owned file (each left alone)
  symlinks  N root-owned symlinks to /etc/shadow (each changed, never followed)
  targets   N data dirs (/srv/leofs/tI) named in leo_storage.conf's
            obj_containers.path (root's file: each is walked)
Prints the number of entries made."""
import os
import sys

root, shape, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
node = f"{root}/usr/local/leofs/1.3.8/leo_storage"
top = f"{node}/log/attack"
os.makedirs(top)
os.chown(f"{node}/log", 990, 990)
os.chown(top, 990, 990)
made = 0
if shape == "deep":
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for i in range(n):  # by fd: the path outgrows PATH_MAX
        os.mkdir("d", 0o755, dir_fd=fd)
        os.chown("d", 990, 990, dir_fd=fd, follow_symlinks=False)
        child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
    os.close(fd)
    made = n
elif shape in ("wide", "names", "links", "symlinks"):
    if shape == "links":
        target = f"{node}/log/linked"
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    for i in range(n):
        if shape == "names":
            name = f"{top}/{i:08d}" + "x" * 247
        else:
            name = f"{top}/f{i}"
        if shape == "links":
            os.link(target, name)
        elif shape == "symlinks":
            os.symlink("/etc/shadow", name)
        else:
            os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o644))
            if shape == "names":
                os.chown(name, 990, 990)
    made = n
elif shape == "targets":
    dirs = [f"/srv/leofs/t{i}" for i in range(n)]  # none inside another
    for d in dirs:
        os.makedirs(f"{root}{d}")
    conf = f"{node}/etc/leo_storage.conf"
    with open(conf) as f:
        text = f.read().replace("obj_containers.path = [./avs]",
                                "obj_containers.path = [" + ", ".join(dirs) + "]")
    with open(conf, "w") as f:
        f.write(text)
    made = n
else:
    sys.exit(f"unknown shape {shape}")
print(made)
