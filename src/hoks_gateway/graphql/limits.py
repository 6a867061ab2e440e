"""Abuse limits, checked before a single resolver runs (docs/reference/reliability-security.md §1).

The parser stops at `max_tokens`; then one linear walk over each operation, with every fragment
measured once however often it is spread, finds its depth, aliases, directives, field selections
and cost, and checks each `first` against the page-size cap. Within all of those, one more pass
counts the pairs of selections the standard field-merging rule must compare (graphql/
field_merges.py). Only if all pass does graphql-core's own validation run, so a hostile document
costs a walk, not the standard rules' work on 10,000 aliases or 1,240 repeats of one field.

Cost estimates the fields a query may resolve: each field costs 1 plus its selections' cost times
its list size: its `first` argument (literal or variable), else `default_page_size` for a paged
field, else `default_list_size` for a list. A leaf of a large type costs its size class instead
of 1 (`SIZE_CLASSES`: a whole eHOKS document). Nothing is exempt by operation or fragment name
(the armor cost-limit bypass).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    parse,
    specified_rules,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef
from strawberry.extensions import SchemaExtension

from hoks_gateway.errors import BadUserInput, GatewayError
from hoks_gateway.graphql.document_cache import VerdictKey, caches_for, limit_value
from hoks_gateway.graphql.field_merges import merge_pairs
from hoks_gateway.graphql.masking import request_error
from hoks_gateway.settings import Settings

PAGE_ARGUMENTS = ("first", "last")
SIZE_CLASSES: Mapping[str, int] = {"JSON": 250}
"""What a leaf of a type costs, in fields: an eHOKS document (`ehoksDocument`, JSON) is about
10 KB of the answer on average, where an ordinary field is about 40 bytes."""
_SATURATED = 10**12  # counts stop growing here: a fragment bomb must not make giant integers


class QueryTooDeep(GatewayError):
    code = "QUERY_TOO_DEEP"
    status = 400


class TooManyAliases(GatewayError):
    code = "TOO_MANY_ALIASES"
    status = 400


class TooManyDirectives(GatewayError):
    code = "TOO_MANY_DIRECTIVES"
    status = 400


class TooManyTokens(GatewayError):
    code = "TOO_MANY_TOKENS"
    status = 400


class TooManyFields(GatewayError):
    code = "TOO_MANY_FIELDS"
    status = 400


class TooManyFieldMerges(GatewayError):
    code = "TOO_MANY_FIELD_MERGES"
    status = 400


class QueryTooCostly(GatewayError):
    code = "QUERY_TOO_COSTLY"
    status = 400


class IntrospectionDisabled(GatewayError):
    code = "INTROSPECTION_DISABLED"
    status = 400


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = _default("max_depth")
    max_aliases: int = _default("max_aliases")
    max_directives: int = _default("max_directives")
    max_tokens: int = _default("max_tokens")
    max_fields: int = _default("max_fields")
    max_field_merges: int = _default("max_field_merges")
    max_cost: int = _default("max_cost")
    max_page_size: int = _default("max_page_size")
    default_page_size: int = _default("default_page_size")
    default_list_size: int = _default("default_list_size")
    introspection: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_depth=settings.max_depth,
            max_aliases=settings.max_aliases,
            max_directives=settings.max_directives,
            max_tokens=settings.max_tokens,
            max_fields=settings.max_fields,
            max_field_merges=settings.max_field_merges,
            max_cost=settings.max_cost,
            max_page_size=settings.max_page_size,
            default_page_size=settings.default_page_size,
            default_list_size=settings.default_list_size,
            introspection=settings.introspection_enabled,
        )


@dataclass(frozen=True, slots=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    directives: int = 0
    cost: int = 0
    fields: int = 0
    """Field selections, each fragment's counted wherever it is spread."""

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            max(self.depth, other.depth),
            min(self.aliases + other.aliases, _SATURATED),
            min(self.directives + other.directives, _SATURATED),
            min(self.cost + other.cost, _SATURATED),
            min(self.fields + other.fields, _SATURATED),
        )


