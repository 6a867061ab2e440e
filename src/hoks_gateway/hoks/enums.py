"""GraphQL enums of plans shared by the plan and its revisions."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="How the plan reached the gateway.")
class HoksSource(Enum):
    TRANSFER = strawberry.enum_value("TRANSFER", description="Siirto: transferred by a provider's system.")
    MANUAL = strawberry.enum_value("MANUAL", description="Manuaalisyöttö: entered by hand by staff.")


@strawberry.enum(description="What an accepted write did to a plan.")
class HoksOperation(Enum):
    CREATE = strawberry.enum_value("CREATE", description="Luonti: the plan was created (POST).")
    UPDATE = strawberry.enum_value("UPDATE", description="Päivitys: top-level fields changed (PATCH).")
    REPLACE = strawberry.enum_value("REPLACE", description="Korvaus: the whole plan replaced (PUT).")
    DELETE = strawberry.enum_value("DELETE", description="Poisto: soft-deleted (shallow delete).")
    RESTORE = strawberry.enum_value("RESTORE", description="Palautus: a soft delete undone.")
