"""The report laid out as tables: one structure that the PDF, the CSV and the JSON all read.

A table knows which of its cells add up to which (so suppression can protect totals) and
which cells are computed from others (so a percentage never gives a hidden count away).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from peerdesk.services.checkins import INSTRUMENTS as INSTRUMENT_RULES
from peerdesk.services.reports.data import (
    DURATION_BANDS,
    FOLLOW_UP_OUTCOMES,
    FORMATS,
    INSTRUMENTS,
    MODES,
    PARTICIPANT_KINDS,
    REFERRAL_GROUPS,
    TOP_ROLES,
    VISIT_BUCKETS,
    Counts,
    ReportFigures,
)
from peerdesk.services.reports.period import short_date

Pos = tuple[str, str]  # (row key, column key)
GPos = tuple[str, str, str]  # (table key, row key, column key): a cell anywhere in a report
TOTAL = "total"
OTHER = "other"
# Counts that no table prints but that a printed rate gives away (rate x denominator):
# suppression treats them as cells, so hiding one hides the rate too.
IMPLIED = "implied"

MODE_LABELS = {"in_person": "In person", "phone": "Phone", "video": "Video", "text": "Text"}
FORMAT_LABELS = {"individual": "Individual", "group": "Group"}
BAND_LABELS = {
    "under_15": "Under 15 min",
    "15_29": "15–29 min",
    "30_44": "30–44 min",
    "45_59": "45–59 min",
    "60_plus": "60 min or more",
}
VISIT_LABELS = {"1": "1st visit", "2": "2nd visit", "3": "3rd visit", "4_plus": "4th or later"}
KIND_LABELS = {"staff": "Staff", "patient": "Patients", "caregiver": "Caregivers"}
KIND_WORDS = {"staff": "staff", "patient": "patient", "caregiver": "caregiver"}  # "Other … roles"
REFERRAL_LABELS = {
    "open": "Still open",
    "attended": "Attended",
    "declined": "Declined",
    "closed": "Closed",
}
FOLLOW_UP_LABELS = {"on_time": "Done on time", "late": "Done late", "not_done": "Not done"}


@dataclass(frozen=True)
class Cell:
    """kind: count | percent | number | hours | change | change_pts | text | date.

    A date's value is ISO (YYYY-MM-DD, for CSV and JSON); the PDF prints it as "3 May 2026",
    the one date style of the page."""

    value: int | float | str | None
    kind: str = "count"
    # cells the value is computed from: (row, column) in this table or (table, row, column)
    sources: tuple[Pos | GPos, ...] = ()
    basis: tuple[int, ...] = ()  # counts not shown in this table that it is computed from


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: dict[str, Cell]
    total: bool = False
    # "Other" rows stay after the named ones whatever their size; group keeps rows of one
    # participant type together when rows are put in order after suppression
    fixed: bool = False
    group: str = ""


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    row_header: str
    columns: tuple[tuple[str, str], ...]  # (key, label)
    rows: tuple[Row, ...]
    sums: tuple[tuple[Pos, tuple[Pos, ...]], ...] = ()  # total cell = sum of part cells
    note: str = ""
    suppress: bool = True  # False for staff records (training), which identify no participant
    chart: str = ""  # "bars": a bar chart of chart_column; "trend": the 12-month chart
    chart_column: str = ""
    section: str = ""
    # Rows ordered by this column's value are put in order after suppression, hidden ones
    # by name, so that a row's place never tells its hidden value.
    order_by: str = ""
    # Cells that other reports print too (headline figures, the trend): never hidden to
    # protect another cell unless nothing else will do, so every report shows them alike.
    anchors: frozenset[Pos] = frozenset()


@dataclass(frozen=True)
class ReportTables:
    figures: ReportFigures
    headline: Table
    tables: tuple[Table, ...] = field(default=())
    # Sums across tables (total cell = sum of part cells; one part means "equal"), so that
    # suppression treats the tables of one report as one linked set.
    links: tuple[tuple[GPos, tuple[GPos, ...]], ...] = ()
    implied: Table | None = None  # counts given away by printed rates (never printed)

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)


def pct(part: int | float, whole: int | float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def to_merge(values: dict[str, int], threshold: int | None, adds_up: bool) -> set[str]:
    """Categories to add up into one "Other" row before suppressing, so fewer cells hide.

    Every category with a count from 1 to threshold-1 is merged. Where the categories add
    up to a printed total, a merged row still below the threshold would need a second
    cell hidden beside it anyway, so the next smallest categories join it until it
    reaches the threshold. Merging a single category would only rename it.
    """
    if not threshold:
        return set()
    merged = {k for k, n in values.items() if 0 < n < threshold}
    if not merged or (len(merged) == 1 and not adds_up):
        return set()
    total = sum(values[k] for k in merged)
    if adds_up and total < threshold:
        rest = sorted(
            (k for k, n in values.items() if n > 0 and k not in merged),
            key=lambda k: (values[k], k),
        )
        for k in rest:
            merged.add(k)
            total += values[k]
            if total >= threshold:
                break
    return merged if len(merged) > 1 else set()


def _distribution(
    key: str,
    title: str,
    row_header: str,
    value_label: str,
    items: Iterable[tuple[str, str, int]],
    section: str,
    note: str = "",
    chart: bool = False,
    order_by_value: bool = False,
    fixed: Iterable[str] = (),
    groups: dict[str, str] | None = None,
) -> Table:
    """One count column with a total row and a share-of-total column."""
    items = list(items)
    total = sum(n for _, _, n in items)
    fixed = set(fixed)
    rows = [
        Row(
            k,
            label,
            {
                "n": Cell(n),
                "pct": Cell(pct(n, total), "percent", sources=((k, "n"), (TOTAL, "n"))),
            },
            fixed=k in fixed,
            group=(groups or {}).get(k, ""),
        )
        for k, label, n in items
    ]
    rows.append(
        Row(
            TOTAL,
            "Total",
            {"n": Cell(total), "pct": Cell(100.0 if total else None, "percent")},
            True,
        )
    )
    return Table(
        key,
        title,
        row_header,
        (("n", value_label), ("pct", "%")),
        tuple(rows),
        sums=(((TOTAL, "n"), tuple((k, "n") for k, _, _ in items)),),
        note=note,
        chart="bars" if chart else "",
        chart_column="n",
        section=section,
        order_by="n" if order_by_value else "",
    )


def _cross(
    items: list[tuple[str, str]],
    columns: list[tuple[str, str]],
    value: dict[tuple[str, str], int],
    total_label: str = "Total",
) -> tuple[list[Row], list[tuple[Pos, tuple[Pos, ...]]]]:
    """Rows x columns with a total column and a total row, and all the sums between them."""
    cols = [c for c, _ in columns]
    rows: list[Row] = []
    sums: list[tuple[Pos, tuple[Pos, ...]]] = []
    for rk, label in items:
        cells = {c: Cell(value.get((rk, c), 0)) for c in cols}
        cells[TOTAL] = Cell(sum(value.get((rk, c), 0) for c in cols))
        rows.append(Row(rk, label, cells))
        sums.append(((rk, TOTAL), tuple((rk, c) for c in cols)))
    total_cells = {c: Cell(sum(value.get((rk, c), 0) for rk, _ in items)) for c in cols}
    total_cells[TOTAL] = Cell(sum(value.get((rk, c), 0) for rk, _ in items for c in cols))
    rows.append(Row(TOTAL, total_label, total_cells, True))
    for c in [*cols, TOTAL]:
        sums.append(((TOTAL, c), tuple((rk, c) for rk, _ in items)))
    sums.append(((TOTAL, TOTAL), tuple((TOTAL, c) for c in cols)))
    return rows, sums


def _headline(f: ReportFigures) -> Table:
    cur, pre = f.current, f.prior

    def hours(minutes: int) -> float:
        return round(minutes / 60.0, 1)

    def count_row(key: str, label: str, a: int, b: int) -> Row:
        return Row(
            key,
            label,
            {
                "current": Cell(a),
                "previous": Cell(b),
                "change": Cell(
                    pct(a - b, b), "change", sources=((key, "current"), (key, "previous"))
                ),
            },
        )

    def hours_row(key: str, label: str, a: int, b: int) -> Row:
        return Row(
            key,
            label,
            {
                "current": Cell(hours(a), "hours"),
                "previous": Cell(hours(b), "hours"),
                "change": Cell(pct(a - b, b), "change"),
            },
        )

    def rate_row(key: str, label: str, a: Counts, b: Counts, num: str, den: str) -> Row:
        ra, rb = pct(getattr(a, num), getattr(a, den)), pct(getattr(b, num), getattr(b, den))
        basis_a = (getattr(a, num), getattr(a, den))
        basis_b = (getattr(b, num), getattr(b, den))
        return Row(
            key,
            label,
            {
                "current": Cell(ra, "percent", basis=basis_a),
                "previous": Cell(rb, "percent", basis=basis_b),
                "change": Cell(
                    None if ra is None or rb is None else round(ra - rb, 1),
                    "change_pts",
                    sources=((key, "current"), (key, "previous")),
                    basis=basis_a + basis_b,
                ),
            },
        )

    def implied_rate(row: Row, num: str, den: str) -> Row:
        """The rate's numerator and denominator as cells, so suppression can protect them."""
        cells = dict(row.cells)
        for col in ("current", "previous"):
            c = cells[col]
            sources = ((IMPLIED, num, col), (IMPLIED, den, col))
            cells[col] = Cell(c.value, c.kind, sources=sources, basis=c.basis)
        change = cells["change"]
        cells["change"] = Cell(
            change.value,
            change.kind,
            sources=(*change.sources, *cells["current"].sources, *cells["previous"].sources),
            basis=change.basis,
        )
        return Row(row.key, row.label, cells)

    rows = (
        count_row("contacts", "Contacts (support sessions)", cur.contacts, pre.contacts),
        count_row("people", "People supported (unique)", cur.people, pre.people),
        count_row("new_episodes", "New episodes (cases)", cur.new_episodes, pre.new_episodes),
        count_row("closed_episodes", "Episodes closed", cur.closed_episodes, pre.closed_episodes),
        count_row("referrals", "Referrals made", cur.referrals, pre.referrals),
        implied_rate(
            rate_row(
                "closed_loop",
                "Referrals closed-loop",
                cur,
                pre,
                "referrals_closed_loop",
                "referrals",
            ),
            "closed_loop",
            "referrals",
        ),
        count_row(
            "referrals_completed",
            "Referrals completed (attended)",
            cur.referrals_attended,
            pre.referrals_attended,
        ),
        implied_rate(
            rate_row(
                "follow_ups",
                "Follow-ups done on time",
                cur,
                pre,
                "follow_ups_on_time",
                "follow_ups_due",
            ),
            "follow_ups_on_time",
            "follow_ups_due",
        ),
        hours_row("contact_hours", "Hours of support", cur.contact_minutes, pre.contact_minutes),
        hours_row(
            "supervision_hours",
            "Supervision hours",
            cur.supervision_minutes,
            pre.supervision_minutes,
        ),
    )
    return Table(
        "headline",
        "Headline figures",
        "",
        (
            ("current", f.period.label),
            ("previous", f.previous.label),
            ("change", "Change"),
        ),
        rows,
        section="Summary",
        anchors=frozenset(
            (r.key, c) for r in rows for c in ("current", "previous") if r.cells[c].kind == "count"
        ),
    )


