"""The GraphQL documents of the views that are benchmarked, and tested (tests/read_graph): one
definition, so the figures are of the queries the tests prove correct.

The plan's selection is generated from the schema: every part of a HOKS, with every field
(statuses included), so "the whole plan" keeps meaning that as the schema grows.
"""

from __future__ import annotations

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLType,
    GraphQLUnionType,
    is_required_argument,
)

from hoks_gateway.graphql.schema import schema

# Edges out of the plan that the views ask for explicitly (or not at all): not part of the plan.
_NOT_CONTENT = frozenset(
    {
        "learner",
        "studyRight",
        "organisation",
        "revisions",
        "revisionByNumber",
        "approvalHistory",
        "ehoksDocument",
        "parent",
        "children",
    }
)


def _unwrap(t: GraphQLType) -> GraphQLType:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def selection(type_name: str) -> str:
    """`{ every field }` of an object type, recursively, leaving out edges to other entities."""
    found = schema._schema.get_type(type_name)
    assert isinstance(found, GraphQLObjectType), type_name
    return _object(found)


def _object(t: GraphQLObjectType) -> str:
    fields = []
    for name, f in t.fields.items():
        if name in _NOT_CONTENT or any(is_required_argument(a) for a in f.args.values()):
            continue
        inner = _unwrap(f.type)
        if isinstance(inner, GraphQLObjectType):
            fields.append(f"{name} {_object(inner)}")
        elif isinstance(inner, GraphQLUnionType):
            members = " ".join(f"... on {m.name} {_object(m)}" for m in inner.types)
            fields.append(f"{name} {{ __typename {members} }}")
        else:
            fields.append(name)
    return "{ " + " ".join(fields) + " }"


PLAN = selection("Hoks").removesuffix(" }") + " organisation { oid name { fi sv } } }"

_STUDY_RIGHT = """
  oid kind status startedOn endedOn plannedEndOn transferRequired
  qualification { code nameFi }
  oppilaitos { oid name { fi sv } }
  koulutustoimija { oid name { fi sv } }
"""

LEARNER_VIEW = f"""
query LearnerView {{
  me {{
    kind
    learner {{
      oid firstNames callingName surname
      studyRights {{ {_STUDY_RIGHT} hoks {PLAN} }}
    }}
  }}
}}
"""
"""The learner's own view (ehoks-ui §2.4–2.6): every study right with its whole plan."""

LEARNER_BY_OID = f"""
query LearnerByOid($oid: ID!) {{
  learner(oid: $oid) {{
    oid firstNames callingName surname
    studyRights {{ {_STUDY_RIGHT} hoks {PLAN} }}
  }}
}}
"""
"""A learner looked up by staff or an administrator: every study right with its whole plan."""

ORGANISATION = """
query Organisation($oid: ID!) {
  organisation(oid: $oid) { oid name { fi sv } }
}
"""
"""One organisation by its OID: public data, no token needed (bench.side_by_side's smallest view)."""

STAFF_LIST = f"""
query StudentList($org: ID, $search: String, $order: LearnerOrder, $first: Int, $after: String) {{
  learners(organisationOid: $org, search: $search, orderBy: $order, first: $first, after: $after) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{
      cursor
      node {{ oid firstNames surname }}
      studyRights {{
        {_STUDY_RIGHT}
        hoks {{ id firstApprovedOn updatedAt source progress {{ planned scheduled completed total }} }}
      }}
    }}
  }}
}}
"""
"""A page of the staff student list (ehoks-ui §3.3): each row's study rights and plan summary."""

PLAN_DETAIL = f"""
query PlanDetail($id: ID!) {{
  hoks(id: $id) {{
    learner {{ oid firstNames surname }}
    studyRight {{ {_STUDY_RIGHT} }}
    {PLAN.removeprefix("{ ").removesuffix(" }")}
  }}
}}
"""
"""The staff HOKS view (ehoks-ui §3.5): the whole plan with its learner and study right."""

STATISTICS = """
query Statistics {
  transferStatistics {
    hoksCount learnerCount providersTotal providersStarted
    byProvider { provider { oid name { fi } } hoksCount studyRightCount started }
    byMonth { month hoksCount cumulativeHoksCount providersStarted }
  }
}
"""
"""The rollout figures: plans, providers started of all, per provider and per month."""
