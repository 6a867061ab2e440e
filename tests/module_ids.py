"""Module-ids in eHOKS documents, for tests: where they are, and a document without them."""

from __future__ import annotations

from typing import Any


def module_ids(node: Any, path: str = "") -> dict[str, str]:
    """Each module-id, by the path of the object that carries it."""
    found: dict[str, str] = {}
    if isinstance(node, dict):
        if "module-id" in node:
            found[path] = node["module-id"]
        for key, value in node.items():
            found |= module_ids(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found |= module_ids(value, f"{path}[{index}]")
    return found


def without_module_ids(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: without_module_ids(v) for k, v in node.items() if k != "module-id"}
    if isinstance(node, list):
        return [without_module_ids(v) for v in node]
    return node