def _implied_table(f: ReportFigures) -> Table:
    """Counts that the headline rates give away (a rate times its denominator)."""
    cur, pre = f.current, f.prior
    items = (
        ("closed_loop", cur.referrals_closed_loop, pre.referrals_closed_loop),
        ("referrals", cur.referrals, pre.referrals),
        ("follow_ups_on_time", cur.follow_ups_on_time, pre.follow_ups_on_time),
        ("follow_ups_due", cur.follow_ups_due, pre.follow_ups_due),
    )
    rows = tuple(Row(k, k, {"current": Cell(a), "previous": Cell(b)}) for k, a, b in items)
    return Table(
        IMPLIED,
        "Counts implied by rates",
        "",
        (("current", "current"), ("previous", "previous")),
        rows,
        anchors=frozenset((r.key, c) for r in rows for c in ("current", "previous")),
    )


def _mode_table(f: ReportFigures, threshold: int | None = None) -> Table:
    items = [(m, MODE_LABELS[m]) for m in MODES]
    extra = sorted({m for m, _ in f.mode_format} - set(MODES))
    items += [(m, m.replace("_", " ").capitalize()) for m in extra]
    group = {m: n for (m, fmt), n in f.mode_format.items() if fmt == "group"}
    if threshold and any(0 < n < threshold for n in group.values()):
        # Few group contacts: split by mode they would be hidden, and with them the
        # individual contacts beside them (row total minus group). Merged into one row
        # instead, every number can be printed.
        individual = {m: n for (m, fmt), n in f.mode_format.items() if fmt == "individual"}
        return _distribution(
            "contacts_by_mode",
            "Contacts by mode, individual or group",
            "Mode",
            "Contacts",
            [
                *((m, f"{label}, individual", individual.get(m, 0)) for m, label in items),
                ("group", "Group sessions, any mode", sum(group.values())),
            ],
            "Contacts",
            note="Group contacts are few this month, so they are shown as one row for all "
            "modes; the rows above count individual contacts.",
            chart=True,
            fixed=("group",),
        )
    columns = [(c, FORMAT_LABELS[c]) for c in FORMATS]
    rows, sums = _cross(items, columns, dict(f.mode_format))
    grand = rows[-1].cells[TOTAL].value
    rows = [
        Row(
            r.key,
            r.label,
            {
                **r.cells,
                "pct": Cell(
                    pct(int(r.cells[TOTAL].value or 0), int(grand or 0)),
                    "percent",
                    sources=((r.key, TOTAL), (TOTAL, TOTAL)),
                ),
            },
            r.total,
        )
        for r in rows
    ]
    return Table(
        "contacts_by_mode",
        "Contacts by mode, individual or group",
        "Mode",
        (*columns, (TOTAL, "All contacts"), ("pct", "%")),
        tuple(rows),
        sums=tuple(sums),
        chart="bars",
        chart_column=TOTAL,
        section="Contacts",
    )