_NOTHING = Measure()


class _Walk:
    """Measures one document; fragments are measured once and memoised."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
        limits: Limits,
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.limits = limits
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, Measure] = {}
        self.in_progress: set[str] = set()
        self.page_errors: list[GatewayError] = []
        self.variables_read: set[str] = set()
        """The variables whose values the measure depends on (page sizes given as variables)."""

    def operation(self, operation: OperationDefinitionNode) -> Measure:
        root = {
            OperationType.QUERY: self.schema.query_type,
            OperationType.MUTATION: self.schema.mutation_type,
            OperationType.SUBSCRIPTION: self.schema.subscription_type,
        }[operation.operation]
        own = Measure(directives=len(operation.directives or ()))
        return own + self.selections(operation.selection_set, root, 0)

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None, depth: int
    ) -> Measure:
        total = _NOTHING
        if selection_set is None:
            return total
        for selection in selection_set.selections:
            directives = Measure(directives=len(selection.directives or ()))
            if isinstance(selection, FieldNode):
                total += directives + self.field(selection, parent, depth)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += directives + self.selections(selection.selection_set, inner, depth)
            elif isinstance(selection, FragmentSpreadNode):
                total += directives + self.spread(selection.name.value, depth)
        return total

    def spread(self, name: str, depth: int) -> Measure:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.in_progress:
            # Unknown fragments and cycles are the standard rules' to report.
            return _NOTHING
        if name not in self.measured:
            self.in_progress.add(name)
            condition = self.schema.get_type(fragment.type_condition.name.value)
            own = Measure(directives=len(fragment.directives or ()))
            # Measured from depth 0: its depth is relative, added where it is spread.
            self.measured[name] = own + self.selections(fragment.selection_set, condition, 0)
            self.in_progress.discard(name)
        inner = self.measured[name]
        return dataclasses.replace(inner, depth=inner.depth + depth if inner.depth else 0)

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, depth: int) -> Measure:
        depth += 1
        definition = _field_definition(self.schema, parent, node.name.value)
        aliases = 1 if node.alias is not None else 0
        if depth > self.limits.max_depth:
            # Deep enough to refuse: stop here, so a 10,000-deep document costs no recursion.
            return Measure(depth, aliases, 0, 1, 1)
        child_type: GraphQLNamedType | None = None
        size = 1
        if definition is not None:
            child_type = get_named_type(definition.type)
            size = self.list_size(node, definition)
        inner = self.selections(node.selection_set, child_type, depth)
        # A leaf costs its size class (a whole eHOKS document is one value, hundreds of fields' bytes).
        own = (
            SIZE_CLASSES.get(child_type.name, 1)
            if child_type is not None and node.selection_set is None
            else 1
        )
        return Measure(
            max(depth, inner.depth),
            min(aliases + inner.aliases, _SATURATED),
            inner.directives,
            min(own + size * inner.cost, _SATURATED),
            min(1 + inner.fields, _SATURATED),
        )

    def list_size(self, node: FieldNode, definition: GraphQLField) -> int:
        for argument in node.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value = self.int_value(argument.value)
            if value is None:
                continue
            if value > self.limits.max_page_size:
                self.page_errors.append(
                    BadUserInput(
                        f"`{argument.name.value}` on `{node.name.value}` may be at most "
                        f"{self.limits.max_page_size}; got {value}. Page through the rest with `after`."
                    )
                )
            return max(value, 0)
        for name in PAGE_ARGUMENTS:
            argument_definition = definition.args.get(name)
            if argument_definition is not None:
                default = argument_definition.default_value
                return default if _is_int(default) else self.limits.default_page_size
        if _is_list(definition.type):
            return self.limits.default_list_size
        return 1

    def int_value(self, value: object) -> int | None:
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            self.variables_read.add(value.name.value)
            return limit_value(self.variables.get(value.name.value))
        return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_list(type_: GraphQLOutputType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _field_definition(
    schema: GraphQLSchema, parent: GraphQLNamedType | None, name: str
) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if parent is schema.query_type and name == "__schema":
        return SchemaMetaFieldDef
    if parent is schema.query_type and name == "__type":
        return TypeMetaFieldDef
    fields = getattr(parent, "fields", None)
    return fields.get(name) if isinstance(fields, Mapping) else None


def check_document(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None, limits: Limits
) -> list[GatewayError]:
    """Every limit the document breaks, each as an error that names the limit."""
    return _check(_Walk(schema, document, variables or {}, limits), document, limits)


def _check(walk: _Walk, document: DocumentNode, limits: Limits) -> list[GatewayError]:
    errors: list[GatewayError] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        measure = walk.operation(definition)
        name = f"Operation {definition.name.value!r}" if definition.name else "The operation"
        if measure.depth > limits.max_depth:
            errors.append(QueryTooDeep(f"{name} nests fields deeper than the limit of {limits.max_depth}."))
        if measure.aliases > limits.max_aliases:
            errors.append(
                TooManyAliases(
                    f"{name} uses {_count(measure.aliases)} aliases (fragments included); "
                    f"the limit is {limits.max_aliases}."
                )
            )
        if measure.directives > limits.max_directives:
            errors.append(
                TooManyDirectives(
                    f"{name} uses {_count(measure.directives)} directives (fragments included); "
                    f"the limit is {limits.max_directives}."
                )
            )
        if measure.fields > limits.max_fields:
            errors.append(
                TooManyFields(
                    f"{name} selects {_count(measure.fields)} fields (fragments counted where they are "
                    f"spread); the limit is {limits.max_fields}."
                )
            )
        # A `first` over the cap is the precise complaint; the cost it inflates would only echo it.
        if measure.depth <= limits.max_depth and measure.cost > limits.max_cost and not walk.page_errors:
            errors.append(
                QueryTooCostly(
                    f"{name} may resolve about {_count(measure.cost)} fields; the limit is "
                    f"{limits.max_cost}. Ask for smaller pages (`first`) or fewer nested lists.",
                    cost=measure.cost,
                )
            )
    errors = _unique(walk.page_errors) + errors
    # Counted only within every limit above: `max_fields` bounds the count's own work.
    return errors or _merge_errors(walk, document, limits)


def _merge_errors(walk: _Walk, document: DocumentNode, limits: Limits) -> list[GatewayError]:
    errors: list[GatewayError] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        pairs = merge_pairs(definition, walk.fragments)
        if pairs is not None and pairs > limits.max_field_merges:
            name = f"Operation {definition.name.value!r}" if definition.name else "The operation"
            errors.append(
                TooManyFieldMerges(
                    f"{name} repeats fields: {pairs:,} pairs of selections answer the same response "
                    f"key and must be compared; the limit is {limits.max_field_merges}. Select each "
                    "field once per selection set.",
                    pairs=pairs,
                )
            )
    return errors


def _count(n: int) -> str:
    return f"more than {_SATURATED:,}" if n >= _SATURATED else f"{n:,}"


def _unique(errors: Sequence[GatewayError]) -> list[GatewayError]:
    seen: dict[str, GatewayError] = {}
    for error in errors:
        seen.setdefault(error.message, error)
    return list(seen.values())


def measure(schema: GraphQLSchema, document: DocumentNode, limits: Limits = Limits()) -> Measure:
    """The measure of the document's costliest operation (bench and tests print it)."""
    walk = _Walk(schema, document, {}, limits)
    found = [walk.operation(d) for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return max(found, key=lambda m: m.cost, default=_NOTHING)


_PARSER_GAVE_UP = "Syntax Error: Document contains more than"

# graphql-core's lexer costs ~10 µs a token in Python; this C-speed count (~0.2 µs) turns a token
# flood away before it. It approximates GraphQL's lexical grammar; the parser's count is final.
_LEXEME = re.compile(
    r'(?P<comment>#[^\n\r]*)|"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|\.\.\.'
    r"|-?\d[\w.+-]*|[_A-Za-z]\w*|[!$&():=@\[\]{|}]"
)


def exceeds_tokens(query: str, limit: int) -> bool:
    counted = (m for m in _LEXEME.finditer(query) if m.lastgroup != "comment")
    return sum(1 for _ in islice(counted, limit + 1)) > limit


class _NoIntrospection(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule, with the gateway's code on its error."""

    reported = False

    def report_error(self, error: GraphQLError) -> None:
        if self.reported:  # every introspection field below the first would repeat it
            return
        self.reported = True
        refusal = IntrospectionDisabled("Introspection is disabled on this gateway.")
        super().report_error(GraphQLError(refusal.message, nodes=error.nodes, extensions=refusal.extensions))


STANDARD_RULES: tuple[type[ASTValidationRule], ...] = tuple(specified_rules)
"""The rules strawberry validates with unless told otherwise."""


def validation_rules(
    limits: Limits, rules: tuple[type[ASTValidationRule], ...] = STANDARD_RULES
) -> tuple[type[ASTValidationRule], ...]:
    """The rules a document is validated with under `limits`: introspection refused when off."""
    return rules if limits.introspection else (*rules, _NoIntrospection)


# Without an HTTP request the caller is the gateway's own code (schema export, tests).
_IN_PROCESS = Limits(introspection=True)


class GatewayLimits(SchemaExtension):
    """Applies the request's Limits, which the app builds from its settings."""

    def limits(self) -> Limits:
        request = getattr(self.execution_context.context, "request", None)
        found = getattr(getattr(getattr(request, "app", None), "state", None), "limits", None)
        return found if isinstance(found, Limits) else _IN_PROCESS

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            limits = self.limits()
            too_many = request_error(
                TooManyTokens(f"The document has more than the limit of {limits.max_tokens} tokens.")
            )
            if exceeds_tokens(context.query, limits.max_tokens):
                self._remember(context.query, limits, [too_many])
                raise too_many
            try:
                context.graphql_document = parse(context.query, max_tokens=limits.max_tokens)
            except GraphQLSyntaxError as error:
                if error.message.startswith(_PARSER_GAVE_UP):
                    self._remember(context.query, limits, [too_many])
                    raise too_many from None
                # Other syntax errors are left for strawberry's parse, which reports them.
        yield

    def _remember(self, query: str, limits: Limits, errors: list[GraphQLError]) -> None:
        caches = caches_for(self)
        if caches is not None:
            caches.refuse(caches.walked(query, limits, (), {}), errors)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        limits = self.limits()
        document = context.graphql_document
        key: VerdictKey | None = None
        if document is not None and context.pre_execution_errors is None:
            errors, key = self._check(document, limits)
            if errors:
                # Refused before the standard rules ever see the document.
                context.pre_execution_errors = errors
                key = None
            else:
                context.validation_rules = validation_rules(limits, context.validation_rules)
        yield
        caches = caches_for(self)
        if key is not None and caches is not None and context.pre_execution_errors:
            # The standard rules' verdict depends on the text and the rules (the limits decide
            # them) alone.
            caches.refuse(key, context.pre_execution_errors)

    def _check(self, document: DocumentNode, limits: Limits) -> tuple[list[GraphQLError], VerdictKey | None]:
        """check_document, remembering its verdict, and the key of the verdicts on this text.

        The walk's verdict depends on the document, the limits and the values of the variables it
        read (page sizes), nothing else; so a text is not walked again for the same values of
        those variables, and a text refused is refused again before it is parsed
        (document_cache.py).
        """
        context = self.execution_context
        variables = context.variables or {}
        caches = caches_for(self)
        query = context.query
        if caches is None or not query:
            errors = check_document(context.schema._schema, document, variables, limits)
            return [request_error(e) for e in errors], None
        key = caches.verdict_key(query, limits, variables)
        if key is not None and caches.within_limits.get(key):
            return [], key
        walk = _Walk(context.schema._schema, document, variables, limits)
        refused = [request_error(e) for e in _check(walk, document, limits)]
        key = caches.walked(query, limits, sorted(walk.variables_read), variables)
        if refused:
            caches.refuse(key, refused)
        else:
            caches.within_limits.put(key, True)
        return refused, key
