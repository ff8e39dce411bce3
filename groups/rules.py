"""The rule of a dynamic group: conditions on the organization's attributes, all or any of them met.

Stored in ``Group.rule`` as JSON::

    {"match": "all", "conditions": [
        {"attribute": 12, "name": "Department", "type": "string", "operator": "equals", "value": "Finance"},
        {"attribute": 14, "name": "Grade", "type": "number", "operator": "between", "value": 3, "to": 5}]}

Values are canonical for the attribute's type (``attributes.types``), parsed when the rule is
saved. Each condition remembers the attribute's name and type as they were then: an attribute
removed since, or given another type, leaves the rule *broken*. A broken rule is kept as it was
written and says why, and the group's members stay as they are until it is fixed: emptying a
group because someone removed an attribute would lose a membership list nobody can get back.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from attributes import types
from attributes.conditions import value_condition
from attributes.models import AttributeDefinition

ALL, ANY = "all", "any"
MATCHES = {ALL: "all of these conditions", ANY: "any of these conditions"}

# Per attribute type, the operators a condition may use and how the editor names them.
OPERATORS: dict[str, dict[str, str]] = {
    "string": {"equals": "is", "contains": "contains"},
    "number": {"equals": "equals", "between": "is between"},
    "boolean": {"is": "is"},
    "datetime": {"on": "is on", "between": "is between"},
}
# What each operator asks of a value, in ``attributes.conditions``' terms.
_RANGES = {"between", "on"}

MAX_CONDITIONS = 20


class RuleProblem(ValueError):
    """Raised with a message for the person when a rule cannot be saved as written."""


@dataclass(frozen=True)
class Condition:
    attribute_id: int
    name: str
    value_type: str
    operator: str
    value: Any = None
    # The end of a "between": either end may be left open, not both.
    to: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "attribute": self.attribute_id,
            "name": self.name,
            "type": self.value_type,
            "operator": self.operator,
            "value": self.value,
            "to": self.to,
        }

    @property
    def key(self) -> str:
        return f"a{self.attribute_id}"

    def problem(self, definitions: dict[int, AttributeDefinition]) -> str | None:
        """Why the condition no longer means what it said (None while it does)."""
        definition = definitions.get(self.attribute_id)
        if definition is None:
            return f"The attribute {self.name} was removed."
        if definition.value_type != self.value_type:
            now = types.TYPES[definition.value_type].LABEL
            return f"{definition.name} is now a {now} attribute; this condition was written for {self._type_label}."
        return None

    @property
    def _type_label(self) -> str:
        module = types.TYPES.get(self.value_type)
        return module.LABEL if module else self.value_type

    def parts(self) -> list[tuple[str, Any]]:
        """The condition in ``attributes.conditions``' terms: (condition, value) pairs, all to be met."""
        if self.operator == "on":
            return [("min", self.value), ("max", self.value)]
        if self.operator == "between":
            return [(c, v) for c, v in (("min", self.value), ("max", self.to)) if v is not None]
        return [("contains" if self.operator == "contains" else "equals", self.value)]

    def q(self) -> Q:
        q = Q()
        for condition, value in self.parts():
            q &= value_condition(key=self.key, value_type=self.value_type, condition=condition, value=value)
        return q

    def matches(self, values: dict) -> bool:
        stored = values.get(self.key)
        return all(types.matches(self.value_type, stored, condition, value) for condition, value in self.parts())

    def describe(self, name: str | None = None) -> str:
        """ "Department is Finance", "Grade is between 3 and 5"."""
        name = name or self.name
        operator = OPERATORS.get(self.value_type, {}).get(self.operator, self.operator)
        shown = types.format_value(self.value_type, self.value) if self.value is not None else ""
        if self.operator == "between":
            end = types.format_value(self.value_type, self.to) if self.to is not None else ""
            if not shown:
                return f"{name} is at most {end}"
            if not end:
                return f"{name} is at least {shown}"
            return f"{name} {operator} {shown} and {end}"
        return f"{name} {operator} {shown}"


