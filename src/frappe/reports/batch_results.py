"""What ``frappe score`` writes: the trainer's table (80 columns), the CSV (French Excel or
international) and the JSON of the batch's entries (``frappe.runs.batch_scoring``).

Names, file names and messages are written as plain text in every format (no markup, control
characters and unencodable characters escaped).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frappe.reports.csv_export import CsvStyle, csv_cell
from frappe.textio import plain_text

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "csv_header",
    "entries_json_bytes",
    "entries_json_text",
    "entry_csv_text",
    "entry_json_text",
    "json_text",
    "render_csv",
    "render_table",
]


def render_table(entries: list[dict[str, Any]], console: Console) -> None:
    """The table; every name, file name and message goes in as ``Text`` (never markup).

    Rows are numbered and the files listed under the table, so the columns a trainer reads
    (who, when, exam or practice, how long, speed, faults, error rate, mark, verdict) fit 80
    columns; WER, speed, critical errors and the draft column appear when some entry has them.
    """
    # Rich only for the table: ``frappe score --format json|csv`` does not pay its import.
    from rich import box  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    scored = [e["metrics"] for e in entries if e["ok"]]

    def present(key: str) -> bool:
        return any(isinstance(m.get(key), int | float) for m in scored)

    columns: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
        ("date", "date", lambda m: _record_cells(m)[0]),
        ("mode", "mode", lambda m: _record_cells(m)[1]),
        ("durée", "duration_s", lambda m: _record_cells(m)[2]),
    ]
    if present("speed"):
        columns.append(("vit.", "speed", lambda m: _fr_number(m.get("speed"), "{:.1f}")))
    columns.append(("faut.", "faults", lambda m: _fr_number(m.get("faults"), "{:g}")))
    columns.append(("err.", "error_rate", lambda m: _record_cells(m)[3]))
    if any(m.get("kind") in {"transcription", "correction"} or "speed" not in m for m in scored):
        columns.append(("WER", "wer", lambda m: _fr_number(m.get("wer"), "{:.0%}")))
    columns.append(("note", "mark_20", lambda m: _fr_number(m.get("mark_20"), "{:.1f}")))
    if present("critical_errors"):
        columns.append(("crit", "critical_errors", lambda m: _record_cells(m)[4]))
    columns.append(("résultat", "passed", lambda m: _record_cells(m)[5]))
    table = Table(
        title="Résultats",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 0),
    )
    table.add_column("n°", justify="right", no_wrap=True)
    table.add_column("candidat", overflow="fold", ratio=1, min_width=10)
    for label, _key, _cell in columns:
        table.add_column(
            label,
            justify="left" if label in {"date", "mode", "résultat"} else "right",
            no_wrap=True,
        )
    corrections = any(e["ok"] and "fixed" in e["metrics"] for e in entries)
    if corrections:
        table.add_column("brouillon", justify="right", no_wrap=True)
    warned = any(e.get("warnings") for e in entries)
    if warned:
        table.add_column("⚠", no_wrap=True)  # a warning listed under the table
    # Cells are Text, not str: a str goes through Rich's markup and emoji parsing (a third of
    # the table's time on 2,000 rows), and a cell is never markup.
    blank = Text("")
    for number, entry in enumerate(entries, start=1):
        if not entry["ok"]:
            blanks = [blank] * (len(columns) + corrections + warned)
            table.add_row(Text(str(number)), Text("erreur ↓", style="red"), *blanks)
            continue
        metrics = entry["metrics"]
        cells: list[Text] = [Text(cell(metrics)) for _label, _key, cell in columns]
        if corrections:
            cells.append(Text(_draft_cell(metrics)))
        if warned:
            cells.append(Text("⚠", style="yellow") if entry.get("warnings") else blank)
        who = str(metrics.get("candidate", ""))
        if metrics.get("candidate_id"):
            who += f" ({metrics['candidate_id']})"
        table.add_row(Text(str(number)), Text(plain_text(who)), *cells)
    console.print(table)
    console.print(Text("Fichiers :"))
    # The lines under the table, each as printed alone (soft wrap: a long line is not cut),
    # in one print: a print costs as much as a short line's rendering (2,000 files: 0.6 s).
    lines: list[Text] = []
    for number, entry in enumerate(entries, start=1):
        line = Text(f"{number:>3}  ")
        line.append(plain_text(entry["file"]))
        lines.append(line)
    failed = sum(1 for e in entries if not e["ok"])
    for entry in entries:
        for warning in entry.get("warnings", ()):
            line = Text("⚠ ", style="yellow")
            line.append(f"{plain_text(Path(entry['file']).name)} : {plain_text(warning)}")
            lines.append(line)
    for entry in entries:
        if not entry["ok"]:
            line = Text("✗ ", style="red")
            line.append(plain_text(entry["error"]))
            lines.append(line)
    if lines:
        console.print(Text("\n").join(lines), highlight=False, soft_wrap=True)
    console.print(Text(f"{len(entries) - failed} notés, {failed} en erreur"))
    warned_count = sum(1 for e in entries if e.get("warnings"))
    if warned_count:
        console.print(Text(f"{warned_count} avec avertissement (⚠)"))


def _fr_number(value: object, fmt: str) -> str:
    """A number with the French decimal comma; — when absent or not finite."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return "—"
    return fmt.format(value).replace(".", ",").replace("%", " %")


