"""Compiled execution of read operations (docs/performance.md, "Compiled execution").

graphql-core interprets an operation field by field: for every field of every object it builds
a resolve info, coerces arguments, calls strawberry's resolver wrapper and completes the value,
and every async field becomes an awaitable of its own. A whole plan is ~460 fields, a staff list
page ~1,500, so that interpretation, not the database, was most of a read's cost.

Here a query is compiled once per document (and per value of the variables its `@skip` and
`@include` read) into plans: per object type and selection, the list of fields with how each one
gets its value (an attribute, a plain function, a batched loader edge, or strawberry's resolver)
and how it is completed (scalar serialisation, enums, lists, nested objects). The plans run level
by level: all objects at one depth of the response are resolved together, so each loader is
asked once per level with every key of that level, and plain fields cost an attribute read and a
serialisation, nothing more.

The result is the one graphql-core would give, byte for byte: the same values, null propagation
and error paths (tests/graph/test_compiled_execution.py runs every view and random selections
through both). Mutations, subscriptions and anything unsupported stay with graphql-core.
"""
