"""Entry script for the PyInstaller bundle: the same `peerdesk` command pip installs."""

from peerdesk.cli import main

raise SystemExit(main())
