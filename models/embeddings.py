"""The word-embedding model the judge uses to match answers by meaning.

WordLlama's ``l2_supercat`` table (256 dimensions, 32,000 tokens, 16 MB, MIT) ships inside the
``wordllama`` wheel. Its own loader looks for the tokenizer under a folder name that does not
exist and then goes to the network, so the files are read here by explicit path, after their
SHA-256 is checked against the pinned values. The ``wordllama`` package is never imported.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from threadpoolctl import threadpool_limits

from models.registry import ModelError, package_dir
from questions.meaning import Meaning, StaticEmbedder


@dataclass(frozen=True)
class EmbeddingSpec:
    name: str
    package: str  # import name of the package that carries the files
    weights: str  # package-relative path of the safetensors table
    weights_sha256: str
    tokenizer: str  # package-relative path of the tokenizers JSON
    tokenizer_sha256: str
    tensor: str = "embedding.weight"


WORDLLAMA = EmbeddingSpec(
    name="wordllama-l2-supercat-256",
    package="wordllama",
    weights="weights/l2_supercat_256.safetensors",
    weights_sha256="64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5",
    tokenizer="tokenizers/l2_supercat_tokenizer_config.json",
    tokenizer_sha256="93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68",
)


def load_meaning(spec: EmbeddingSpec = WORDLLAMA) -> Meaning:
    """The meaning judge, from the verified files of ``spec``; ``ModelError`` if they are
    missing or altered."""
    return Meaning(load_embedder(spec))


def load_embedder(spec: EmbeddingSpec = WORDLLAMA, root: Path | None = None) -> StaticEmbedder:
    """The embedding table and tokenizer from ``root`` (default: the installed package)."""
    from safetensors.numpy import load
    from tokenizers import Tokenizer

    root = root or package_dir(spec.package)
    fix = f"reinstall it with: pip install --force-reinstall {spec.package}"
    if root is None:
        raise ModelError(
            "the word-embedding model is not installed; "
            f"install it with: pip install {spec.package}"
        )
    weights = _verified(root / spec.weights, spec.weights_sha256, fix)
    tokenizer_json = _verified(root / spec.tokenizer, spec.tokenizer_sha256, fix)
    try:
        table = load(weights)[spec.tensor]
        tokenizer = Tokenizer.from_str(tokenizer_json.decode("utf-8"))
    except Exception as exc:  # the hash matched, so this is a library mismatch
        raise ModelError(f"cannot load the word-embedding model ({exc}); {fix}") from None

    # The judge multiplies small matrices (a few hundred rows). OpenBLAS hands those to all
    # cores, and on a busy machine (Whisper decoding beside it) waiting for the other threads
    # costs 30x the work itself: 16 ms instead of 0.5 ms. numpy's BLAS only; Whisper runs on
    # its own OpenMP pool.
    threadpool_limits(limits=1, user_api="blas")

    def encode(word: str) -> list[int]:
        return list(tokenizer.encode(" " + word, add_special_tokens=False).ids)

    return StaticEmbedder(table, encode, spec.name)  # float16: looked up once per word


def _verified(path: Path, sha256: str, fix: str) -> bytes:
    """The file's bytes, read once and hashed from memory (it is small)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(
            f"word-embedding model: cannot read {path} ({exc.strerror}); {fix}"
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ModelError(
            f"word-embedding model refused: {path} has SHA-256 {actual[:16]}..., expected "
            f"{sha256[:16]}...; the file was altered or damaged: {fix}"
        )
    return data
