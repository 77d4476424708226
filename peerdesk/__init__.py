"""PeerDesk: offline, encrypted peer support records for small clinics."""

__version__ = "0.1.0"