def _referral_table(f: ReportFigures, threshold: int | None) -> Table:
    values = dict(f.referrals)
    totals: dict[str, int] = {}
    for (dest, _), n in values.items():
        totals[dest] = totals.get(dest, 0) + n
    merged = to_merge(totals, threshold, adds_up=True)
    if merged:
        for (dest, group), n in list(values.items()):
            if dest in merged:
                del values[(dest, group)]
                values[(OTHER, group)] = values.get((OTHER, group), 0) + n
    # By name here; put in order of size after suppression (ShownTable), hidden rows last.
    items = [(d, d) for d in sorted(set(totals) - merged, key=str.casefold)]
    if merged:
        items.append((OTHER, "Other destinations"))
    columns = [(g, REFERRAL_LABELS[g]) for g in REFERRAL_GROUPS]
    rows, sums = _cross(items, columns, values)
    rows = [
        Row(
            r.key,
            r.label,
            {
                **r.cells,
                "loop": Cell(
                    pct(
                        int(r.cells[TOTAL].value or 0) - int(r.cells["open"].value or 0),
                        int(r.cells[TOTAL].value or 0),
                    ),
                    "percent",
                    sources=((r.key, TOTAL), (r.key, "open")),
                ),
            },
            r.total,
            fixed=r.key == OTHER,
        )
        for r in rows
    ]
    note = (
        "Status at the end of the period. Attended, declined and closed referrals "
        "count as closed-loop."
    )
    if merged:
        note += " Destinations with few referrals are added up as 'Other destinations'."
    return Table(
        "referrals",
        "Referrals made, by destination and where they stand",
        "Destination",
        (*columns, (TOTAL, "Made"), ("loop", "Loop closed %")),
        tuple(rows),
        sums=tuple(sums),
        note=note,
        section="Referrals and follow-up",
        order_by=TOTAL,
    )


