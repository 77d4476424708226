"""The recovery key sheet: a one-page PDF the manager prints and locks away."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from peerdesk.services.files import atomic_write_bytes
from peerdesk.services.output_paths import check_output_path

EXPLANATION = (
    "This recovery key opens the PeerDesk store if every administrator password is "
    "forgotten, or when a backup must be restored on a new computer. Whoever holds it "
    "can read everything in the store, so keep it locked away like a master key, away "
    "from the computer. Using it is recorded in the audit log."
)


def sheet_text(recovery_key: str, site_name: str, data_dir: Path) -> str:
    return (
        f"PeerDesk recovery key\n\nSite: {site_name}\nData folder: {data_dir}\n"
        f"Created: {date.today().isoformat()}\n\n{recovery_key}\n\n{EXPLANATION}\n"
    )


def render_pdf(recovery_key: str, site_name: str, data_dir: Path) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle("PeerDesk recovery key")
    width, height = A4
    y = height - 30 * mm
    c.setFont("Helvetica-Bold", 18)
    c.drawString(25 * mm, y, "PeerDesk recovery key")
    c.setFont("Helvetica", 11)
    for line in (
        f"Site: {site_name}",
        f"Data folder: {data_dir}",
        f"Created: {date.today().isoformat()}",
    ):
        y -= 8 * mm
        c.drawString(25 * mm, y, line)
    y -= 20 * mm
    c.setFont("Courier-Bold", 20)
    c.drawString(25 * mm, y, recovery_key)
    style = getSampleStyleSheet()["BodyText"]
    para = Paragraph(EXPLANATION, style)
    _, h = para.wrap(width - 50 * mm, 60 * mm)
    y -= 15 * mm + h
    para.drawOn(c, 25 * mm, y)
    y -= 20 * mm
    c.setFont("Helvetica", 10)
    c.drawString(25 * mm, y, "Stored by: ______________________   Where: ______________________")
    c.showPage()
    c.save()
    return buf.getvalue()


def save_pdf(target: Path, recovery_key: str, site_name: str, data_dir: Path) -> None:
    """Written atomically to where the person chose."""
    target = check_output_path(Path(target), data_dir)
    atomic_write_bytes(target, render_pdf(recovery_key, site_name, data_dir))