def _record_cells(metrics: dict[str, Any]) -> tuple[str, ...]:
    """Date, mode, then duration, error rate, critical errors and verdict of a table row."""
    moment = metrics.get("date")
    day = (
        datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone().strftime("%d/%m")
        if isinstance(moment, str)
        else "—"
    )
    mode = {"exam": "ex.", "practice": "ent."}.get(str(metrics.get("mode")), "—")
    duration = metrics.get("duration_s")
    rate = metrics.get("error_rate")
    critical = metrics.get("critical_errors")
    passed = metrics.get("passed")
    kind = metrics.get("kind", "typing")
    verdict = "—"
    if isinstance(passed, bool):
        verdict = (
            ("réussi" if passed else "échoué")
            if kind == "typing"
            else ("validé" if passed else "non validé")
        )
    return (
        day,
        mode,
        _minutes(duration) if isinstance(duration, int | float) else "—",
        _fr_number(rate, "{:.1%}"),
        str(critical) if isinstance(critical, int) else "—",
        verdict,
    )


def _minutes(seconds: float) -> str:
    """``10:00`` (minutes:seconds)."""
    if not math.isfinite(seconds):
        return "—"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _draft_cell(metrics: dict[str, Any]) -> str:
    """``12/15 +1``: recognition errors fixed out of the draft's, then errors introduced (the
    missed ones are the difference; the table must fit 80 columns)."""
    if "fixed" not in metrics:
        return "—"
    return f"{metrics['fixed']}/{metrics['recognition_errors']} +{metrics['introduced']}"


_CSV_METRICS = (
    "wer",
    "cer",
    "ref_words",
    "hyp_words",
    "hits",
    "substitutions",
    "deletions",
    "insertions",
    "faults",
    "accuracy",
    "gross_wpm",
    "net_wpm",
    "cpm",
    "mots_par_minute",
    "frappes_brutes",
    "frappes_nettes",
    "keystroke_accuracy",
    "mark_20",
    "passed",
    # Correction of a speech-recognition draft (empty for the other kinds).
    "recognition_errors",
    "fixed",
    "missed",
    "introduced",
    "fix_rate",
)


