"""Chinese text processing for search: normalisation, segmentation, index and query tokens."""

from search.text.normalize import normalize
from search.text.segment import Segmenter, get_segmenter
from search.text.tokens import index_tokens, query_tokens


def preload() -> None:
    """Load the segmenter and the converter now (call at start-up, not on the first request)."""
    get_segmenter()
    normalize("預熱")


__all__ = ["Segmenter", "get_segmenter", "index_tokens", "normalize", "preload", "query_tokens"]
