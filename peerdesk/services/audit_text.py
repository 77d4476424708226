"""The audit log in plain words: one describer per kind of event the code writes.

The stored rows keep their machine form (action code, record id, JSON detail), which the
HMAC chain covers; this module only reads them. Each describer turns one event's detail
into a short sentence a clinic manager can read, with names instead of ids and local
times instead of epoch seconds. tests/test_audit_readable.py checks that every action
written anywhere in peerdesk/ has a describer here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Detail = Mapping[str, Any]


@dataclass
class Names:
    """Display names for the ids met on one page of events (filled by audit_log)."""

    users: dict[str, str] = field(default_factory=dict)  # user id -> "Name (username)"
    supporters: dict[str, str] = field(default_factory=dict)
    participants: dict[str, str] = field(default_factory=dict)  # id -> pseudonymous code
    resources: dict[str, str] = field(default_factory=dict)
    courses: dict[str, str] = field(default_factory=dict)
    sites: dict[str, str] = field(default_factory=dict)

    def user(self, user_id: str) -> str:
        return self.users.get(user_id, "an account no longer in the store")

    def supporter(self, supporter_id: str) -> str:
        return self.supporters.get(supporter_id, "a supporter")


def local_time(epoch: object) -> str:
    """Epoch seconds from a queued event, as the computer's local time."""
    try:
        return datetime.fromtimestamp(int(epoch)).strftime("%Y-%m-%d %H:%M")  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError, OSError):
        return "an unknown time"


def _plural(n: object, word: str) -> str:
    try:
        count = int(n)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return f"? {word}s"
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _words(code: object) -> str:
    return str(code or "").replace("_", " ")


def _fields(d: Detail) -> str:
    names = d.get("fields") or []
    if not isinstance(names, list) or not names:
        return "nothing changed"
    return "changed: " + ", ".join(_words(n) for n in names)


def _nothing(_d: Detail, _n: Names) -> str:
    return ""


REASONS = {
    "AuthenticationError": "wrong password",
    "ThrottledError": "tried again too soon",
    "AccountLockedError": "account locked",
}


def _login_failed(d: Detail, _n: Names) -> str:
    count = d.get("count", "?")
    first, last = local_time(d.get("first")), local_time(d.get("last"))
    when = f"at {first}" if first == last else f"between {first} and {last}"
    reasons = d.get("reasons") or {}
    why = ""
    if isinstance(reasons, dict) and reasons:
        why = (
            " (" + ", ".join(f"{REASONS.get(r, _words(r))}: {n}" for r, n in reasons.items()) + ")"
        )
    who = " for an account name that does not exist" if d.get("unknown_username") else ""
    return (
        f"{_plural(count, 'failed attempt')}{who} {when}{why}; "
        "counted before sign-in, so not verified"
    )


def _lock_out(d: Detail, _n: Names) -> str:
    who = "an account name that does not exist" if d.get("unknown_username") else "the account"
    return (
        f"too many failed sign-ins locked {who} at {local_time(d.get('at'))}; "
        "an administrator can unlock it"
    )


def _unlock(d: Detail, _n: Names) -> str:
    return f"lock-out lifted after {_plural(d.get('failed_attempts', 0), 'failed attempt')}"


def _notes_kept(d: Detail, _n: Names) -> str:
    if d.get("notes_keys_kept"):
        return "new password set; their earlier private notes stay readable to them"
    return (
        "new password set; their earlier private notes open only with the recovery key "
        "until a reset made under emergency access"
    )


def _enable(d: Detail, n: Names) -> str:
    return "account enabled again; " + _notes_kept(d, n)


def _change_password(d: Detail, _n: Names) -> str:
    return f"changed by its owner at {local_time(d.get('at'))}"


def _role(d: Detail, _n: Names) -> str:
    return f"role: {_words(d.get('role'))}"


def _site_change(d: Detail, _n: Names) -> str:
    return f"moved from {d.get('was') or 'no site'} to {d.get('site', '?')}"