# Columns added for the trainers' sheets (issue 12), before the warnings: date, id, mode…
_CSV_RECORD = (
    "date",
    "candidate_id",
    "mode",
    "duration_s",
    "speed",
    "speed_unit",
    "error_rate",
    "critical_errors",
)
_CSV_HEADERS_FR = {
    "file": "Fichier",
    "ok": "Noté",
    "error": "Erreur",
    "candidate": "Candidat",
    "candidate_id": "Identifiant",
    "date": "Date",
    "time": "Heure",
    "exercise": "Exercice",
    "mode": "Mode",
    "profile": "Profil",
    "duration_s": "Durée (s)",
    "speed": "Vitesse",
    "speed_unit": "Unité",
    "faults": "Fautes",
    "error_rate": "Taux d'erreurs",
    "accuracy": "Précision",
    "mark_20": "Note /20",
    "passed": "Réussi / validé",
    "critical_errors": "Erreurs critiques",
    "wer": "WER",
    "cer": "CER",
    "ref_words": "Mots de la référence",
    "hyp_words": "Mots saisis",
    "hits": "Mots justes",
    "substitutions": "Substitutions",
    "deletions": "Omissions",
    "insertions": "Insertions",
    "gross_wpm": "Mots/min bruts (5 car.)",
    "net_wpm": "Mots/min nets (5 car.)",
    "cpm": "Caractères/min",
    "mots_par_minute": "Mots/min (6 frappes)",
    "frappes_brutes": "Frappes brutes",
    "frappes_nettes": "Frappes nettes",
    "keystroke_accuracy": "Précision des frappes",
    "recognition_errors": "Erreurs du brouillon",
    "fixed": "Corrigées",
    "missed": "Oubliées",
    "introduced": "Introduites",
    "fix_rate": "Taux de correction",
    "warnings": "Avertissements",
}
# The French sheet reads left to right as a trainer does: who, when, what, then the numbers.
_CSV_ORDER_FR = (
    "candidate",
    "candidate_id",
    "date",
    "time",
    "exercise",
    "mode",
    "profile",
    "duration_s",
    "speed",
    "speed_unit",
    "faults",
    "error_rate",
    "accuracy",
    "mark_20",
    "passed",
    "critical_errors",
    *(k for k in _CSV_METRICS if k not in {"faults", "accuracy", "mark_20", "passed"}),
    "ok",
    "error",
    "warnings",
    "file",
)
_MODE_FR = {"exam": "examen", "practice": "entraînement"}


def render_csv(entries: list[dict[str, Any]], style: CsvStyle = "francais") -> str:
    """``francais`` (default): for French Excel — ``;``, decimal comma, UTF-8 BOM, French
    headers, ISO dates. ``international``: today's ``,``/``.`` form, the new columns after."""
    return csv_header(style) + "".join(entry_csv_text(entry, style) for entry in entries)


def csv_header(style: CsvStyle = "francais") -> str:
    """The first line of ``render_csv``'s document (after the BOM of the French style)."""
    if style == "international":
        return _csv_line(_CSV_HEADERS_INTERNATIONAL, ",")
    return "\ufeff" + _csv_line([_CSV_HEADERS_FR[key] for key in _CSV_ORDER_FR], ";")


def entry_csv_text(entry: dict[str, Any], style: CsvStyle = "francais") -> str:
    """One entry's line of ``render_csv`` (a batch's worker processes write them, the parent
    joins them after ``csv_header``: each line is written alone by the same CSV writer)."""
    metrics = entry.get("metrics", {})
    if style == "international":
        return _csv_line(
            [
                _csv_value(entry["file"]),
                entry["ok"],
                _csv_value(entry.get("error", "")),
                _csv_value(metrics.get("candidate", "")),
                _csv_value(metrics.get("exercise", "")),
                _csv_value(metrics.get("profile", "")),
                *[_csv_value(metrics.get(key)) for key in _CSV_METRICS],
                *[_csv_value(metrics.get(key)) for key in _CSV_RECORD],
                _csv_value(" | ".join(entry.get("warnings", ()))),
            ],
            ",",
        )
    row: dict[str, object] = {key: metrics.get(key) for key in _CSV_HEADERS_FR}
    row.update(
        file=entry["file"],
        ok=entry["ok"],
        error=entry.get("error", ""),
        warnings=" | ".join(entry.get("warnings", ())),
    )
    moment = metrics.get("date")
    if isinstance(moment, str):
        local = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone()
        row.update(date=local.date().isoformat(), time=local.strftime("%H:%M"))
    row["mode"] = _MODE_FR.get(str(metrics.get("mode")), metrics.get("mode"))
    cells = {
        key: plain_text(value) if isinstance(value, str) else _finite(value)
        for key, value in row.items()
    }
    return _csv_line([csv_cell(cells.get(key), "francais") for key in _CSV_ORDER_FR], ";")


_CSV_HEADERS_INTERNATIONAL = (
    "file",
    "ok",
    "error",
    "candidate",
    "exercise",
    "profile",
    *_CSV_METRICS,
    *_CSV_RECORD,
    "warnings",
)


