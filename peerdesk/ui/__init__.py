"""The PySide6 desktop front-end. It calls services only; it never runs SQL itself."""
