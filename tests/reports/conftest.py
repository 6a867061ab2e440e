from __future__ import annotations

from tests.read_graph.conftest import ask, factory

__all__ = ["ask", "factory"]
