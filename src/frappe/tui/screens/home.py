"""The home screen: admission test, practice, dictation (to come), results."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

__all__ = ["HomeScreen"]

TITLE_ART = "frappe — tests de frappe et transcription"


def _menu() -> list[Option]:
    return [
        Option("Test d'admission  (a)", id="exam"),
        Option("Entraînement  (e)", id="practice"),
        Option("Dictée (transcription audio)  (d)", id="dictation"),
        Option("Résultats et historique  (r)", id="results"),
        Option("Formateur : brouillons et références  (f)", id="trainer"),
        Option("Tableaux de suivi : classes et candidats  (s)", id="suivi"),
        Option("Réglages : sortie audio et pédale  (o)", id="settings"),
        Option("Quitter  (ctrl+q)", id="quit"),
    ]


class HomeScreen(Screen[None]):
    """The menu. Choosing an entry posts ``HomeScreen.Chosen`` to the app."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "choose('exam')", "Test d'admission", id="home.exam"),
        Binding("e", "choose('practice')", "Entraînement", id="home.practice"),
        Binding("d", "choose('dictation')", "Dictée", id="home.dictation"),
        Binding("r", "choose('results')", "Résultats", id="home.results"),
        Binding("f", "choose('trainer')", "Formateur", id="home.trainer"),
        Binding("s", "choose('suivi')", "Suivi", id="home.suivi"),
        Binding("o", "choose('settings')", "Réglages", id="home.settings", show=False),
        Binding("j", "choose('seance')", "Rejoindre la séance", id="home.seance", show=False),
        Binding("t", "choose('dashboard')", "Tableau de bord", id="home.dashboard", show=False),
    ]

    class Chosen(Message):
        """An entry of the menu was chosen."""

        def __init__(self, choice: str) -> None:
            super().__init__()
            self.choice = choice

    def compose(self) -> ComposeResult:
        with Vertical(id="home"):
            yield Static(TITLE_ART, id="home-title")
            yield Static(
                "Secrétaire assistant médico-social — test de frappe dactylographique",
                id="home-subtitle",
            )
            room = Static("", id="home-room", markup=False)
            room.display = False  # a lone PC: no room line
            yield room
            yield OptionList(*_menu(), id="home-menu")
        yield Footer()

    def show_room(
        self,
        seances: list[tuple[str, str]],
        resumes: list[tuple[int, str]],
        *,
        dashboard: bool,
        status: str = "",
    ) -> None:
        """The room's entries on top of the menu (a seat): open séances (« Séance en cours :
        … — Rejoindre »), attempts to resume here, and the trainer's dashboard; ``status``
        says whether the room server answers."""
        line = self.query_one("#home-room", Static)
        line.update(status)
        line.display = bool(status)
        menu = self.query_one("#home-menu", OptionList)
        highlighted = menu.highlighted_option.id if menu.highlighted_option else None
        room = [Option(label, id=f"seance:{ident}") for ident, label in seances]
        room += [Option(label, id=f"resume:{attempt}") for attempt, label in resumes]
        if dashboard:
            room.append(Option("Salle : tableau de bord du formateur  (t)", id="dashboard"))
        options = [*room, *_menu()]
        before = {menu.get_option_at_index(i).id for i in range(menu.option_count)}
        menu.clear_options()
        menu.add_options(options)
        ids = [option.id for option in options]
        # Something new in the room (a séance opened, an attempt to resume): show it first.
        if any(option.id not in before for option in room) or highlighted not in ids:
            menu.highlighted = 0
        else:
            menu.highlighted = ids.index(highlighted)

    def on_mount(self) -> None:
        self.query_one("#home-menu", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(event.option.id))

    def action_choose(self, choice: str) -> None:
        self.post_message(self.Chosen(choice))
