"""What a trainee's past sessions say: weakest keys, slowest bigrams, missed words; and the
practice texts built from them (random passage, missed words). Pure: no Textual, no I/O."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from frappe.exercises.key_errors import KeyErrors, judged_inserts, weakest_keys
from frappe.exercises.record import ResultRecord
from frappe.exercises.texts import Text
from frappe.scoring.classify import ScoringError

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


def slowest_bigrams(
    records: Sequence[ResultRecord], *, top: int = 8, min_count: int = 3
) -> list[BigramTime]:
    """Pairs of correct consecutive characters typed with the longest interval."""
    times: dict[str, list[int]] = defaultdict(list)
    for record in records:
        previous: tuple[int, int, str] | None = None
        for t_ms, pos, char, _expected, key_right, judged in judged_inserts(record):
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