def _checkin_table(f: ReportFigures) -> Table:
    items = [(i, i) for i in INSTRUMENTS]
    columns = [("before", "Before"), ("after", "After")]
    rows, sums = _cross(items, columns, dict(f.checkins))
    return Table(
        "checkins",
        "Check-ins taken",
        "Instrument",
        (*columns, (TOTAL, "All")),
        tuple(rows),
        sums=tuple(sums),
        section="Outcomes",
    )


def _outcome_table(f: ReportFigures) -> Table:
    rows = []
    sums = []
    for o in f.outcomes:
        k = o.instrument
        rows.append(
            Row(
                k,
                f"{k} ({'higher' if o.higher_is_better else 'lower'} is better)",
                {
                    "pairs": Cell(o.pairs),
                    # a mean of few scores is hidden; a mean of many is not a count
                    "before": Cell(o.mean_before, "number", basis=(o.pairs,)),
                    "after": Cell(o.mean_after, "number", basis=(o.pairs,)),
                    "improved": Cell(o.improved),
                    "unchanged": Cell(o.pairs - o.improved - o.worsened),
                    "worsened": Cell(o.worsened),
                    "pct": Cell(
                        pct(o.improved, o.pairs),
                        "percent",
                        sources=((k, "improved"), (k, "pairs")),
                    ),
                },
            )
        )
        sums.append(((k, "pairs"), ((k, "improved"), (k, "unchanged"), (k, "worsened"))))
    return Table(
        "outcomes",
        "Check-in outcomes, before and after",
        "Instrument",
        (
            ("pairs", "Episodes"),
            ("before", "Mean before"),
            ("after", "Mean after"),
            ("improved", "Better"),
            ("unchanged", "Same"),
            ("worsened", "Worse"),
            ("pct", "Better %"),
        ),
        tuple(rows),
        sums=tuple(sums),
        note="Episodes with an 'after' check-in in the period and a 'before' check-in to "
        "compare it with. Better or worse means a real change by each instrument's "
        "published rule (WHO-5: 10 points or more; PSS-4, which has none: any point); "
        "same means less. Means of fewer episodes than the threshold are hidden.",
        section="Outcomes",
    )