def _csv_line(cells: Sequence[object], delimiter: str) -> str:
    """One CSV record, ended by CR LF, its cells quoted as needed."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def _csv_value(value: object) -> object:
    if isinstance(value, float):
        return f"{value:.4f}" if math.isfinite(value) else ""
    if isinstance(value, str):
        return plain_text(value)
    return "" if value is None else value


def json_text(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1)``, about twice as fast on entries,
    except that a float that is not finite is written ``null`` (``NaN`` is not JSON).

    The standard encoder indents in pure Python, one generator per container; for a room's
    entries that costs a fifth of the batch, in the parent process after the workers are done.
    This builds each container with one join; a value it does not know (an int or str
    subclass, a non-string key) sends the whole document to ``json.dumps``.
    """
    try:
        return _encode(value, 0)
    except (_NotPlainJsonError, IndexError, RecursionError):
        return json.dumps(_finite(value), ensure_ascii=False, indent=1)


def entry_json_text(entry: dict[str, Any]) -> str:
    """One entry as ``json_text(entries)`` writes it inside the list (one level deeper).

    A batch's worker processes write their entries with this, so the parent only joins the
    texts (``entries_json_text``): encoding is then spread over the cores, and an entry crosses
    between processes as one string instead of a pickled tree of dicts."""
    try:
        return _encode(entry, 1)
    except (_NotPlainJsonError, IndexError, RecursionError):
        # JSON strings hold no raw line break: every one is followed by the indentation.
        return json.dumps(_finite(entry), ensure_ascii=False, indent=1).replace("\n", "\n ")


def entries_json_text(texts: Sequence[str]) -> str:
    """``json_text(entries)`` from each entry's ``entry_json_text``."""
    if not texts:
        return "[]"
    return "[\n " + ",\n ".join(texts) + "\n]"


def entries_json_bytes(encoded: Sequence[bytes], end: bytes = b"") -> bytes:
    """``entries_json_text`` of texts already encoded (each ``entry_json_text(…).encode()``),
    encoded the same way, followed by ``end``: one join, one copy of the batch's bytes (a
    join of str widens every entry to the widest character of any, then encodes it all
    again; each ``+`` would copy the 14 MB again)."""
    if not encoded:
        return b"[]" + end
    pieces = [b",\n "] * (2 * len(encoded) + 1)
    pieces[0] = b"[\n "
    pieces[1::2] = encoded
    pieces[-1] = b"\n]" + end
    return b"".join(pieces)


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (the rare fallback path)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


class _NotPlainJsonError(Exception):
    """A value that ``json_text`` leaves to ``json.dumps``."""


def _json_float(value: float) -> str:
    if value != value or value in (math.inf, -math.inf):  # noqa: PLR0124 - NaN
        return "null"  # NaN and Infinity are not JSON
    return float.__repr__(value)


_JSON_SCALARS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    int: int.__repr__,
    float: _json_float,
    bool: lambda value: "true" if value else "false",
    type(None): lambda _value: "null",
}
_json_keys: dict[str, str] = {}
# Per depth: after the opening bracket, between items, before the closing bracket.
_JSON_SEPARATORS = [
    ("\n" + " " * (depth + 1), ",\n" + " " * (depth + 1), "\n" + " " * depth) for depth in range(64)
]


def _json_key(key: object) -> str:
    if type(key) is not str:
        raise _NotPlainJsonError
    text = _json_keys.get(key)
    if text is None:
        text = encode_basestring(key) + ": "
        if len(_json_keys) < 1024:
            _json_keys[key] = text
    return text


# An entry's errors (``ScoringError.to_dict``) are most of a batch's output: one format string
# per depth writes one in a single step (the general path below costs three times more).
_ERROR_KEYS = ("op", "class", "ref", "hyp", "ref_span", "hyp_span", "ref_words", "detail")
_error_formats: dict[int, str] = {}


def _error_format(depth: int) -> str:
    found = _error_formats.get(depth)
    if found is None:
        first, between, last = _JSON_SEPARATORS[depth]
        inner_first, inner_between, inner_last = _JSON_SEPARATORS[depth + 1]
        pair = "[" + inner_first + "%d" + inner_between + "%d" + inner_last + "]"
        fields = [f'"{key}": %s' for key in _ERROR_KEYS[:4]]
        fields += [f'"{key}": {pair}' for key in _ERROR_KEYS[4:7]]
        fields.append('"detail": %s')
        found = _error_formats[depth] = "{" + first + between.join(fields) + last + "}"
    return found


