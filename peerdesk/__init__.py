"""PeerDesk: offline, encrypted peer support records for small clinics."""

import logging

__version__ = "0.1.0"

# The IT log (services/it_log.py) is attached by the entry points; until then its
# records go nowhere, never to stderr, so CLI errors stay one line.
logging.getLogger("peerdesk.it").addHandler(logging.NullHandler())