def _low_scores_table(f: ReportFigures) -> Table:
    """Episodes at or below an instrument's screening cut-off (WHO-5: 28, likely
    depression), before and after: a reason to consider a referral for assessment."""
    rows = []
    for o in f.outcomes:
        inst = INSTRUMENT_RULES.get(o.instrument)
        if inst is None or not inst.tiers:
            continue
        rows.append(
            Row(
                o.instrument,
                f"{o.instrument}: {inst.tiers[0][0]} or below",
                {"before": Cell(o.low_before), "after": Cell(o.low_after)},
            )
        )
    return Table(
        "low_scores",
        "Episodes at a screening cut-off, before and after",
        "Instrument",
        (("before", "Before"), ("after", "After")),
        tuple(rows),
        note="The same episodes as the table above. A WHO-5 score of 28 or below is the "
        "usual screen for likely depression.",
        section="Outcomes",
    )


def _supporter_table(f: ReportFigures) -> Table:
    rows = []
    for sup in f.supporters:
        k = sup.supporter_id
        rows.append(
            Row(
                k,
                sup.name + ("" if sup.status == "active" else f" ({sup.status.replace('_', ' ')})"),
                {
                    "contacts": Cell(sup.contacts),
                    "people": Cell(sup.people),
                    "hours": Cell(
                        round(sup.contact_minutes / 60.0, 1), "hours", sources=((k, "contacts"),)
                    ),
                    "supervision": Cell(round(sup.supervision_minutes / 60.0, 1), "hours"),
                    "trained": Cell("yes" if sup.training_complete else "no", "text"),
                },
            )
        )
    total = {
        "contacts": Cell(sum(s.contacts for s in f.supporters)),
        "people": Cell(f.current.people),
        "hours": Cell(
            round(sum(s.contact_minutes for s in f.supporters) / 60.0, 1),
            "hours",
            sources=((TOTAL, "contacts"),),
        ),
        "supervision": Cell(
            round(sum(s.supervision_minutes for s in f.supporters) / 60.0, 1), "hours"
        ),
        "trained": Cell(f"{f.fully_trained} of {f.active_supporters}", "text"),
    }
    rows.append(Row(TOTAL, "All supporters", total, True))
    return Table(
        "supporters",
        "Supporter activity, supervision and training",
        "Supporter",
        (
            ("contacts", "Contacts"),
            ("people", "People"),
            ("hours", "Support hours"),
            ("supervision", "Supervision hours"),
            ("trained", "Required training current"),
        ),
        tuple(rows),
        sums=(((TOTAL, "contacts"), tuple((r.key, "contacts") for r in rows[:-1])),),
        note="People are counted once per supporter; someone seen by two supporters appears "
        "in both rows but once in the total." + _left_out(f),
        section="Supporters",
        order_by="contacts",
    )


def _left_out(f: ReportFigures) -> str:
    """Says in words who the training figure leaves out (supporters listed but not active)."""
    counts: dict[str, int] = {}
    for sup in f.supporters:
        if sup.status != "active":
            counts[sup.status] = counts.get(sup.status, 0) + 1
    if not counts:
        return ""
    parts = [f"{n} {status.replace('_', ' ')}" for status, n in sorted(counts.items())]
    listed = " and ".join(parts)
    verb = "is" if sum(counts.values()) == 1 else "are"
    return (
        f" Required training counts active supporters only: {listed} {verb} listed "
        "above but not counted."
    )


def _training_table(f: ReportFigures) -> Table:
    rows = [
        Row(
            c.code,
            c.name,
            {
                "current": Cell(c.current),
                "active": Cell(c.active_supporters),
                "pct": Cell(pct(c.current, c.active_supporters), "percent"),
            },
        )
        for c in f.training
    ]
    rows.append(
        Row(
            "all_required",
            "Supporters with all their required courses",
            {
                "current": Cell(f.fully_trained),
                "active": Cell(f.active_supporters),
                "pct": Cell(pct(f.fully_trained, f.active_supporters), "percent"),
            },
            True,
        )
    )
    return Table(
        "training",
        "Training compliance at the end of the period (required courses)",
        "Course",
        (("current", "Current"), ("active", "Required of"), ("pct", "Compliance %")),
        tuple(rows),
        note="Active supporters only."
        + _left_out(f).replace(" Required training counts active supporters only:", ""),
        suppress=False,
        section="Supporters",
    )


