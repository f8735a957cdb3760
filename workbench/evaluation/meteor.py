"""METEOR offline: NLTK's ``meteor_score`` on WordNet from Debian, AVeriTeC's question metric.

NLTK's downloader cannot reach its server here, but Debian packages WordNet 3.0
(``wordnet-base`` and ``wordnet-sense-index`` install it under ``/usr/share/wordnet``). On first
use the database is copied into an NLTK data folder as ``corpora/wordnet/`` together with the
one file Debian leaves out, ``lexnames``, generated from WordNet's documented table below.
The folder lives under the user cache (``platformdirs``) or ``$WORKBENCH_NLTK_DATA``.

Tokenisation follows AVeriTeC (``nltk.word_tokenize``) with ``preserve_line=True``, which skips
the Punkt sentence splitter (its model is another download). For one-sentence questions the
tokens are the same, except that a full stop inside the text stays attached to its word.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench.core.errors import ConfigError

WORDNET_SOURCE = Path("/usr/share/wordnet")
DEBIAN_PACKAGES = ("wordnet-base", "wordnet-sense-index")
NLTK_DATA_ENV = "WORKBENCH_NLTK_DATA"

# Files NLTK's WordNet reader opens; all come from the two Debian packages.
REQUIRED_FILES = (
    tuple(f"{kind}.{pos}" for kind in ("index", "data") for pos in ("noun", "verb", "adj", "adv"))
    + tuple(f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv"))
    + ("index.sense",)
)

# WordNet 3.0's lexicographer files (lexnames(5WN)): number, name, syntactic category
# (1 noun, 2 verb, 3 adjective, 4 adverb).
LEXICOGRAPHER_FILES: tuple[tuple[str, int], ...] = (
    ("adj.all", 3),
    ("adj.pert", 3),
    ("adv.all", 4),
    ("noun.Tops", 1),
    ("noun.act", 1),
    ("noun.animal", 1),
    ("noun.artifact", 1),
    ("noun.attribute", 1),
    ("noun.body", 1),
    ("noun.cognition", 1),
    ("noun.communication", 1),
    ("noun.event", 1),
    ("noun.feeling", 1),
    ("noun.food", 1),
    ("noun.group", 1),
    ("noun.location", 1),
    ("noun.motive", 1),
    ("noun.object", 1),
    ("noun.person", 1),
    ("noun.phenomenon", 1),
    ("noun.plant", 1),
    ("noun.possession", 1),
    ("noun.process", 1),
    ("noun.quantity", 1),
    ("noun.relation", 1),
    ("noun.shape", 1),
    ("noun.state", 1),
    ("noun.substance", 1),
    ("noun.time", 1),
    ("verb.body", 2),
    ("verb.change", 2),
    ("verb.cognition", 2),
    ("verb.communication", 2),
    ("verb.competition", 2),
    ("verb.consumption", 2),
    ("verb.contact", 2),
    ("verb.creation", 2),
    ("verb.emotion", 2),
    ("verb.motion", 2),
    ("verb.perception", 2),
    ("verb.possession", 2),
    ("verb.social", 2),
    ("verb.stative", 2),
    ("verb.weather", 2),
    ("adj.ppl", 3),
)


def lexnames_text() -> str:
    """The ``lexnames`` file: one ``NN<TAB>name<TAB>category`` line per lexicographer file."""
    return "".join(
        f"{number:02d}\t{name}\t{category}\n"
        for number, (name, category) in enumerate(LEXICOGRAPHER_FILES)
    )


def nltk_data_dir() -> Path:
    """The NLTK data folder the workbench owns: ``$WORKBENCH_NLTK_DATA`` or the user cache."""
    configured = os.environ.get(NLTK_DATA_ENV)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("claimcheck-workbench")) / "nltk_data"


def _is_complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in (*REQUIRED_FILES, "lexnames"))


def ensure_wordnet(data_dir: Path | None = None, source: Path = WORDNET_SOURCE) -> Path:
    """Make ``corpora/wordnet`` under the NLTK data folder on first use; return its path.

    The copy is built in a temporary folder and renamed into place, so a concurrent run never
    sees half a database. Raises ``ConfigError`` when the Debian packages are missing or the
    folder cannot be written.
    """
    target = (data_dir or nltk_data_dir()) / "corpora" / "wordnet"
    if _is_complete(target):
        return target
    missing = [name for name in REQUIRED_FILES if not (source / name).is_file()]
    if missing:
        raise ConfigError(
            f"METEOR needs WordNet, which is not at {source} (missing {missing[0]}): install "
            f"the Debian packages {' and '.join(DEBIAN_PACKAGES)} "
            f"(apt-get install -y {' '.join(DEBIAN_PACKAGES)})"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".wordnet-", dir=target.parent))
        try:
            for file in sorted(source.iterdir()):
                if file.is_file():
                    shutil.copyfile(file, staging / file.name)
            (staging / "lexnames").write_text(lexnames_text(), encoding="ascii")
            if target.exists():  # an incomplete copy from an interrupted run
                shutil.rmtree(target)
            staging.rename(target)
        except OSError:
            if not _is_complete(target):  # not a concurrent run that won the rename
                raise
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    except OSError as err:
        raise ConfigError(
            f"cannot prepare WordNet for METEOR in {target.parent} ({err.strerror or err}); "
            f"set {NLTK_DATA_ENV} to a writable folder"
        ) from None
    return target


@lru_cache(maxsize=4)
def _wordnet_reader(data_dir: str) -> Any:
    import nltk.data
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    folder = ensure_wordnet(Path(data_dir))
    # NLTK (3.9+) opens corpus files only under a folder of nltk.data.path, so the folder must be
    # registered there: the one global change this module makes, and only by adding a path.
    if data_dir not in nltk.data.path:
        nltk.data.path.insert(0, data_dir)
    with warnings.catch_warnings():  # "multilingual functions are not available": none needed
        warnings.simplefilter("ignore", UserWarning)
        return WordNetCorpusReader(str(folder), None)


def meteor_tokens(text: str) -> list[str]:
    """AVeriTeC's tokenisation (``word_tokenize``) without the Punkt download."""
    from nltk.tokenize import word_tokenize

    return word_tokenize(text, preserve_line=True)


def meteor_score(hypothesis: str, reference: str) -> float:
    """METEOR (NLTK defaults: alpha 0.9, beta 3, gamma 0.5) of ``hypothesis`` against ``reference``.

    Exact, Porter-stem and WordNet-synonym matches, lower-cased. Returns a value in [0, 1].
    """
    from nltk.translate.meteor_score import single_meteor_score

    wordnet = _wordnet_reader(str(nltk_data_dir()))
    return float(
        single_meteor_score(meteor_tokens(reference), meteor_tokens(hypothesis), wordnet=wordnet)
    )
