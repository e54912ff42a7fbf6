"""What a trainee's past sessions say: weakest keys, slowest bigrams, missed words; and the
practice texts built from them (random passage, missed words). Pure: no Textual, no I/O."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from frappe.exercises.record import ResultRecord
from frappe.exercises.texts import Text
from frappe.scoring.classify import ScoringError
from frappe.scoring.keystrokes import JudgedKey, judge_keystrokes

__all__ = [
    "BigramTime",
    "KeyErrors",
    "missed_words",
    "missed_words_text",
    "random_passage",
    "slowest_bigrams",
    "weakest_keys",
]

_PAUSE_MS = 2000  # a longer gap is a pause, not the time of a bigram


@dataclass(frozen=True, slots=True)
class KeyErrors:
    """How often a character was mistyped.

    Attributes:
        char: The expected character.
        attempts: Times it was expected and a key was pressed.
        errors: Times another character was typed instead.
    """

    char: str
    attempts: int
    errors: int

    @property
    def rate(self) -> float:
        """errors / attempts."""
        return self.errors / self.attempts if self.attempts else 0.0


@dataclass(frozen=True, slots=True)
class BigramTime:
    """Mean time to type the second character of a pair after the first.

    Attributes:
        bigram: The two characters.
        mean_ms: Mean interval in milliseconds.
        count: Intervals measured.
    """

    bigram: str
    mean_ms: float
    count: int


def _judged_inserts(record: ResultRecord) -> Iterator[JudgedKey]:
    """Each character typed, judged word by word as the keystroke accuracy judges it."""
    fold = record.settings.profile.normalization.translation()
    return judge_keystrokes(record.keystrokes, record.reference, fold)


def weakest_keys(
    records: Sequence[ResultRecord], *, top: int = 8, min_attempts: int = 3
) -> list[KeyErrors]:
    """Characters most often mistyped: each key judged as the keystroke accuracy judges it
    (the character of the word being typed at its current length), over every time that
    character was expected (corrected mistakes count too)."""
    attempts: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for record in records:
        for key in _judged_inserts(record):
            if key.expected is None:
                continue
            attempts[key.expected] += 1
            if not key.right:
                errors[key.expected] += 1
    found = [
        KeyErrors(char, attempts[char], errors[char])
        for char in attempts
        if attempts[char] >= min_attempts and errors[char]
    ]
    found.sort(key=lambda k: (-k.rate, -k.errors, k.char))
    return found[:top]


def slowest_bigrams(
    records: Sequence[ResultRecord], *, top: int = 8, min_count: int = 3
) -> list[BigramTime]:
    """Pairs of correct consecutive characters typed with the longest interval."""
    times: dict[str, list[int]] = defaultdict(list)
    for record in records:
        previous: tuple[int, int, str] | None = None
        for t_ms, pos, char, _expected, key_right, judged in _judged_inserts(record):
            right = key_right and judged
            if (
                right
                and previous is not None
                and previous[1] == pos - 1
                and 0 < t_ms - previous[0] <= _PAUSE_MS
            ):
                pair = previous[2] + char
                if "\n" not in pair and not pair.isspace():
                    times[pair].append(t_ms - previous[0])
            previous = (t_ms, pos, char) if right else None
    found = [
        BigramTime(pair, sum(values) / len(values), len(values))
        for pair, values in times.items()
        if len(values) >= min_count
    ]
    found.sort(key=lambda b: (-b.mean_ms, b.bigram))
    return found[:top]


def missed_words(
    errors_per_session: Iterable[Sequence[ScoringError]], *, limit: int = 30
) -> list[str]:
    """Reference words typed wrong or skipped in the given sessions, most frequent first."""
    counts: Counter[str] = Counter()
    for errors in errors_per_session:
        for error in errors:
            if error.op == "insertion":
                continue
            for word in error.ref.split():
                cleaned = word.strip(".,;:!?()«»\"'’")
                if len(cleaned) >= 2:
                    counts[cleaned] += 1
    return [word for word, _count in counts.most_common(limit)]


def missed_words_text(
    words: Sequence[str], *, min_chars: int = 300, seed: int | None = None
) -> Text:
    """A practice text repeating the missed words in a shuffled order."""
    if not words:
        raise ValueError("aucun mot manqué")
    rng = random.Random(seed)
    out: list[str] = []
    length = 0
    while length < min_chars:
        batch = list(words)
        rng.shuffle(batch)
        for word in batch:
            out.append(word)
            length += len(word) + 1
    return Text(
        id="mots-manques",
        title="Mots manqués",
        level=0,
        theme="entraînement",
        body=" ".join(out),
    )


def random_passage(texts: Sequence[Text], *, min_chars: int = 500, seed: int | None = None) -> Text:
    """A run of consecutive paragraphs of a random text, at least ``min_chars`` long."""
    if not texts:
        raise ValueError("aucun texte")
    rng = random.Random(seed)
    text = rng.choice(list(texts))
    paragraphs = [p for p in text.body.split("\n\n") if p.strip()]
    start = rng.randrange(len(paragraphs))
    chosen: list[str] = []
    index = start
    while index < len(paragraphs) and sum(len(p) + 2 for p in chosen) < min_chars:
        chosen.append(paragraphs[index])
        index += 1
    while start > 0 and sum(len(p) + 2 for p in chosen) < min_chars:
        start -= 1
        chosen.insert(0, paragraphs[start])
    return Text(
        id=f"{text.id}-extrait",
        title=f"{text.title} (extrait)",
        level=text.level,
        theme=text.theme,
        body="\n\n".join(chosen),
        author=text.author,
        licence=text.licence,
    )
