"""`python -m hoks_gateway.graphql.export`: print the schema SDL that schema.graphql holds."""

from __future__ import annotations

from hoks_gateway.graphql.schema import schema


def sdl() -> str:
    return schema.as_str() + "\n"


if __name__ == "__main__":
    print(sdl(), end="")