def _expiring_table(f: ReportFigures) -> Table:
    window = f.expiry_window
    span = f"{short_date(window.start)} to {short_date(window.end)}" if window else ""
    rows = tuple(
        Row(
            f"{i}",
            e.supporter,
            {"course": Cell(e.course, "text"), "expires": Cell(e.expires_on.isoformat(), "date")},
        )
        for i, e in enumerate(f.expiring)
    )
    return Table(
        "expiring",
        f"Certificates expiring in the next 60 days ({span})",
        "Supporter",
        (("course", "Course"), ("expires", "Expires on")),
        rows,
        suppress=False,
        section="Supporters",
    )


def _episode_table(f: ReportFigures) -> Table:
    return Table(
        "episodes",
        "Episodes of support",
        "",
        (("n", "Episodes"),),
        (
            Row("new", "Opened in the period", {"n": Cell(f.current.new_episodes)}),
            Row("closed", "Closed in the period", {"n": Cell(f.current.closed_episodes)}),
            Row(
                "open_at_end", "Open at the end of the period", {"n": Cell(f.open_episodes_at_end)}
            ),
        ),
        section="People supported",
    )


def _trend_months(f: ReportFigures) -> list:
    """Trend months from the store's first record on: earlier months had no data, and a
    zero drawn for them would read as a quiet month."""
    first = f.first_record
    if first is None:
        return f.trend[-1:]  # nothing recorded yet: the report's own month only
    # a month before the first record keeps its own (empty) row, so the chart has one
    return [p for p in f.trend if p.month.end >= first] or f.trend[-1:]


def _trend_table(f: ReportFigures) -> Table:
    points = _trend_months(f)
    rows = tuple(
        Row(
            p.month.slug,
            p.month.label,
            {
                "contacts": Cell(p.contacts),
                "people": Cell(p.people),
                "new_episodes": Cell(p.new_episodes),
            },
        )
        for p in points
    )
    left_out = len(f.trend) - len(points)
    note = (
        f"The {left_out} earlier months of the twelve are left out: the first record in "
        f"this store is from {f.first_record:%B %Y}."
        if left_out and f.first_record
        else ""
    )
    return Table(
        "trend",
        "Contacts, people and new episodes by month",
        "Month",
        (("contacts", "Contacts"), ("people", "People"), ("new_episodes", "New episodes")),
        rows,
        note=note,
        chart="trend",
        chart_column="contacts",
        section="Twelve-month trend",
        anchors=frozenset((r.key, c) for r in rows for c in r.cells),
    )


NEEDS_MET_LABELS = {
    "yes": "Needs met",
    "partly": "Needs partly met",
    "no": "Needs not met",
    "not_asked": "Not asked",
}
SATISFACTION_LABELS = {
    5: "5 — very satisfied",
    4: "4 — satisfied",
    3: "3 — neither",
    2: "2 — dissatisfied",
    1: "1 — very dissatisfied",
}
SAFETY_LABELS = {
    "referred": "Referral made",
    "declined": "Participant declined a referral",
    "not_needed": "Referral judged not needed",
    "open": "Question still open",
}
FIRST_CONTACT_LABELS = {
    "same_day": "Same day",
    "1_2": "1–2 days",
    "3_7": "3–7 days",
    "8_14": "8–14 days",
    "15_plus": "15 days or more",
}
MEDIAN_MIN_EPISODES = 11  # a median over fewer episodes says too much about each one


