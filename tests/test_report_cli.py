"""`peerdesk report`: PDF, CSV and JSON with the same numbers; audited; clear errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date

import pytest
from conftest import fast_kdf_env
from pypdf import PdfReader
from report_builders import PASSWORD, bulk_sessions, make_world
from sqlalchemy import select

from peerdesk import cli, cli_commands, cli_report
from peerdesk.models import AuditEvent
from peerdesk.services.spreadsheet import plain
from peerdesk.services.store import open_store

WIRED = cli_report.register in cli_commands.EXTRA_COMMANDS


@pytest.fixture
def data_dir(tmp_path):
    w = make_world(tmp_path)
    bulk_sessions(w.store, date(2026, 3, 1), 400)
    w.close()
    return w.data_dir


@pytest.fixture
def run(monkeypatch, capsys, data_dir):
    """The real CLI entry point, in process, with `report` registered."""
    if not WIRED:
        monkeypatch.setattr(
            cli_commands, "EXTRA_COMMANDS", [*cli_commands.EXTRA_COMMANDS, cli_report.register]
        )
    monkeypatch.setenv("PEERDESK_PASSWORD", PASSWORD)
    monkeypatch.delenv("PEERDESK_PDF_PASSWORD", raising=False)

    def go(*args: str, stdin: str = ""):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(["--data-dir", str(data_dir), *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return go


def audit_events(data_dir) -> list[AuditEvent]:
    store, _ = open_store(data_dir, "admin", PASSWORD)
    try:
        with store.session() as s:
            return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "report.create")))
    finally:
        store.close()


def test_report_writes_pdf_csv_and_json_with_the_same_numbers(run, data_dir, tmp_path):
    pdf, table = tmp_path / "out" / "march.pdf", tmp_path / "out" / "march.csv"
    code, out, err = run(
        "report",
        "--month",
        "2026-03",
        "--out",
        str(pdf),
        "--csv",
        str(table),
        "--json",
        "--user",
        "coord",
    )
    assert code == 0, err
    doc = json.loads(out)
    head = {r["key"]: r["values"] for r in doc["headline"]["rows"]}
    assert head["contacts"]["current"] == 400
    assert doc["suppression"]["applied"] is True
    assert table.read_bytes().startswith(b"\xef\xbb\xbf")
    text = table.read_text(encoding="utf-8-sig")
    rows = [[plain(c) for c in row] for row in csv.reader(io.StringIO(text))]
    assert ["Headline figures", "Contacts (support sessions)", "March 2026", "400"] in rows
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "400" in text and "March 2026" in text
    (event,) = audit_events(data_dir)
    detail = json.loads(event.detail)
    assert detail["outputs"] == ["csv", "json", "pdf"] and detail["suppression"] is True
    assert event.actor_name == "coord" and event.target_id == "2026-03"


def test_range_no_suppression_and_aes_password_from_stdin(run, tmp_path):
    pdf = tmp_path / "range.pdf"
    code, out, err = run(
        "report",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-15",
        "--out",
        str(pdf),
        "--no-suppression",
        "--pdf-password-stdin",
        "--user",
        "coord",
        stdin="pdf pass phrase\n",
    )
    assert code == 0, err
    assert "written" in out
    reader = PdfReader(pdf)
    assert reader.is_encrypted and reader.trailer["/Encrypt"]["/V"] == 5
    assert reader.decrypt("pdf pass phrase")
    assert "OFF" in reader.pages[0].extract_text()


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("--month", "2026-3x", "--json"), 2, "YYYY-MM"),
        (("--from", "2026-03-01", "--json"), 2, "--to"),
        (("--month", "2026-03"), 2, "say what to produce"),
        (("--month", "2026-03", "--out", "x.txt"), 2, ".pdf"),
    ],
)
def test_usage_errors_are_one_clear_line(run, args, code, words):
    got, _, err = run("report", *args, "--user", "coord")
    assert got == code
    assert len(err.strip().splitlines()) == 1 and words in err


def test_supporters_are_refused(run, tmp_path):
    code, _, err = run("report", "--month", "2026-03", "--json", "--user", "zoe")
    assert code == 7 and "may not run reports" in err


@pytest.mark.skipif(not WIRED, reason="report is not yet in cli_commands.EXTRA_COMMANDS")
def test_report_in_a_subprocess(data_dir, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    env = fast_kdf_env(env)
    env.update(PEERDESK_DATA_DIR=str(data_dir))
    out = tmp_path / "sub.pdf"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "peerdesk",
            "report",
            "--month",
            "2026-03",
            "--out",
            str(out),
            "--json",
            "--user",
            "coord",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["period"]["start"] == "2026-03-01"
    assert out.read_bytes().startswith(b"%PDF")