def _site_create(d: Detail, _n: Names) -> str:
    return f"site: {d.get('name', '?')}"


def _store_create(d: Detail, _n: Names) -> str:
    return "a demo store with made-up data" if d.get("demo") else "an empty store"


def _demo(d: Detail, _n: Names) -> str:
    counts = ", ".join(
        f"{_words(k)}: {v:,}" if isinstance(v, int) else f"{_words(k)}: {v}"
        for k, v in d.items()
        if k not in ("seed", "emergency_access")
    )
    return f"made-up data (seed {d.get('seed', '?')}); {counts}"


def _verify(d: Detail, _n: Names) -> str:
    problems = int(d.get("problems", 0) or 0)
    return "no problems found" if not problems else f"{_plural(problems, 'problem')} found"


def _rollback(d: Detail, _n: Names) -> str:
    return (
        f"event #{d.get('expected_seq', '?')}, seen when the store was last closed, is "
        "missing: an older copy of the store may have been put back"
    )


def _integrity_create(d: Detail, _n: Names) -> str:
    escrow = " and sealed for the recovery key" if d.get("escrowed") else ""
    return (
        f"the administrators' integrity key was made{escrow}; "
        f"{_plural(d.get('accounts', 0), 'account')} signed as they were"
    )


def _integrity_restored(d: Detail, _n: Names) -> str:
    return (
        f"{_plural(d.get('accounts', 0), 'account')} edited outside PeerDesk put back as last "
        f"signed ({d.get('not_signed', 0)} not on the signed list, now disabled)"
    )


def _integrity_mismatch(d: Detail, _n: Names) -> str:
    return f"{_plural(d.get('problems', 0), 'difference')} from what an administrator signed"


def _rejected(d: Detail, _n: Names) -> str:
    return f"an entry queued in the key file was not accepted ({d.get('reason', 'no reason')})"


def _backup(d: Detail, _n: Names) -> str:
    size = d.get("bytes")
    mb = f"{int(size) / 1e6:.1f} MB" if isinstance(size, int) else "size unknown"
    return f"encrypted and verified; {mb}, {_plural(d.get('rows', 0), 'row')}"


def _restore(d: Detail, _n: Names) -> str:
    made = str(d.get("backup_created_at") or "an unknown time")[:16].replace("T", " ")
    return f"backup made {made} (UTC) put in place of the store"


def _moved(d: Detail, _n: Names) -> str:
    return f"a local store moved onto this server; {_plural(d.get('rows', 0), 'row')} checked"


def _export(d: Detail, _n: Names) -> str:
    names = "with" if d.get("include_names") else "without"
    return f"{_plural(d.get('files', 0), 'CSV file')}, {names} participant names"


def _audit_export(d: Detail, _n: Names) -> str:
    text = f"{_plural(d.get('rows', 0), 'event')} written to a CSV file"
    if d.get("filter"):
        text += f" (filter: {d['filter']})"
    return text


def _rows(d: Detail, _n: Names) -> str:
    return f"{_plural(d.get('rows', 0), 'row')} from a CSV file"


def _report(d: Detail, _n: Names) -> str:
    outputs = ", ".join(str(o).upper() for o in d.get("outputs") or []) or "no file"
    if d.get("suppression"):
        cells = f"counts below {d.get('threshold', '?')} hidden"
    else:
        cells = "small counts NOT hidden"
    enc = "; PDF encrypted" if d.get("encrypted") else ""
    merged = d.get("sites_merged")
    where = ""
    if isinstance(merged, list):
        where = "; organisation report merging " + ", ".join(str(x) for x in merged)
    elif d.get("site"):
        where = f"; {d.get('site')}"
    return f"{d.get('from', '?')} to {d.get('to', '?')}; {outputs}; {cells}{enc}{where}"


def _kind(d: Detail, _n: Names) -> str:
    return f"type: {_words(d.get('kind'))}"


def _assign(d: Detail, n: Names) -> str:
    return f"assigned to {n.supporter(str(d.get('supporter_id', '')))}"