def _program_tables(f: ReportFigures) -> dict[str, Table]:
    """Needs met, satisfaction, safety escalations and the wait for a first contact, by
    key; build_tables puts each in its section."""
    m = f.metrics
    waited = sum(m.first_contact.values())
    median = (
        f" Median wait: {m.first_contact_median_days:g} "
        f"{'day' if m.first_contact_median_days == 1 else 'days'}."
        if m.first_contact_median_days is not None and waited >= MEDIAN_MIN_EPISODES
        else ""
    )
    tables = [
        _distribution(
            "needs_met",
            "Were the person's needs met? (end of a series or episode)",
            "Answer",
            "Answers",
            ((k, NEEDS_MET_LABELS[k], m.needs_met.get(k, 0)) for k in NEEDS_MET_LABELS),
            "Outcomes",
        ),
        _distribution(
            "satisfaction",
            "Satisfaction, where the person gave a rating",
            "Rating",
            "Answers",
            ((str(k), v, m.satisfaction.get(k, 0)) for k, v in SATISFACTION_LABELS.items()),
            "Outcomes",
        ),
        _distribution(
            "safety_escalations",
            "Sessions with a safety concern, by what followed",
            "What followed",
            "Sessions",
            ((k, SAFETY_LABELS[k], m.safety.get(k, 0)) for k in SAFETY_LABELS),
            "Referrals and follow-up",
        ),
        Table(
            "safety_urgent",
            "Urgent referrals or warm hand-offs made after a safety concern",
            "",
            (("n", "Referrals"),),
            (Row("urgent", "Urgent or warm hand-off", {"n": Cell(m.urgent_referrals_after_flag)}),),
            section="Referrals and follow-up",
        ),
        _distribution(
            "first_contact",
            "Days from the request for support to the first contact",
            "Wait",
            "Episodes",
            ((k, FIRST_CONTACT_LABELS[k], m.first_contact.get(k, 0)) for k in FIRST_CONTACT_LABELS),
            "Contacts",
            note="Episodes whose first contact fell in the period." + median,
        ),
    ]
    return {t.key: t for t in tables}


def _kinds(f: ReportFigures) -> list[str]:
    extra = {k for k in f.people_by_kind} | {k for k, _ in f.people_by_kind_role}
    return [*PARTICIPANT_KINDS, *sorted(extra - set(PARTICIPANT_KINDS))]


def _kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.capitalize() or "Type not recorded")


def _role_table(f: ReportFigures, threshold: int | None) -> tuple[Table, list]:
    """People by role within each participant type.

    Roles nest within types (a nurse is staff), and a reader who knows that can add the
    roles of one type up to that type's row of the table above. So the rows are kept per
    type, and each type's rows are linked to its total for suppression.
    """
    items: list[tuple[str, str, int]] = []
    groups: dict[str, str] = {}
    fixed: list[str] = []
    links = []
    for kind in _kinds(f):
        roles = {r: n for (k, r), n in f.people_by_kind_role.items() if k == kind and n}
        if not roles:
            continue
        kind_word = KIND_WORDS.get(kind, kind or "type not recorded")
        merged = to_merge(roles, threshold, adds_up=True)
        ranked = sorted((r for r in roles if r not in merged), key=lambda r: (-roles[r], r))
        merged |= set(ranked[TOP_ROLES:])  # a long tail of free-text roles is added up
        if len(merged) == 1 and len(roles) > 1 and not threshold:
            merged = set()
        keys = []
        for r in sorted(set(roles) - merged, key=str.casefold):
            key = f"{kind}:{r}"
            label = f"{r.capitalize()} ({kind_word})" if r else f"Role not recorded ({kind_word})"
            items.append((key, label, roles[r]))
            keys.append(key)
        if merged:
            key = f"{kind}:{OTHER}"
            items.append((key, f"Other {kind_word} roles", sum(roles[r] for r in merged)))
            fixed.append(key)
            keys.append(key)
        for key in keys:
            groups[key] = kind
        links.append(
            (("participant_types", kind, "n"), tuple(("participant_roles", k, "n") for k in keys))
        )
    table = _distribution(
        "participant_roles",
        "People supported, by role or discipline",
        "Role",
        "People",
        items,
        "People supported",
        note="Roles are listed within each type of participant; smaller roles are added up "
        "as 'Other … roles'.",
        order_by_value=True,
        fixed=fixed,
        groups=groups,
    )
    return table, links


def _concern_table(f: ReportFigures, threshold: int | None) -> Table:
    merged = to_merge(f.concerns, threshold, adds_up=False)
    rows = [
        Row(c, c.replace("_", " ").capitalize(), {"n": Cell(n)})
        for c, n in sorted(f.concerns.items(), key=lambda kv: kv[0].casefold())
        if c not in merged
    ]
    note = (
        "A contact can raise more than one concern, so these do not add up to the "
        "number of contacts."
    )
    if merged:
        rows.append(
            Row(
                OTHER, "Other concerns", {"n": Cell(sum(f.concerns[c] for c in merged))}, fixed=True
            )
        )
        note += " Concerns raised at few contacts are added up as 'Other concerns'."
    return Table(
        "concerns",
        "Concerns raised",
        "Concern",
        (("n", "Contacts"),),
        tuple(rows),
        note=note,
        chart="bars",
        chart_column="n",
        section="Contacts",
        order_by="n",
    )


