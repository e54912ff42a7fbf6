"""Printable PDFs (fpdf2, pure Python, installs with pip alone on Windows): the procès-verbal
of a séance and a candidate's attestation. Text is set in DejaVu Sans, bundled in
``frappe/data/fonts`` with its licence, so every French character prints everywhere."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from frappe.errors import FrappeError, ProfileError, os_problem
from frappe.private_files import write_private
from frappe.reports.formatting import (
    KIND_LABELS,
    MODE_LABELS,
    fr_date,
    fr_datetime,
    fr_number,
    fr_percent,
    verdict,
)
from frappe.reports.statistics import class_view, seance_key, seances
from frappe.scoring.profiles import scoring_profile
from frappe.storage.store import Group, StoredResult

__all__ = ["FONT_FAMILY", "attestation_pdf", "proces_verbal_pdf", "write_pdf"]

FONT_FAMILY = "DejaVu"
_INTEGRITY_LABELS = {
    "paste_refused": "collage refusé",
    "paste": "collage",
    "focus_lost": "fenêtre quittée",
    "burst": "rafale",
    "disconnected": "déconnexion",
    "resumed": "reprise",
}


class _Document(FPDF):
    """A4 portrait, DejaVu Sans, page numbers in the footer."""

    def __init__(self, heading: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.heading = heading
        fonts = resources.files("frappe").joinpath("data/fonts")
        with resources.as_file(fonts.joinpath("DejaVuSans.ttf")) as regular:
            self.add_font(FONT_FAMILY, "", str(regular))
        with resources.as_file(fonts.joinpath("DejaVuSans-Bold.ttf")) as bold:
            self.add_font(FONT_FAMILY, "B", str(bold))
        self.set_font(FONT_FAMILY, size=10)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(heading)
        self.set_creator("frappe")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT_FAMILY, size=8)
        self.cell(0, 6, f"{self.heading} — page {self.page_no()}/{{nb}}", align="C")

    def line_text(self, text: str, *, size: float = 10, bold: bool = False, h: float = 6) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.multi_cell(0, h, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def signature_block(self, roles: Sequence[str]) -> None:
        self.ln(6)
        if self.will_page_break(40):
            self.add_page()
        width = (self.epw - 10 * (len(roles) - 1)) / len(roles)
        top = self.get_y()
        for index, role in enumerate(roles):
            x = self.l_margin + index * (width + 10)
            self.set_xy(x, top)
            self.set_font(FONT_FAMILY, "B", 9)
            self.cell(width, 6, role)
            self.set_xy(x, top + 6)
            self.set_font(FONT_FAMILY, "", 8)
            self.cell(width, 5, "Nom, date et signature :")
            self.rect(x, top + 12, width, 24)
        self.set_xy(self.l_margin, top + 40)


def _profile_rules(name: str) -> str:
    try:
        profile = scoring_profile(name)
    except ProfileError:
        return f"profil « {name} » (règles non disponibles sur ce poste)"
    rules = (
        f"profil « {profile.name} » : vitesse en {profile.speed_unit}, "
        f"réussite à {fr_number(profile.pass_min_speed)} {profile.speed_unit} au moins et "
        f"{fr_percent(profile.pass_max_error_rate)} d'erreurs au plus"
    )
    if profile.description:
        rules += f". {profile.description}"
    return rules


def _events(result: StoredResult) -> str:
    return (
        ", ".join(
            f"{_INTEGRITY_LABELS.get(kind, kind)} ×{count}"
            for kind, count in result.integrity_events.items()
        )
        or "—"
    )


def _seance_section(
    pdf: _Document, key: str, rows: Sequence[StoredResult], group: Group | None, centre: str
) -> None:
    pdf.add_page()
    pdf.line_text("Procès-verbal de séance", size=16, bold=True, h=9)
    first = min(rows, key=lambda r: r.started_at)
    kinds = sorted({KIND_LABELS.get(r.kind, r.kind) for r in rows})
    modes = sorted({MODE_LABELS.get(r.mode, r.mode) for r in rows})
    lines = [
        f"Centre : {centre or '—'}",
        f"Séance : {key}",
        f"Date : {fr_date(first.started_at)} (premier départ à "
        f"{first.started_at.astimezone().strftime('%H:%M')})",
        f"Exercice : {first.exercise_id} — {first.exercise_title} ({', '.join(kinds)}, "
        f"{', '.join(modes)})",
        f"Groupe : {group.name}" if group else "Groupe : —",
    ]
    for line in lines:
        pdf.line_text(line)
    for profile in sorted({r.profile for r in rows}):
        pdf.line_text(f"Notation : {_profile_rules(profile)}", size=9, h=5)
    ordered = sorted(rows, key=lambda r: (r.mode, r.candidate_name.casefold()))
    unit = first.speed_unit or "mots/min"
    pdf.line_text(
        f"Vitesses en {unit} ; erreurs : fautes par mot de référence atteint ; Crit. : "
        "erreurs critiques (identité, dates, doses) ; entr. : entraînement.",
        size=8,
        h=5,
    )
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "", 8)
    with pdf.table(
        col_widths=(40, 16, 16, 13, 15, 12, 20, 10, 48),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "RIGHT", "LEFT"),
        line_height=5,
        first_row_as_headings=True,
    ) as table:
        table.row(
            (
                "Candidat",
                "Id",
                "Vitesse",
                "Fautes",
                "Erreurs",
                "Note /20",
                "Résultat",
                "Crit.",
                "Intégrité",
            )
        )
        for result in ordered:
            table.row(
                (
                    result.candidate_name + ("" if result.mode == "exam" else " (entr.)"),
                    result.candidate_id or "—",
                    fr_number(result.speed),
                    fr_number(result.faults),
                    fr_percent(result.error_rate),
                    fr_number(result.mark_20),
                    verdict(result.passed, result.kind),
                    "—" if result.critical_errors is None else str(result.critical_errors),
                    _events(result),
                )
            )
    exams = [r for r in rows if r.mode == "exam"]
    if exams:
        view = class_view(exams, group=None, mode="exam")
        pdf.ln(2)
        if view.speed.count:
            measure = (
                f"vitesse moyenne {fr_number(view.speed.mean)} {unit} "
                f"(médiane {fr_number(view.speed.median)})"
            )
        else:  # dictations have no speed
            measure = (
                f"fautes en moyenne {fr_number(view.faults.mean)} "
                f"(médiane {fr_number(view.faults.median)})"
            )
        pdf.line_text(
            f"Examen : {len(view.present)} candidats, {measure}, "
            f"note moyenne {fr_number(view.mark.mean)}/20, réussite "
            f"{fr_percent(view.pass_rate, 0)} ({view.passed}/{view.graded}).",
            size=9,
            h=5,
        )
    hashes = [(r.candidate_name, r.verification) for r in ordered if r.verification]
    pdf.ln(1)
    if hashes:
        pdf.line_text("Empreintes de vérification (serveur de la salle) :", size=9, bold=True)
        for name, digest in hashes:
            pdf.line_text(f"{name} : {digest}", size=7, h=4)
    else:
        pdf.line_text(
            "Empreinte de vérification : non disponible (résultats d'un poste isolé, pas du "
            "serveur de la salle).",
            size=8,
            h=5,
        )
    pdf.signature_block(("Le formateur / la formatrice", "Le ou la responsable du centre"))


def proces_verbal_pdf(
    results: Sequence[StoredResult], *, group: Group | None = None, centre: str = ""
) -> bytes:
    """The procès-verbal of every séance in ``results``, one section (page) each."""
    pdf = _Document("Procès-verbal")
    by_seance: dict[str, list[StoredResult]] = defaultdict(list)
    for result in results:
        by_seance[seance_key(result)].append(result)
    for key in seances(results):
        _seance_section(pdf, key, by_seance[key], group, centre)
    return bytes(pdf.output())


def attestation_pdf(
    results: Sequence[StoredResult],
    *,
    group: Group | None = None,
    centre: str = "",
    issued: datetime | None = None,
) -> bytes:
    """An attestation of one candidate's exam results (practice is left out)."""
    ordered = sorted(results, key=lambda r: (r.started_at, r.id))
    if not ordered:
        raise FrappeError("aucun résultat : attestation impossible")
    latest = ordered[-1]
    exams = [r for r in ordered if r.mode == "exam"]
    pdf = _Document("Attestation de résultats")
    pdf.add_page()
    pdf.line_text("Attestation de résultats", size=18, bold=True, h=10)
    pdf.ln(4)
    pdf.line_text(f"Centre : {centre or '—'}")
    ident = f" (identifiant {latest.candidate_id})" if latest.candidate_id else ""
    pdf.line_text(f"Candidat : {latest.candidate_name}{ident}", bold=True)
    if group is not None:
        pdf.line_text(f"Groupe : {group.name}")
    pdf.ln(4)
    if not exams:
        pdf.line_text("Aucune épreuve d'examen enregistrée (entraînement seulement).")
    else:
        pdf.line_text(
            f"Le centre atteste que {latest.candidate_name} a passé les épreuves suivantes, "
            "notées par frappe selon le profil indiqué :"
        )
        pdf.ln(2)
        pdf.set_font(FONT_FAMILY, "", 9)
        with pdf.table(
            col_widths=(22, 32, 22, 34, 16, 16, 28),
            text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
            line_height=6,
        ) as table:
            # A dictation has no speed: its faults and critical errors instead.
            table.row(
                ("Date", "Exercice", "Profil", "Vitesse / fautes", "Erreurs", "Note", "Résultat")
            )
            for result in exams:
                if result.speed is not None:
                    measure = f"{fr_number(result.speed)} {result.speed_unit or ''}".strip()
                else:
                    critical = result.critical_errors
                    measure = f"{fr_number(result.faults)} faute(s)" + (
                        f", {critical} crit." if critical else ""
                    )
                table.row(
                    (
                        fr_date(result.started_at),
                        result.exercise_title or result.exercise_id,
                        result.profile,
                        measure,
                        fr_percent(result.error_rate),
                        f"{fr_number(result.mark_20)}/20",
                        verdict(result.passed, result.kind),
                    )
                )
        best = max(exams, key=lambda r: (r.mark_20 or 0.0, r.started_at))
        pdf.ln(3)
        pdf.line_text(
            f"Meilleur résultat : {fr_number(best.mark_20)}/20 le {fr_date(best.started_at)} "
            f"({best.exercise_id}, {verdict(best.passed, best.kind)}).",
            bold=True,
        )
    moment = issued or datetime.now(UTC)
    pdf.ln(4)
    pdf.line_text(f"Fait le {fr_datetime(moment)[:10]}, pour servir et valoir ce que de droit.")
    pdf.signature_block(("Le formateur / la formatrice", "Cachet du centre"))
    return bytes(pdf.output())


def write_pdf(data: bytes, path: Path) -> Path:
    """Write PDF bytes (FrappeError when the file cannot be written)."""
    try:
        write_private(path, data)  # atomic, 0600 whatever the umask: names and marks
    except OSError as error:
        raise FrappeError(f"{path} : PDF impossible à écrire ({os_problem(error)})") from error
    return path
