"""Rules of dynamic groups: values read as the attribute reads them, SQL agreeing with Python."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups import rules, selectors
from groups.rules import ALL, ANY, Condition, ConditionInput, Rule, RuleProblem, parse_rule
from users.models import OrganizationUser

from ..factories import AttributeDefinitionFactory, OrganizationUserFactory


@pytest.fixture
def attributes(organization):
    return {
        value_type: AttributeDefinitionFactory(organization=organization, name=name, value_type=value_type)
        for value_type, name in [
            ("string", "Department"),
            ("number", "Grade"),
            ("boolean", "Remote"),
            ("datetime", "Joined on"),
        ]
    }


def matched(organization, rule: Rule) -> set[str]:
    return set(selectors.rule_matches(organization, rule).values_list("name", flat=True))


def parsed(attributes, value_type, operator, value="", to="", *, date_order="DMY") -> Rule:
    definitions = {d.pk: d for d in attributes.values()}
    given_condition = ConditionInput(attributes[value_type].pk, operator, value, to)
    return parse_rule(match=ALL, inputs=[given_condition], definitions=definitions, date_order=date_order)


@pytest.mark.parametrize(
    ("value_type", "operator", "value", "to", "expected"),
    [
        ("string", "equals", "FINANCE", "", {"Kavya"}),
        ("string", "contains", "an", "", {"Kavya", "Arjun"}),
        ("number", "equals", "3", "", {"Arjun"}),
        ("number", "between", "3", "5", {"Arjun", "Dev"}),
        ("number", "between", "", "4,5", {"Kavya", "Arjun"}),
        ("number", "between", "3.5", "", {"Dev"}),
        ("boolean", "is", "yes", "", {"Kavya", "Dev"}),
        ("boolean", "is", "No", "", {"Arjun"}),
        ("datetime", "on", "01/03/2024", "", {"Kavya", "Arjun"}),
        ("datetime", "between", "2024-03-02", "31 Dec 2024", {"Dev"}),
        ("datetime", "between", "", "2024-03-01", {"Kavya", "Arjun"}),
    ],
)
def test_each_operator_of_each_type(organization, attributes, value_type, operator, value, to, expected):
    a = {t: d.key for t, d in attributes.items()}
    people = {
        "Kavya": {a["string"]: "Finance", a["number"]: 1, a["boolean"]: True, a["datetime"]: "2024-03-01"},
        "Arjun": {
            a["string"]: "Sales and Planning",
            a["number"]: 3,
            a["boolean"]: False,
            a["datetime"]: "2024-03-01T17:45",
        },
        "Dev": {a["string"]: "Legal", a["number"]: 5, a["boolean"]: True, a["datetime"]: "2024-07-15"},
        "Nobody": {},
    }
    for name, values in people.items():
        OrganizationUserFactory(organization=organization, name=name, attribute_values=values)
    rule = parsed(attributes, value_type, operator, value, to)

    assert matched(organization, rule) == expected
    # And Python reads the rule the same way.
    assert {name for name, values in people.items() if rule.matches(values)} == expected


@pytest.mark.parametrize(
    ("value_type", "operator", "value", "to", "message"),
    [
        ("number", "equals", "lots", "", "Condition 1: “lots” is not a number."),
        ("number", "contains", "3", "", "Condition 1: Grade can be compared with “equals” or “is between”."),
        ("number", "between", "", "", "Condition 1: give Grade a first value, a last value or both."),
        ("number", "between", "9", "2", "Condition 1: the first value of Grade comes after the last one."),
        ("boolean", "is", "perhaps", "", "Condition 1: “perhaps” is not Yes or No."),
        ("datetime", "on", "31/02/2024", "", "Condition 1: “31/02/2024” is not a real date."),
        ("string", "equals", "   ", "", "Condition 1: give Department a value to compare with."),
    ],
)
def test_a_value_the_attribute_cannot_read_is_refused_with_the_reason(
    attributes, value_type, operator, value, to, message
):
    with pytest.raises(RuleProblem) as problem:
        parsed(attributes, value_type, operator, value, to)
    assert str(problem.value) == message


def test_dates_are_read_in_the_organizations_order(attributes):
    assert parsed(attributes, "datetime", "on", "03/01/2024", date_order="MDY").conditions[0].value == "2024-03-01"
    assert parsed(attributes, "datetime", "on", "03/01/2024", date_order="DMY").conditions[0].value == "2024-01-03"


def test_an_attribute_of_another_organization_cannot_be_used(attributes, other_organization):
    elsewhere = AttributeDefinitionFactory(organization=other_organization, name="Secret")
    definitions = {d.pk: d for d in attributes.values()}
    with pytest.raises(RuleProblem, match="choose one of the organization's attributes"):
        parse_rule(
            match=ALL,
            inputs=[ConditionInput(elsewhere.pk, "equals", "x")],
            definitions=definitions,
            date_order="DMY",
        )


def test_a_rule_reads_back_as_it_was_written(attributes):
    rule = parsed(attributes, "number", "between", "3", "1,234.5")
    assert Rule.from_json(rule.to_json()) == rule
    assert rule.describe() == ["Grade is between 3 and 1,234.5"]


# SQL and Python agree, over random people and random rules ------------------------------------------

TEXTS = st.sampled_from(["Finance", "finance", "FIN", "Sales", "sales ops", "Legal", "an", "é"])
NUMBERS = st.one_of(st.integers(-5, 5), st.sampled_from([0.5, 2.5, -1.5, 1000]))
DATES = st.sampled_from(["2024-01-01", "2024-01-01T09:30", "2024-02-29", "2023-12-31T23:59", "2025-06-01"])
VALUES = {"string": TEXTS, "number": NUMBERS, "boolean": st.booleans(), "datetime": DATES}


@st.composite
def people_and_rule(draw, keys: dict[str, tuple[int, str]]):
    people = draw(
        st.lists(
            st.fixed_dictionaries(
                {},
                optional={keys[value_type][1]: strategy for value_type, strategy in VALUES.items()},
            ),
            max_size=12,
        )
    )
    conditions = []
    for _ in range(draw(st.integers(1, 3))):
        value_type = draw(st.sampled_from(sorted(VALUES)))
        operator = draw(st.sampled_from(sorted(rules.OPERATORS[value_type])))
        value = draw(VALUES[value_type])
        to = None
        if operator == "on":
            value = value[:10]
        if operator == "between":
            value, to = sorted([value, draw(VALUES[value_type])])
            value, to = draw(st.sampled_from([(value, to), (None, to), (value, None)]))
        if operator == "contains":
            value = value.lower()[:3]
        attribute_id = keys[value_type][0]
        conditions.append(Condition(attribute_id, value_type, value_type, operator, value, to))
    return people, Rule(match=draw(st.sampled_from([ALL, ANY])), conditions=tuple(conditions))


@pytest.mark.django_db
def test_the_database_and_python_agree_on_who_a_rule_matches(organization, attributes):
    keys = {value_type: (d.pk, d.key) for value_type, d in attributes.items()}

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(people_and_rule(keys))
    def check(case):
        people, rule = case
        OrganizationUser.objects.filter(organization=organization).delete()
        for number, values in enumerate(people):
            OrganizationUserFactory(organization=organization, name=f"P{number}", attribute_values=values)
        expected = {f"P{number}" for number, values in enumerate(people) if rule.matches(values)}
        assert matched(organization, rule) == expected

    check()
