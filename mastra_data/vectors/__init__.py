"""Vector store support: the Mongo-style metadata filter language (:mod:`mastra_data.vectors.filters`)."""

from mastra_data.vectors.filters import Filter, compile_filter, matches, parse_filter

__all__ = ("Filter", "compile_filter", "matches", "parse_filter")
