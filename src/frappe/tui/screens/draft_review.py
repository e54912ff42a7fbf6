"""The trainer's review of a speech-recognition draft: the text to correct beside the recognised
words, each playable from its time, doubtful words highlighted; accepted, the text becomes the
exercise's ``reference.txt``.

The edits are saved to ``draft.review.txt`` every few seconds and when the screen closes, so
leaving (or a crash) loses at most that much; ``draft.txt`` (the raw draft, also used by the
trainee correction exercise) is never written here, and ``reference.txt`` only on
« Accepter comme référence » after a confirmation. Works without the ``asr`` extra: only
``timings.json`` is read.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TextArea
from textual.widgets.text_area import Selection

from frappe.asr.transcribe import DraftWord, read_timings
from frappe.errors import FrappeError
from frappe.exercises.dictations import Dictation
from frappe.exercises.playback import PlaybackCommand
from frappe.exercises.timings import TIMINGS_FILE, PassageFinder, WordTiming
from frappe.runs.authoring import (
    REVIEW_FILE,
    accept_reference,
    discard_review,
    is_user_exercise,
    missing_keys,
    normalise_reference,
    review_text,
    save_review,
)
from frappe.tui.config import DictationOptions
from frappe.tui.dialogs.confirm import ConfirmScreen
from frappe.tui.playback.hotkeys import HOTKEYS
from frappe.tui.widgets.trainer.player import PlayerLine

__all__ = ["DOUBTFUL", "LOW_CONFIDENCE", "DraftReviewScreen", "confidence_style"]

# Whisper's word probability (mean of its tokens) is a rough guide. Measured with the packaged
# base model on d08 (150 words, 22 of them misrecognised): below 0.5 flags 12 % of the words
# and catches 3 of the 22 errors; below 0.7 flags a third of the words and catches 14. So two
# tiers: below 0.5 almost always worth a listen (strong highlight), 0.5–0.7 doubtful (light
# highlight); Ctrl+N goes through both. Numbers and medical terms are often below 0.7 even when
# right: a highlight means « listen », not « wrong ».
LOW_CONFIDENCE = 0.5
DOUBTFUL = 0.7
# Played before a chosen word (Whisper's word starts are often a little late), seconds.
WORD_LEAD_S = 0.5
WORD_TAIL_S = 0.4
AUTOSAVE_S = 2.0

_ORIGINS = {
    "review": "Relecture en cours reprise (sauvegardée dans " + REVIEW_FILE + ")",
    "draft": "Brouillon de la reconnaissance vocale : corrigez-le en écoutant",
    "reference": "Pas de brouillon : la référence actuelle est affichée",
    "empty": "Pas de brouillon : générez-le depuis la liste (g) ou tapez le texte",
}


def confidence_style(probability: float) -> str:
    """Rich style of a recognised word by confidence (empty: no highlight)."""
    if probability < LOW_CONFIDENCE:
        return "bold white on dark_red"
    if probability < DOUBTFUL:
        return "black on yellow"
    return ""


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}.{int((seconds - whole) * 10)}"


def _index(text: str, location: tuple[int, int]) -> int:
    """Offset in ``text`` of a (row, column) editor location."""
    row, column = location
    start = 0
    for _ in range(row):
        newline = text.find("\n", start)
        if newline < 0:
            return len(text)
        start = newline + 1
    return min(len(text), start + column)


def _location(text: str, index: int) -> tuple[int, int]:
    """(row, column) editor location of an offset in ``text``."""
    return text.count("\n", 0, index), index - (text.rfind("\n", 0, index) + 1)


def _player_bindings() -> list[Binding]:
    """The dictation hotkeys, but « finish » (nothing to hand in here)."""
    shown = {"play_pause", "back", "forward"}
    return [
        Binding(
            h.keys,
            f"player('{h.action}')",
            h.label,
            show=h.action in shown,
            priority=True,
            id=h.id,
        )
        for h in HOTKEYS
        if h.action != "finish"
    ]


class DraftReviewScreen(Screen[bool]):
    """Review one exercise's draft; dismisses with True once the reference is accepted."""

    DEFAULT_CSS = """
    #review-body { height: 1fr; }
    #review-editor { width: 2fr; height: 100%; }
    #review-words { width: 1fr; min-width: 30; height: 100%; }
    """
    # The editor, not the first focusable widget (the word table), takes the focus when the
    # screen starts: focus() in on_mount is deferred and raced the screen's own auto-focus.
    AUTO_FOCUS = "#review-editor"
    BINDINGS: ClassVar[list[BindingType]] = [
        *_player_bindings(),
        Binding("ctrl+s", "accept", "Accepter comme référence", priority=True, id="review.accept"),
        Binding("ctrl+l", "listen_here", "Écouter ici", priority=True, id="review.listen"),
        Binding("ctrl+n", "next_doubt", "Mot douteux suivant", priority=True, id="review.next"),
        Binding("ctrl+r", "restart", "Repartir du brouillon", priority=True, id="review.restart"),
        Binding("ctrl+t", "close", "Fermer", priority=True, id="review.close"),
    ]

    def __init__(self, dictation: Dictation, options: DictationOptions | None = None) -> None:
        super().__init__()
        self.dictation = dictation
        self.options = options or DictationOptions()
        self.read_only = not is_user_exercise(dictation)
        start = review_text(dictation)
        self.origin = start.origin
        self._saved_text = start.text
        self.words: tuple[DraftWord, ...] = ()
        self.timings_problem = ""
        try:
            self.words = read_timings(dictation.folder / TIMINGS_FILE).words
        except FrappeError as error:
            self.timings_problem = str(error)
        self.doubtful = [i for i, w in enumerate(self.words) if w.probability < DOUBTFUL]
        self.editor = TextArea(
            start.text, soft_wrap=True, read_only=self.read_only, id="review-editor"
        )
        self.player_line = PlayerLine(dictation.audio, self.options.players(), id="review-player")
        self._finder: tuple[str, PassageFinder] | None = None
        self.accepted = False

    def compose(self) -> ComposeResult:
        state = " (dictée livrée : lecture seule)" if self.read_only else ""
        yield Static(
            f"Relecture — {self.dictation.id} — {self.dictation.title}{state}",
            id="review-title",
            markup=False,
        )
        yield self.player_line
        with Horizontal(id="review-body"):
            yield self.editor
            yield DataTable(id="review-words", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#review-words", DataTable)
        table.add_columns("Temps", "Mot", "Conf.")
        for index, word in enumerate(self.words):
            style = confidence_style(word.probability)
            table.add_row(
                _clock(word.start_s),
                Text(word.text, style=style),
                Text(f"{round(word.probability * 100)} %", style=style),
                key=str(index),
            )
        if self.timings_problem:
            self.player_line.show_notice(
                "Pas de minutage des mots (générez le brouillon) — Échap lit l'audio", "warning"
            )
        else:
            doubts = f" · {len(self.doubtful)} mots douteux (Ctrl+N)" if self.doubtful else ""
            self.player_line.show_notice(_ORIGINS[self.origin] + doubts)
        self.editor.focus()
        if not self.read_only:
            self.set_interval(AUTOSAVE_S, self.autosave)

    def on_unmount(self) -> None:
        self.autosave()

    # -- saving ------------------------------------------------------------------------------

    def _base_text(self) -> str:
        """The text the review started from, without the work in progress."""
        return review_text(self.dictation, include_review=False).text

    def autosave(self) -> bool:
        """Keep the edited text in ``draft.review.txt`` when it changed (True when written);
        the same text as the draft needs no side file."""
        if self.read_only or self.accepted:
            return False
        text = self.editor.text
        if text == self._saved_text:
            return False
        try:
            if text == self._base_text():
                discard_review(self.dictation)
            else:
                save_review(self.dictation, text)
        except FrappeError as error:
            self.player_line.show_notice(str(error), "error")
            return False
        self._saved_text = text
        return True

    # -- listening ---------------------------------------------------------------------------

    def action_player(self, action: PlaybackCommand) -> None:
        self.player_line.run(action)

    def _passages(self) -> PassageFinder | None:
        """The alignment of the edited text with the recognised words (redone after edits)."""
        if not self.words:
            return None
        text = self.editor.text
        if self._finder is None or self._finder[0] != text:
            timings = tuple(WordTiming(w.text, w.start_s, w.end_s) for w in self.words)
            self._finder = (text, PassageFinder(text, timings))
        return self._finder[1]

    def _select_word_in_text(self, index: int) -> None:
        passages = self._passages()
        span = passages.text_span(index) if passages is not None else None
        if span is None:
            return
        text = self.editor.text
        self.editor.selection = Selection(_location(text, span[0]), _location(text, span[1]))
        self.editor.scroll_cursor_visible()

    def play_word(self, index: int, *, passage: bool = False) -> None:
        """Play from just before recognised word ``index`` (only that word with ``passage``);
        its place in the text is selected."""
        word = self.words[index]
        self._select_word_in_text(index)
        end = word.end_s + WORD_TAIL_S if passage else None
        self.player_line.play_from(max(0.0, word.start_s - WORD_LEAD_S), end)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.words):
            self.play_word(event.cursor_row)

    def action_listen_here(self) -> None:
        """Play the selected text, or the word at the cursor."""
        passages = self._passages()
        if passages is None:
            self.player_line.show_notice(
                "Pas de minutage : impossible de situer le texte", "warning"
            )
            return
        text = self.editor.text
        selection = self.editor.selection
        first, second = sorted((_index(text, selection.start), _index(text, selection.end)))
        if first == second:
            while first > 0 and not text[first - 1].isspace():
                first -= 1
            while second < len(text) and not text[second].isspace():
                second += 1
        passage = passages.passage(first, second)
        if passage is None:
            self.player_line.show_notice("Passage introuvable dans l'enregistrement", "warning")
            return
        self.player_line.play_from(*passage)

    def action_next_doubt(self) -> None:
        """Go to the next doubtful word: selected in the list and the text, and played."""
        if not self.doubtful:
            self.player_line.show_notice("Aucun mot douteux")
            return
        table = self.query_one("#review-words", DataTable)
        current = table.cursor_row if table.row_count else -1
        following = [i for i in self.doubtful if i > current]
        index = following[0] if following else self.doubtful[0]
        table.move_cursor(row=index)
        self.play_word(index, passage=True)

    # -- accepting ---------------------------------------------------------------------------

    def action_accept(self) -> None:
        if self.read_only:
            self.player_line.show_notice(
                "Dictée livrée avec frappe : sa référence ne se modifie pas ici", "warning"
            )
            return
        try:
            normalise_reference(self.editor.text)
        except FrappeError as error:
            self.player_line.show_notice(str(error), "error")
            return
        question = f"Enregistrer ce texte comme référence de « {self.dictation.title} » ?"
        if self.dictation.reference.is_file():
            question += (
                "\nLa référence actuelle sera remplacée (copie gardée dans reference.txt.bak)."
            )
        question += "\nLes stagiaires seront notés sur ce texte."
        missing = missing_keys(self.dictation, self.editor.text)
        if missing:
            shown = ", ".join(missing[:4]) + (" …" if len(missing) > 4 else "")
            question += (
                f"\n⚠ Absent du texte, donc jamais vérifié : {shown} — corrigez le texte ou "
                "exercise.toml."
            )

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._accept()
            else:
                self.editor.focus()

        self.app.push_screen(
            ConfirmScreen(question, confirm="Accepter", cancel="Continuer la relecture"), answered
        )

    def _accept(self) -> None:
        try:
            accepted = accept_reference(self.dictation, self.editor.text)
        except FrappeError as error:
            self.player_line.show_notice(str(error), "error")
            return
        self.accepted = True
        saved = f"Référence enregistrée : {accepted.path}"
        if accepted.backup is not None:
            saved += f"\n(ancienne référence : {accepted.backup.name})"
        self.app.notify(saved, title="Référence acceptée")
        self.dismiss(True)

    def action_restart(self) -> None:
        if self.read_only:
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                discard_review(self.dictation)
                base = self._base_text()
                self.editor.load_text(base)
                self._saved_text = base
                self.player_line.show_notice("Texte repris du brouillon")
            self.editor.focus()

        self.app.push_screen(
            ConfirmScreen(
                "Repartir du brouillon de la reconnaissance vocale ?\n"
                "Les corrections de cette relecture seront perdues.",
                confirm="Repartir",
                cancel="Garder mes corrections",
            ),
            answered,
        )

    def action_close(self) -> None:
        if self.autosave():
            self.app.notify(
                f"Relecture gardée dans {REVIEW_FILE} : reprise à la prochaine ouverture.",
                title="Relecture",
            )
        self.dismiss(False)
