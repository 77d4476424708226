#!/bin/sh
# /usr/bin/peerdesk, installed by the PeerDesk Debian package: runs the bundle in
# /opt/peerdesk with every argument passed through (GUI with none, the CLI otherwise).
#
# umask 007: what PeerDesk creates (the store, its -wal/-shm files, backups) is readable
# and writable by the owner and the group, and by nobody else. In the shared folder
# /var/lib/peerdesk (setgid, group peerdesk) that group is the clinic's staff, so any
# member's OS account can open the store another member created.
umask 007
exec /opt/peerdesk/peerdesk "$@"