def _links(f: ReportFigures, tables: list[Table]) -> list[tuple[GPos, tuple[GPos, ...]]]:
    """The same count printed in two places, or one table's cell adding up another's."""
    keys = {t.key for t in tables}
    trend_rows = {r.key for t in tables if t.key == "trend" for r in t.rows}
    out: list[tuple[GPos, tuple[GPos, ...]]] = []

    def same(a: GPos, *others: GPos) -> None:
        for b in others:
            if b[0] in keys or b[0] in ("headline", IMPLIED):
                out.append((a, (b,)))

    h = "headline"
    by_mode = next(t for t in tables if t.key == "contacts_by_mode")
    merged_modes = all(c != TOTAL for c, _ in by_mode.columns)  # one column: group merged
    same(
        (h, "contacts", "current"),
        ("contacts_by_mode", TOTAL, "n" if merged_modes else TOTAL),
        ("duration", TOTAL, "n"),
        ("visit_number", TOTAL, "n"),
        ("supporters", TOTAL, "contacts"),
    )
    same(
        (h, "people", "current"),
        ("participant_types", TOTAL, "n"),
        ("participant_roles", TOTAL, "n"),
        ("supporters", TOTAL, "people"),
    )
    same((h, "new_episodes", "current"), ("episodes", "new", "n"))
    same((h, "closed_episodes", "current"), ("episodes", "closed", "n"))
    same(
        (h, "referrals", "current"), ("referrals", TOTAL, TOTAL), (IMPLIED, "referrals", "current")
    )
    same((h, "referrals", "previous"), (IMPLIED, "referrals", "previous"))
    # Referrals completed are the referrals table's attended total (status at the end).
    same((h, "referrals_completed", "current"), ("referrals", TOTAL, "attended"))
    same((IMPLIED, "follow_ups_due", "current"), ("follow_ups", TOTAL, "n"))
    same((IMPLIED, "follow_ups_on_time", "current"), ("follow_ups", "on_time", "n"))
    out.append(
        (
            ("referrals", TOTAL, TOTAL),
            ((IMPLIED, "closed_loop", "current"), ("referrals", TOTAL, "open")),
        )
    )
    for column, period in (("current", f.period), ("previous", f.previous)):
        if period.slug in trend_rows:
            for row, col in (
                ("contacts", "contacts"),
                ("people", "people"),
                ("new_episodes", "new_episodes"),
            ):
                same((h, row, column), ("trend", period.slug, col))
    return out


def build_tables(f: ReportFigures, threshold: int | None = None) -> ReportTables:
    """The report's tables; with a threshold (suppression on) small categories are merged."""
    roles, role_links = _role_table(f, threshold)
    program = _program_tables(f)
    tables = [
        _mode_table(f, threshold),
        _distribution(
            "duration",
            "Contacts by length",
            "Length",
            "Contacts",
            ((b, BAND_LABELS[b], f.duration.get(b, 0)) for b in DURATION_BANDS),
            "Contacts",
        ),
        _distribution(
            "visit_number",
            "Contacts by visit number within the episode",
            "Visit",
            "Contacts",
            ((v, VISIT_LABELS[v], f.visits.get(v, 0)) for v in VISIT_BUCKETS),
            "Contacts",
        ),
        program["first_contact"],
        _concern_table(f, threshold),
        _distribution(
            "participant_types",
            "People supported, by type",
            "Type",
            "People",
            ((k, _kind_label(k), f.people_by_kind.get(k, 0)) for k in _kinds(f)),
            "People supported",
        ),
        roles,
        _episode_table(f),
        _referral_table(f, threshold),
        _distribution(
            "follow_ups",
            "Follow-ups due in the period",
            "Follow-up",
            "Follow-ups",
            ((o, FOLLOW_UP_LABELS[o], f.follow_ups.get(o, 0)) for o in FOLLOW_UP_OUTCOMES),
            "Referrals and follow-up",
        ),
        program["safety_escalations"],
        program["safety_urgent"],
        _checkin_table(f),
        _outcome_table(f),
        _low_scores_table(f),
        program["needs_met"],
        program["satisfaction"],
        _supporter_table(f),
        _training_table(f),
        _expiring_table(f),
        _trend_table(f),
    ]
    links = [*_links(f, tables), *role_links]
    return ReportTables(f, _headline(f), tuple(tables), tuple(links), _implied_table(f))