def _encode_error(value: dict[Any, Any], depth: int) -> str | None:
    """An error's dict written at ``depth``; None when it is not exactly one (types included).

    The checks are spelt out one by one: this runs for every error of a batch."""
    if tuple(value) != _ERROR_KEYS:
        return None
    op, error_class, ref, hyp, ref_span, hyp_span, ref_words, detail = value.values()
    if (
        type(op) is not str
        or type(error_class) is not str
        or type(ref) is not str
        or type(hyp) is not str
        or type(ref_span) is not list
        or type(hyp_span) is not list
        or type(ref_words) is not list
        or len(ref_span) != 2
        or len(hyp_span) != 2
        or len(ref_words) != 2
    ):
        return None
    ref_start, ref_end = ref_span
    hyp_start, hyp_end = hyp_span
    first_word, last_word = ref_words
    if (
        type(ref_start) is not int
        or type(ref_end) is not int
        or type(hyp_start) is not int
        or type(hyp_end) is not int
        or type(first_word) is not int
        or type(last_word) is not int
    ):
        return None
    if detail is None:
        detail_text = "null"
    elif type(detail) is str:
        detail_text = encode_basestring(detail)
    else:
        return None
    return _error_format(depth) % (
        encode_basestring(op),
        encode_basestring(error_class),
        encode_basestring(ref),
        encode_basestring(hyp),
        ref_start,
        ref_end,
        hyp_start,
        hyp_end,
        first_word,
        last_word,
        detail_text,
    )


# A dict of scalars with the same keys as one seen before (an entry's metrics: 37 of them)
# is written with one format string made that first time (its keys written once).
_flat_layouts: dict[tuple[tuple[object, ...], int], str] = {}
_FLAT_LAYOUTS_KEPT = 64


def _encode(value: object, depth: int) -> str:
    scalar = _JSON_SCALARS.get(type(value))
    if scalar is not None:
        return scalar(value)
    first, between, last = _JSON_SEPARATORS[depth]
    scalars = _JSON_SCALARS.get
    if type(value) is dict:
        if not value:
            return "{}"
        if len(value) == len(_ERROR_KEYS) and depth < len(_JSON_SEPARATORS) - 1:
            text = _encode_error(value, depth)
            if text is not None:
                return text
        keys = tuple(value)
        layout = _flat_layouts.get((keys, depth))
        if layout is not None:
            try:
                return layout % tuple([_JSON_SCALARS[type(item)](item) for item in value.values()])
            except KeyError:
                pass  # a value that is not a scalar this time: the general path below
        items = [
            _json_key(key)
            + (
                scalar(item)
                if (scalar := scalars(type(item))) is not None
                else _encode(item, depth + 1)
            )
            for key, item in value.items()
        ]
        if len(_flat_layouts) < _FLAT_LAYOUTS_KEPT and all(
            type(item) in _JSON_SCALARS for item in value.values()
        ):
            _flat_layouts[keys, depth] = (
                "{"
                + first
                + between.join(_json_key(key).replace("%", "%%") + "%s" for key in keys)
                + last
                + "}"
            )
        return "{" + first + between.join(items) + last + "}"
    if type(value) is list or type(value) is tuple:
        if not value:
            return "[]"
        head = value[0]
        if (
            type(head) is dict
            and len(head) == len(_ERROR_KEYS)
            and depth < len(_JSON_SEPARATORS) - 2
        ):
            # An entry's errors: each written straight away when it is one.
            errors = [
                _encode_error(item, depth + 1) if type(item) is dict else None for item in value
            ]
            if None not in errors:
                return "[" + first + between.join(errors) + last + "]"  # type: ignore[arg-type]
        items = [
            scalar(item)
            if (scalar := scalars(type(item))) is not None
            else _encode(item, depth + 1)
            for item in value
        ]
        return "[" + first + between.join(items) + last + "]"
    raise _NotPlainJsonError
