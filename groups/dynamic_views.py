"""The rule editor of a dynamic group: make a group dynamic, edit its rule, make it ordinary again.

Conditions are added and removed by submitting the form (htmx swaps the editor in place;
without JavaScript the page reloads with the same entries), and the preview counts who
the rule as written would match.
"""

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from attributes import types
from kaizala_portal.policy import Action, Viewer
from users.access import organization_view

from . import dynamic, rules, selectors
from .access import access_group
from .forms import ConditionFormSet, RuleForm
from .models import Group

PREFIX = "condition"


class RuleEditor:
    """The editor's two forms: whether all or any conditions count, and the conditions."""

    def __init__(self, data, *, group: Group, definitions: dict, initial_rows: list[dict] | None = None):
        self.group, self.definitions = group, definitions
        rule = dynamic.rule_of(group)
        self.form = RuleForm(data, initial={"match": rule.match if rule else rules.ALL})
        if initial_rows is None and data is None:
            initial_rows = _rows_of(rule) if rule else [{}]
        if initial_rows is not None:
            # A fresh set of rows (a condition added or removed): shown unbound, as entered so far.
            self.form = RuleForm(initial={"match": (data or {}).get("match") or self.form.initial["match"]})
            self.conditions = ConditionFormSet(initial=initial_rows, prefix=PREFIX, definitions=definitions)
        else:
            self.conditions = ConditionFormSet(data, prefix=PREFIX, definitions=definitions)
        self.problem = ""

    def rows_entered(self) -> list[dict]:
        return [
            {name: form[name].value() or "" for name in ("attribute", "operator", "value", "to")}
            for form in self.conditions.forms
        ]

    def rule(self) -> rules.Rule | None:
        """The rule as entered, or None with ``problem`` saying why it cannot be read."""
        if not self.form.is_valid() or not self.conditions.is_valid():
            errors = self.conditions.non_form_errors()
            self.problem = " ".join(errors) or "Check the conditions marked below."
            return None
        try:
            return rules.parse_rule(
                match=self.form.cleaned_data["match"],
                inputs=[form.as_input() for form in self.conditions.forms],
                definitions=self.definitions,
                date_order=self.group.organization.date_order,
            )
        except rules.RuleProblem as problem:
            self.problem = str(problem)
            return None


def _rows_of(rule: rules.Rule) -> list[dict]:
    def text(condition: rules.Condition, value) -> str:
        return types.format_value(condition.value_type, value, for_csv=True) if value is not None else ""

    return [
        {"attribute": c.attribute_id, "operator": c.operator, "value": text(c, c.value), "to": text(c, c.to)}
        for c in rule.conditions
    ]


@organization_view(Action.MANAGE_DYNAMIC_GROUPS)
@require_http_methods(["GET", "POST"])
def edit_rule(request: HttpRequest, viewer: Viewer, group_id: int):
    group = access_group(viewer, group_id, Action.MANAGE_DYNAMIC_GROUPS)
    definitions = dynamic.definitions_by_id(viewer.organization)
    data = request.POST if request.method == "POST" else None
    editor = RuleEditor(data, group=group, definitions=definitions)
    preview = None
    if data is not None and ("add" in data or "remove" in data or "reload" in data):
        rows = editor.rows_entered()
        if "add" in data and len(rows) < rules.MAX_CONDITIONS:
            rows.append({})
        remove = data.get("remove", "")
        if remove.isascii() and remove.isdigit() and int(remove) < len(rows):
            del rows[int(remove)]
        editor = RuleEditor(data, group=group, definitions=definitions, initial_rows=rows)
    elif data is not None:
        rule = editor.rule()
        if rule is not None:
            try:
                refreshed = dynamic.set_rule(group=group, rule=rule, changed_by=request.user)
            except dynamic.NotDynamic as problem:
                editor.problem = str(problem)
            else:
                messages.success(request, _saved_message(refreshed))
                return redirect("groups:detail", org_slug=viewer.organization.slug, group_id=group.pk)
    elif editor.conditions.initial and dynamic.rule_of(group):
        preview = selectors.preview_rule(group, dynamic.rule_of(group))
    context = {
        "viewer": viewer,
        "group": group,
        "editor": editor,
        "preview": preview,
        "has_attributes": bool(definitions),
        "problems": dynamic.rule_of(group).problems(definitions) if group.rule else [],
    }
    template = "groups/_rule_editor.html" if request.htmx and data is not None and not editor.problem else None
    return render(request, template or "groups/rule.html", context)


@organization_view(Action.MANAGE_DYNAMIC_GROUPS)
@require_POST
def preview_rule(request: HttpRequest, viewer: Viewer, group_id: int):
    """The live count under the editor: who the rule as entered matches, joins and leaves."""
    group = access_group(viewer, group_id, Action.MANAGE_DYNAMIC_GROUPS)
    editor = RuleEditor(request.POST, group=group, definitions=dynamic.definitions_by_id(viewer.organization))
    rule = editor.rule()
    preview = selectors.preview_rule(group, rule) if rule else None
    context = {"preview": preview, "problem": editor.problem}
    return render(request, "groups/_rule_preview.html", context)


@organization_view(Action.MANAGE_DYNAMIC_GROUPS)
@require_http_methods(["GET", "POST"])
def clear_rule(request: HttpRequest, viewer: Viewer, group_id: int):
    group = access_group(viewer, group_id, Action.MANAGE_DYNAMIC_GROUPS)
    if group.rule is None:
        messages.info(request, f"{group} is an ordinary group: its members are added and removed by hand.")
        return redirect("groups:detail", org_slug=viewer.organization.slug, group_id=group.pk)
    if request.method == "POST":
        try:
            dynamic.clear_rule(group=group, changed_by=request.user)
        except dynamic.NotDynamic as problem:
            messages.error(request, str(problem))
        else:
            messages.success(
                request, f"{group} is an ordinary group again: its members stay, and are added and removed by hand."
            )
        return redirect("groups:detail", org_slug=viewer.organization.slug, group_id=group.pk)
    context = {
        "viewer": viewer,
        "group": group,
        "member_count": selectors.members_of(group).count(),
        "rule_lines": dynamic.rule_of(group).describe(dynamic.definitions_by_id(viewer.organization)),
    }
    return render(request, "groups/confirm_clear_rule.html", context)


def _saved_message(refreshed: dynamic.Refreshed) -> str:
    message = f"Saved the rule of {refreshed.group}."
    moves = []
    if refreshed.joined:
        moves.append(f"{refreshed.joined:,} {'person' if refreshed.joined == 1 else 'people'} joined")
    if refreshed.left:
        moves.append(f"{refreshed.left:,} {'person' if refreshed.left == 1 else 'people'} left")
    return f"{message} {', '.join(moves).capitalize()}." if moves else f"{message} Nobody joined or left."
