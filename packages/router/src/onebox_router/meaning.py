"""What a question is about, as a vector: an offline word-embedding model for cache matching.

The model is WordLlama's ``l2_supercat`` at 256 dimensions: one vector per token of the
Llama 2 tokenizer, trained so that the average of a sentence's token vectors places
paraphrases close together. Its weights (16 MB) and tokenizer ship inside the ``wordllama``
wheel; `load_meaning` reads those two files from the installed package and nothing else (no
download code runs, no cache directory is written). A message's vector is the normalised
average of the token vectors of its *content words* (`onebox_router.paraphrase`'s words, with
greetings, pronouns and other generic words left out, phrases folded onto their concept), so
"hi! could you tell me..." weighs nothing and "notes and coins" reads as cash.

Static word vectors know that "mats" and "provided" go with "bring my own mat", but they also
put "Saturday" next to "Sunday" and "card" next to "cash": a cosine never decides a reuse on
its own. Callers use it only where every slot already agrees (`onebox_router.anchor`).

When the wheel, ``numpy`` or ``tokenizers`` is missing or the files cannot be read,
`load_meaning` returns None and the cache matches on its rules alone.
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from .paraphrase import content_words

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vector = npt.NDArray[np.float32]
else:
    Vector = Any

log = structlog.get_logger(__name__)

#: The wheel's files (``<package>/weights/...``, ``<package>/tokenizers/...``).
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
#: How many texts' vectors are remembered (customers repeat short questions).
MEMO_SIZE = 4096


class Meaning:
    """Unit vectors of texts from a token-vector table (see the module docstring).

    Args:
        table: one row per token id (any float dtype; rows are averaged in float32).
        encode: the token ids of a text.
    """

    def __init__(self, table: Any, encode: Any) -> None:
        import numpy as np

        self._np = np
        self._table = table
        self._encode = encode
        self._memo: dict[str, Vector | None] = {}
        self._lock = threading.Lock()

    @property
    def dimensions(self) -> int:
        """The length of a vector."""
        return int(self._table.shape[1])

    def vector(self, text: str) -> Vector | None:
        """The unit vector of `text`'s content words, or None when it has none."""
        with self._lock:
            if text in self._memo:
                return self._memo[text]
        found = self._vector(text)
        with self._lock:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[text] = found
        return found

    def _vector(self, text: str) -> Vector | None:
        words = content_words(text)
        if not words:
            return None
        ids = [i for i in self._encode(" ".join(words)) if 0 <= i < self._table.shape[0]]
        if not ids:
            return None
        mean = self._table[ids].astype(self._np.float32).mean(axis=0)
        norm = float(self._np.linalg.norm(mean))
        if norm == 0.0:
            return None
        vector: Vector = mean / norm
        return vector

    def cosine(self, a: Vector, b: Vector) -> float:
        """The cosine of two unit vectors."""
        return float(self._np.dot(a, b))


def package_dir() -> Path | None:
    """The installed ``wordllama`` package's folder, found without importing it."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


@functools.lru_cache(maxsize=4)
def load_meaning(folder: Path | None = None) -> Meaning | None:
    """The model from the installed wheel (or from `folder`, laid out as the wheel is), loaded
    once per process; None, with a warning logged, when it cannot be loaded.

    Reads the two files with ``safetensors`` and ``tokenizers``; importing ``wordllama``
    itself is not needed (and would configure the root logger as a side effect).
    """
    try:
        folder = folder or package_dir()
        if folder is None:
            raise FileNotFoundError("the wordllama package is not installed")
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        table = load_file(str(folder / WEIGHTS))["embedding.weight"]
        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
        if len(table.shape) != 2 or table.shape[0] < tokenizer.get_vocab_size():
            raise ValueError("the weights do not fit the tokenizer")
    except Exception as exc:  # noqa: BLE001 - any reason (missing, unreadable, another version)
        log.warning("router.meaning_unavailable", error=type(exc).__name__)
        return None

    def encode(text: str) -> list[int]:
        return list(tokenizer.encode(text, add_special_tokens=False).ids)

    return Meaning(table, encode)