@dataclass(frozen=True)
class Rule:
    match: str = ALL
    conditions: tuple[Condition, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Rule":
        return cls(
            match=data.get("match", ALL),
            conditions=tuple(
                Condition(
                    attribute_id=c["attribute"],
                    name=c.get("name", ""),
                    value_type=c["type"],
                    operator=c["operator"],
                    value=c.get("value"),
                    to=c.get("to"),
                )
                for c in data.get("conditions", [])
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {"match": self.match, "conditions": [c.to_json() for c in self.conditions]}

    def problems(self, definitions: dict[int, AttributeDefinition]) -> list[str]:
        """Why the rule is broken (nothing while it is whole)."""
        if not self.conditions:
            # Met by everyone, vacuously: a group of the whole organization nobody asked for.
            return ["The rule has no conditions."]
        return [problem for c in self.conditions if (problem := c.problem(definitions))]

    def q(self) -> Q:
        """The organization users the rule matches (to be narrowed to one organization by the caller)."""
        combined = Q()
        for condition in self.conditions:
            combined = combined & condition.q() if self.match == ALL else combined | condition.q()
        return combined

    def matches(self, values: dict) -> bool:
        """The rule over one person's stored values, in Python: the same answer as ``q``."""
        results = (condition.matches(values) for condition in self.conditions)
        return all(results) if self.match == ALL else any(results)

    def describe(self, definitions: dict[int, AttributeDefinition] | None = None) -> list[str]:
        """One line per condition, naming each attribute as it is called now."""
        definitions = definitions or {}
        return [
            c.describe(definitions[c.attribute_id].name if c.attribute_id in definitions else None)
            for c in self.conditions
        ]


@dataclass(frozen=True)
class ConditionInput:
    """A condition as the editor's form gives it: the attribute's id, an operator and typed text."""

    attribute_id: int | None
    operator: str
    value: str = ""
    to: str = ""


def parse_rule(
    *, match: str, inputs: list[ConditionInput], definitions: dict[int, AttributeDefinition], date_order: str
) -> Rule:
    """The rule written in the editor, its values parsed by their attributes' types.

    Raises ``RuleProblem`` naming every condition that cannot be read, numbered as the editor shows them.
    """
    if match not in MATCHES:
        raise RuleProblem("Choose whether people must meet all of the conditions or any of them.")
    if not inputs:
        raise RuleProblem("A rule needs at least one condition.")
    if len(inputs) > MAX_CONDITIONS:
        raise RuleProblem(f"A rule has at most {MAX_CONDITIONS} conditions.")
    context = types.ParseContext(date_order=date_order)
    conditions, problems = [], []
    for number, given in enumerate(inputs, start=1):
        try:
            conditions.append(_parse_condition(given, definitions, context))
        except RuleProblem as problem:
            problems.append(f"Condition {number}: {problem}")
    if problems:
        raise RuleProblem(" ".join(problems))
    return Rule(match=match, conditions=tuple(conditions))


def _parse_condition(
    given: ConditionInput, definitions: dict[int, AttributeDefinition], context: types.ParseContext
) -> Condition:
    definition = definitions.get(given.attribute_id) if given.attribute_id is not None else None
    if definition is None:
        raise RuleProblem("choose one of the organization's attributes.")
    operators = OPERATORS[definition.value_type]
    if given.operator not in operators:
        offered = " or ".join(f"“{label}”" for label in operators.values())
        raise RuleProblem(f"{definition.name} can be compared with {offered}.")
    value = _parse_value(definition, given.value, context)
    to = _parse_value(definition, given.to, context) if given.operator == "between" else None
    if given.operator == "on" and value is not None:
        value = value[:10]  # a day: its time, if one was written, would only cut the day short
    if given.operator == "between":
        if value is None and to is None:
            raise RuleProblem(f"give {definition.name} a first value, a last value or both.")
        if value is not None and to is not None and value > to:
            raise RuleProblem(f"the first value of {definition.name} comes after the last one.")
    elif value is None:
        raise RuleProblem(f"give {definition.name} a value to compare with.")
    return Condition(
        attribute_id=definition.pk,
        name=definition.name,
        value_type=definition.value_type,
        operator=given.operator,
        value=value,
        to=to,
    )


def _parse_value(definition: AttributeDefinition, text: str, context: types.ParseContext):
    try:
        return types.parse(definition.value_type, text, context=context)
    except types.InvalidValue as error:
        raise RuleProblem(f"“{text.strip()}” {error}.") from None
