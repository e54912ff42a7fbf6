"""Rebuilding or completing the history from the result files.

The result files are the source of truth; the history is an index. A row that could not be
added when a test was saved (database locked, read-only, damaged, disk full) is added here
later: ``frappe history reindex [RESULTS_DIR…]`` reads every result file under the folders,
scores it as the save did, and adds the rows the history lacks. Rows already present are left
as they are (their mode included); a file that is not a readable result is reported in one line
and the others go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from frappe.errors import FrappeError
from frappe.exercises.record import Mode
from frappe.exercises.results import score_record
from frappe.runs.verification import centre_rules, read_verified_record
from frappe.storage.history import open_history

__all__ = ["ReindexReport", "reindex_history", "result_files"]

# Practice results go to ``practice/`` inside the results folder (StoragePaths.results_dir_for).
_PRACTICE_DIR = "practice"


@dataclass(slots=True)
class ReindexReport:
    """What a reindex did.

    Attributes:
        added: Result files added to the history.
        present: Result files the history already had.
        problems: One line per file that could not be added.
    """

    added: list[Path] = field(default_factory=list)
    present: int = 0
    problems: list[str] = field(default_factory=list)


def result_files(folders: Iterable[Path]) -> Iterator[Path]:
    """The ``*.json`` files under ``folders`` (recursively, hidden files left out), each once,
    in name order per folder."""
    seen: set[Path] = set()
    for folder in folders:
        candidates = [folder] if folder.is_file() else sorted(folder.rglob("*.json"))
        for path in candidates:
            if any(part.startswith(".") for part in path.relative_to(folder).parts):
                continue
            resolved = path.resolve()
            if resolved in seen or not path.is_file():
                continue
            seen.add(resolved)
            yield path


def _mode_of(path: Path) -> Mode:
    return "practice" if path.parent.name == _PRACTICE_DIR else "exam"


def reindex_history(folders: Iterable[Path], db_path: Path) -> ReindexReport:
    """Add to the history at ``db_path`` the result files under ``folders`` it lacks.

    StorageError when the history cannot be opened at all (a damaged database must be moved
    away first: reindexing into a new one rebuilds it).
    """
    report = ReindexReport()
    rules = centre_rules()  # the same checks as frappe score and the app (catalogue, profile)
    with open_history(db_path) as history:
        known = history.result_paths()
        for path in result_files(folders):
            if str(path.resolve()) in known:
                report.present += 1
                continue
            try:
                record = read_verified_record(path, rules).record
                metrics = score_record(record).metrics_dict()
                history.add(record, metrics, path, mode=_mode_of(path))
            except FrappeError as error:
                report.problems.append(str(error))
                continue
            except (ValueError, ArithmeticError) as error:
                report.problems.append(f"{path} : résultat inutilisable ({error})")
                continue
            report.added.append(path)
    return report