def _session_create(d: Detail, _n: Names) -> str:
    return "safety flag raised" if d.get("safety_flag") else ""


DECISIONS = {
    "referred": "a referral was made",
    "not_needed": "no referral needed",
    "declined": "the person declined a referral",
    "later": "decide later",
}


def _decision(d: Detail, _n: Names) -> str:
    code = str(d.get("decision", ""))
    if code == "later":  # put off, not answered: it waits on Today
        return "left open for later"
    return f"answered: {DECISIONS.get(code, _words(code))}"


def _referral_create(d: Detail, _n: Names) -> str:
    warm = "; warm hand-off" if d.get("warm_handoff") else ""
    return f"status: {_words(d.get('status'))}{warm}"


def _status(d: Detail, _n: Names) -> str:
    return f"now: {_words(d.get('status'))}"


def _instrument(d: Detail, _n: Names) -> str:
    return f"{str(d.get('instrument', '')).upper()} answered (the score is not logged)"


def _policy(d: Detail, _n: Names) -> str:
    return _fields(d)


def _login(d: Detail, _n: Names) -> str:
    return "with this computer's login (no password typed)" if d.get("via") == "os_login" else ""


def _backup_service(d: Detail, _n: Names) -> str:
    return f"its secret is kept by {d['secret']}" if d.get("secret") else ""


def _os_login_on(d: Detail, _n: Names) -> str:
    return f"for the computer account {d['os_user']}" if d.get("os_user") else ""


def _os_login_off(d: Detail, _n: Names) -> str:
    return f"{_plural(d.get('slots', 0), 'key slot')} removed"


@dataclass(frozen=True)
class Kind:
    label: str
    describe: Callable[[Detail, Names], str] = _nothing


KINDS: dict[str, Kind] = {
    "login": Kind("Signed in", _login),
    "login.failed": Kind("Failed sign-in", _login_failed),
    "login.recovery_key": Kind("Emergency access with the recovery key"),
    "account.create": Kind("Account added", _role),
    "account.disable": Kind("Account disabled"),
    "account.enable": Kind("Account enabled", _enable),
    "account.reset_password": Kind("Password reset by an administrator", _notes_kept),
    "account.change_password": Kind("Password changed", _change_password),
    "account.lock_out": Kind("Account locked out", _lock_out),
    "account.unlock": Kind("Account unlocked", _unlock),
    "account.site_change": Kind("Account moved to another site", _site_change),
    "site.create": Kind("Site added", _site_create),
    "recovery_key.create": Kind("Recovery key created"),
    "recovery_key.replace": Kind("Recovery key replaced"),
    "notes.recovery_key_mismatch": Kind(
        "Recovery key check failed",
        lambda _d, _n: (
            "the store's copy of the recovery public key differs from the "
            "one in the key file; the key file's copy is used"
        ),
    ),
    "note.view": Kind("Private note read"),
    "store.create": Kind("Store created", _store_create),
    "store.verify": Kind("Store verified", _verify),
    "store.rollback_detected": Kind("Older copy of the store detected", _rollback),
    "store.rollback_acknowledged": Kind("Older copy of the store acknowledged"),
    "integrity.create": Kind("Accounts and policy signed for the first time", _integrity_create),
    "integrity.accounts_restored": Kind("Edited accounts put back", _integrity_restored),
    "integrity.mismatch": Kind("Signed records do not match", _integrity_mismatch),
    "integrity.resigned": Kind("Missing account signature replaced"),
    "demo.create": Kind("Demo data created", _demo),
    "pending_event.rejected": Kind("Queued event rejected", _rejected),
    "backup.create": Kind("Backup made", _backup),
    "backup.restore": Kind("Backup restored", _restore),
    "store.import": Kind("Store moved onto the server", _moved),
    # Written by the unattended-backup and OS-login features (services/backup_service.py,
    # services/os_login.py), described here so the log reads right once they land.
    "backup_service.enable": Kind("Unattended backups turned on", _backup_service),
    "backup_service.disable": Kind("Unattended backups turned off"),
    "oslogin.enable": Kind("Unlock with the computer's login turned on", _os_login_on),
    "oslogin.remove": Kind("Unlock with the computer's login removed", _os_login_off),
    "export.csv": Kind("Data exported", _export),
    "audit.export": Kind("Audit log exported", _audit_export),
    "import.supporters": Kind("Supporters imported", _rows),
    "import.resources": Kind("Resources imported", _rows),
    "report.create": Kind("Report made", _report),
    "policy.update": Kind("Policy changed", _policy),
    "participant.create": Kind("Participant added", _kind),
    "episode.open": Kind("Episode opened"),
    "episode.assign": Kind("Episode assigned", _assign),
    "episode.close": Kind("Episode closed"),
    "session.create": Kind("Session recorded", _session_create),
    "session.update": Kind("Session corrected", lambda d, _n: _fields(d)),
    "session.withdraw": Kind("Session withdrawn"),
    "session.follow_up_done": Kind("Follow-up done"),
    "session.referral_decision": Kind("Referral question", _decision),
    "referral.create": Kind("Referral recorded", _referral_create),
    "referral.status": Kind("Referral moved on", _status),
    "resource.create": Kind("Resource added"),
    "resource.update": Kind("Resource edited"),
    "supporter.create": Kind("Supporter added"),
    "supporter.update": Kind("Supporter edited"),
    "course.create": Kind("Course added"),
    "training.create": Kind("Training recorded"),
    "supervision.create": Kind("Supervision recorded"),
    "checkin.create": Kind("Check-in recorded", _instrument),
    "outcome.record": Kind(
        "Needs-met answer recorded",
        lambda d, _n: (
            str(d.get("needs_met", "")).replace("_", " ")
            + ("; satisfaction rated" if d.get("rated") else "")
        ),
    ),
    "wellbeing.create": Kind(
        "Own well-being check-in", lambda _d, _n: "recorded (the score is not logged)"
    ),
}

