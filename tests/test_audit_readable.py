"""Every kind of audit event the code writes has a plain-language describer."""

from __future__ import annotations

import re
from pathlib import Path

from peerdesk.services.audit_text import KINDS, Names, describe, local_time, record

SOURCE = Path(__file__).resolve().parents[1] / "peerdesk"
# store.audit(session, actor, "action", ...): the first string literal in the call,
# and every dotted one (an action chosen by a condition).
CALL = re.compile(r"(?:\.audit|audit\.append)\(")
ACTION = re.compile(r"\"([a-z_]+(?:\.[a-z_]+)?)\"")


def _call_text(text: str, start: int) -> str:
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start : i + 1]
    return text[start:]


def written_actions() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in CALL.finditer(text):
            call = _call_text(text, m.end() - 1)
            literals = ACTION.findall(call)
            # The action is the first literal; a conditional action names both.
            found.update(literals[:1] + [a for a in literals if "." in a])
    return found


def test_every_written_action_has_a_describer():
    actions = written_actions()
    assert len(actions) >= 45  # the scan itself works (it found the known ones)
    assert {"login", "login.failed", "account.lock_out", "audit.export"} <= actions
    missing = sorted(a for a in actions if a not in KINDS)
    assert not missing, f"add a describer in services/audit_text.py for: {missing}"


def test_descriptions_are_sentences_not_json():
    names = Names(users={"u1": "Zoë Martin (zoe)"}, supporters={"s1": "Ben Supporter"})
    assert describe("episode.assign", {"supporter_id": "s1"}, names) == "Assigned to Ben Supporter"
    text = describe(
        "login.failed",
        {"count": 2, "first": 1_700_000_000, "last": 1_700_000_060, "reasons": {}},
        names,
    )
    assert text.startswith("2 failed attempts between ") and local_time(1_700_000_000) in text
    assert "{" not in text and "1700000000" not in text
    assert describe("session.update", {"fields": ["minutes", "mode"]}, names) == (
        "Changed: minutes, mode"
    )
    assert describe("login", {"emergency_access": True}, names) == "Done under emergency access"
    # A damaged detail still reads as words, and an unknown action is not dropped.
    assert describe("store.verify", {"problems": "x"}, names) == "Problems: x"
    assert describe("future.thing", {"a_b": 1}, names) == "A b: 1"
    assert record("user", "u1", names) == "account Zoë Martin (zoe)"
    assert record("user", "gone", names) == "account an account no longer in the store"


def test_a_referral_question_put_off_reads_as_open_not_answered():
    from peerdesk.services.audit_text import describe

    assert describe("session.referral_decision", {"decision": "later"}, {}) == (
        "Left open for later"
    )
    assert "Answered" in describe("session.referral_decision", {"decision": "declined"}, {})
