#!/bin/sh
# Run by `unshare --mount [--uts]` for the lab's libvirtd and virtlogd (lab/libvirt.py):
#   libvirt_namespace.sh HOSTNAME|- SOURCE:TARGET... -- PROGRAM ARGS...
# Bind-mounts the lab's folders over libvirt's system paths (visible to this process only),
# sets the host name when asked, then becomes PROGRAM (exec: the pid the lab recorded stays).
set -eu
name=$1
shift
while [ "$1" != "--" ]; do
    source=${1%%:*}
    target=${1#*:}
    [ -e "$target" ] || mkdir -p "$target"
    mount --bind "$source" "$target"
    shift
done
shift
if [ "$name" != "-" ]; then
    # only ever in a UTS namespace of our own: never rename the machine itself
    if [ "$(readlink /proc/self/ns/uts)" = "$(readlink "/proc/$PPID/ns/uts")" ]; then
        echo "libvirt_namespace.sh: not in a private UTS namespace; refusing to set the host name" >&2
        exit 1
    fi
    hostname "$name"
fi
exec "$@"