RECORD_WORDS = {
    "user": "account",
    "supporter_checkin": "well-being check-in",
    "checkin": "check-in",
}


def action_label(action: str) -> str:
    kind = KINDS.get(action)
    return kind.label if kind else _words(action).replace(".", ": ").capitalize()


def parse_detail(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {"unreadable": raw}
    return value if isinstance(value, dict) else {"value": value}


def describe(action: str, detail: Detail, names: Names) -> str:
    """The plain-language details of one event ("" when the label says it all)."""
    kind = KINDS.get(action)
    if kind is not None:
        try:
            text = kind.describe(detail, names)
        except (TypeError, ValueError, AttributeError):
            text = _generic(detail)  # a damaged or older detail still shows something
    else:
        text = _generic(detail)
    if detail.get("emergency_access"):
        text = (text + "; " if text else "") + "done under emergency access"
    return text[:1].upper() + text[1:] if text else ""


def _generic(detail: Detail) -> str:
    return "; ".join(
        f"{_words(k)}: {v}" for k, v in sorted(detail.items()) if k != "emergency_access"
    )


def record(target_type: str, target_id: str, names: Names) -> str:
    """What the event was about, named where a name may be shown."""
    if not target_type:
        return ""
    if target_type == "user":
        return f"account {names.user(target_id)}" if target_id else "account"
    if target_type == "supporter":
        return f"supporter {names.supporter(target_id)}"
    if target_type == "participant":
        return f"participant {names.participants.get(target_id, target_id[:8])}"
    if target_type == "resource":
        return f"resource {names.resources.get(target_id, target_id[:8])}"
    if target_type == "course":
        return f"course {names.courses.get(target_id, target_id[:8])}"
    if target_type in ("file", "folder", "policy"):
        return f"{target_type} {target_id}"
    if target_type == "report":
        return f"report {target_id}"
    if target_type == "site":
        return f"site {names.sites.get(target_id, target_id[:8])}"
    if target_type == "store":
        return "the store"
    word = RECORD_WORDS.get(target_type, _words(target_type))
    return f"{word} {target_id[:8]}" if target_id else word
