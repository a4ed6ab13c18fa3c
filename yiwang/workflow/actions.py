"""Every state change of the workflow engine (流程引擎): definitions, instances and work items.

Each ``do_*`` function runs in one transaction, writes the audit chain and leaves nothing half-done. Advancing an
instance locks its row (``select_for_update``), so two people completing parallel branches at once are counted
one after the other; claiming is a conditional UPDATE, so of two people claiming at once one wins and the other
gets :class:`~yiwang.core.errors.ActionConflict`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import User
from yiwang.core.audit import record_audit
from yiwang.core.errors import ActionConflict
from yiwang.core.legaltime import add_working_days
from yiwang.core.permissions import has_role, is_platform_admin
from yiwang.org.models import Department, Role
from yiwang.workflow import queries
from yiwang.workflow.definition import LIMIT_VARIABLE, Definition, validate_definition, variable_name
from yiwang.workflow.expressions import evaluate_condition
from yiwang.workflow.models import (
    PENDING_STATUSES,
    DefinitionStatus,
    InstanceState,
    ProcessDefinition,
    ProcessInstance,
    WorkItem,
    WorkItemStatus,
)

MAX_AUTOMATIC_STEPS = 1000  # choices looping among themselves without a human task would never stop
RETURNED = "returned"


# --- Definitions ---------------------------------------------------------------------------------------------


def read_definition_file(path: str | Path) -> Any:
    """The JSON of a definition file; ValidationError if it cannot be read or parsed."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ValidationError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}) from None
    except json.JSONDecodeError as error:
        raise ValidationError(
            _("%(path)s is not valid JSON (line %(line)s, column %(column)s): %(error)s")
            % {"path": path, "line": error.lineno, "column": error.colno, "error": error.msg}
        ) from None


def do_load_definition(actor: User | None, spec: Any) -> ProcessDefinition:
    """Store a valid definition as the next draft version of its key (载入流程定义); invalid ones are refused."""
    definition = validate_definition(spec)
    with transaction.atomic():
        latest = (
            ProcessDefinition.objects.select_for_update().filter(key=definition.key).aggregate(Max("version"))
        )
        stored = ProcessDefinition.objects.create(
            key=definition.key,
            version=(latest["version__max"] or 0) + 1,
            name=definition.spec["name"],
            spec=definition.spec,
        )
        record_audit(
            actor, "workflow.definition_load", stored, {"key": stored.key, "version": stored.version}
        )
    return stored


def do_activate_definition(actor: User | None, key: str, version: int) -> ProcessDefinition:
    """Make ``key`` v``version`` the active one (启用), retiring the version active before.

    The definition is validated again (a department or role may have gone since it was loaded); running
    instances keep the version they started with.
    """
    with transaction.atomic():
        try:
            definition = ProcessDefinition.objects.select_for_update().get(key=key, version=version)
        except ProcessDefinition.DoesNotExist:
            raise ValidationError(
                _("There is no process definition %(key)s version %(version)s.")
                % {"key": key, "version": version}
            ) from None
        if definition.status == DefinitionStatus.ACTIVE:
            return definition
        validate_definition(definition.spec)
        now = timezone.now()
        retired = list(
            ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.ACTIVE).values_list(
                "version", flat=True
            )
        )
        ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.ACTIVE).update(
            status=DefinitionStatus.RETIRED, retired_at=now
        )
        definition.status, definition.activated_at = DefinitionStatus.ACTIVE, now
        definition.save(update_fields=["status", "activated_at"])
        record_audit(
            actor,
            "workflow.definition_activate",
            definition,
            {"key": key, "version": version, "retired": retired},
        )
    return definition


# --- Advancing an instance -----------------------------------------------------------------------------------


@dataclass
class _Run:
    """One advance of an instance inside its transaction: what it needs and what it did."""

    actor: User | None
    instance: ProcessInstance
    definition: Definition
    opened: list[WorkItem] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    steps: int = 0

    def scope(self, node_id: str, branch: str) -> dict[str, Any]:
        """The variables seen at ``node_id`` on ``branch``: the instance's, plus the branch element if any."""
        variables = dict(self.instance.variables)
        block = self.definition.block_of.get(node_id)
        if block is not None:
            parallel = self.definition.node(block)
            if parallel.get("for_each"):
                variables[parallel["as"]] = branch
        return variables


def _department(run: _Run, node_id: str, reference: str, variables: Mapping[str, Any]) -> Department:
    name = variable_name(reference)
    code = variables.get(name) if name is not None else reference
    department = Department.objects.filter(code=code).first() if isinstance(code, str) else None
    if department is None:
        raise ValidationError(
            {
                "variables": _(
                    "Step %(step)s needs a department: %(reference)s is %(value)s, not a department code."
                )
                % {"step": node_id, "reference": reference, "value": json.dumps(code, ensure_ascii=False)}
            }
        )
    return department


def _sla_working_days(node_id: str, sla: Mapping[str, Any], variables: Mapping[str, Any]) -> int:
    if "working_days" in sla:
        return int(sla["working_days"])
    limit = variables.get(LIMIT_VARIABLE)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError(
            {
                "variables": _("Step %(step)s takes a share of the time limit, but %(name)s is not set.")
                % {"step": node_id, "name": LIMIT_VARIABLE}
            }
        )
    return max(1, math.ceil(float(sla["share_of_limit"]) * limit))


def _open_task(run: _Run, node_id: str, branch: str) -> None:
    node = run.definition.node(node_id)
    variables = run.scope(node_id, branch)
    now = timezone.now()
    item = WorkItem.objects.create(
        instance=run.instance,
        node_id=node_id,
        name=node["name"],
        branch=branch,
        department=_department(run, node_id, node["department"], variables),
        role=node["role"],
        due_date=add_working_days(
            timezone.localdate(now), _sla_working_days(node_id, node["sla"], variables)
        ),
        created_at=now,
    )
    run.opened.append(item)
    record_audit(
        run.actor,
        "workflow.work_item_open",
        item,
        {
            "instance": run.instance.pk,
            "step": node_id,
            "branch": branch,
            "department": item.department.code,
            "role": item.role,
            "due_date": item.due_date,
        },
    )


def _branches(run: _Run, parallel_id: str) -> list[tuple[str, str]]:
    """(branch key, first node) for each branch of a parallel block."""
    parallel = run.definition.node(parallel_id)
    if not parallel.get("for_each"):
        return [(str(index), start) for index, start in enumerate(parallel["branches"])]
    elements = run.instance.variables.get(variable_name(parallel["for_each"]) or "")
    if not isinstance(elements, list) or not elements or not all(isinstance(e, str) and e for e in elements):
        raise ValidationError(
            {
                "variables": _(
                    "Parallel step %(step)s needs %(name)s to be a non-empty list of department codes."
                )
                % {"step": parallel_id, "name": parallel["for_each"]}
            }
        )
    return [(element, parallel["branches"][0]) for element in dict.fromkeys(elements)]


def _needed(run: _Run, parallel_id: str, branch_count: int) -> int:
    parallel = run.definition.node(parallel_id)
    if parallel["mode"] == "all":
        return branch_count
    if parallel["mode"] == "any":
        return 1
    if parallel["n"] > branch_count:
        raise ValidationError(
            {
                "variables": _("Parallel step %(step)s needs %(n)s opinions but has only %(m)s branches.")
                % {"step": parallel_id, "n": parallel["n"], "m": branch_count}
            }
        )
    return int(parallel["n"])


def _cancel_pending(run: _Run, node_ids: set[str]) -> None:
    pending = WorkItem.objects.filter(
        instance=run.instance, node_id__in=node_ids, status__in=PENDING_STATUSES
    )
    run.cancelled.extend(pending.values_list("pk", flat=True))
    pending.update(status=WorkItemStatus.CANCELLED, completed_at=timezone.now())


def _block_nodes(run: _Run, parallel_id: str) -> set[str]:
    return {node_id for node_id, block in run.definition.block_of.items() if block == parallel_id}


def _enter(run: _Run, node_id: str, branch: str) -> None:
    """Move a token onto ``node_id``: open a task, or pass through choices, splits, joins and ends."""
    run.steps += 1
    if run.steps > MAX_AUTOMATIC_STEPS:
        raise ValidationError(_("The process definition loops without ever reaching a human task or an end."))
    node = run.definition.node(node_id)
    kind = node["type"]
    if kind == "task":
        _open_task(run, node_id, branch)
    elif kind == "choice":
        variables = run.scope(node_id, branch)
        target = next(
            (choice["next"] for choice in node["branches"] if evaluate_condition(choice["when"], variables)),
            node["otherwise"],
        )
        _enter(run, target, branch)
    elif kind == "parallel":
        branches = _branches(run, node_id)
        run.instance.joins[node_id] = {"needed": _needed(run, node_id, len(branches)), "arrived": []}
        for branch_key, start in branches:
            _enter(run, start, branch_key)
    elif kind == "join":
        _arrive(run, node_id, branch)
    else:
        _end(run, node_id)


def _arrive(run: _Run, join_id: str, branch: str) -> None:
    """A branch reached its join: count it by the countersign mode; the last one needed moves on."""
    parallel_id = next(
        node_id
        for node_id, node in run.definition.spec["nodes"].items()
        if node["type"] == "parallel" and node["join"] == join_id
    )
    state = run.instance.joins[parallel_id]
    state["arrived"].append(branch)
    if len(state["arrived"]) < state["needed"]:
        return
    _cancel_pending(run, _block_nodes(run, parallel_id))  # 或签 / n of m: the others need not act any more
    del run.instance.joins[parallel_id]
    _enter(run, run.definition.node(join_id)["next"], "")


def _end(run: _Run, end_id: str) -> None:
    instance = run.instance
    _cancel_pending(run, set(run.definition.spec["nodes"]))
    instance.state = InstanceState.COMPLETED
    instance.result = str(run.definition.node(end_id).get("result", end_id))
    instance.ended_at = timezone.now()
    instance.joins = {}
    record_audit(run.actor, "workflow.end", instance, {"end": end_id, "result": instance.result})


def _save(run: _Run) -> None:
    run.instance.save(update_fields=["variables", "joins", "state", "result", "ended_at"])


def _definition_of(instance: ProcessInstance) -> Definition:
    return validate_definition(instance.definition.spec)


def do_start_instance(
    actor: User | None, definition_key: str, object_type: str, object_id: str, variables: Mapping[str, Any]
) -> ProcessInstance:
    """Start the active version of ``definition_key`` for a subject (启动流程), opening its first work items.

    ``variables`` bind the definition's placeholders (e.g. ``item_department``, ``review_departments``,
    ``limit_working_days``); a placeholder left unbound is a ValidationError and nothing is created.
    """
    stored = queries.active_definition(definition_key)
    if stored is None:
        raise ValidationError(_("There is no active process definition %(key)s.") % {"key": definition_key})
    with transaction.atomic():
        instance = ProcessInstance.objects.create(
            definition=stored, object_type=object_type, object_id=str(object_id), variables=dict(variables)
        )
        run = _Run(actor, instance, _definition_of(instance))
        record_audit(
            actor,
            "workflow.start",
            instance,
            {
                "definition": str(stored),
                "subject": f"{object_type}#{object_id}",
                "variables": dict(variables),
            },
        )
        _enter(run, run.definition.start, "")
        _save(run)
    return instance


# --- Work items ----------------------------------------------------------------------------------------------


def check_can_work_on(actor: User, item: WorkItem) -> None:
    """Raise PermissionDenied unless ``actor`` may act on the item: its assignee, or (while open) a holder of its
    role in its department."""
    if item.status == WorkItemStatus.CLAIMED and item.assignee_id != actor.pk:
        raise PermissionDenied(_("This work item was claimed by %(name)s.") % {"name": item.assignee})
    if item.status == WorkItemStatus.OPEN:
        check_holds_item_role(actor, item)


def check_holds_item_role(actor: User, item: WorkItem) -> None:
    """Raise PermissionDenied unless ``actor`` holds the item's role in the item's department."""
    if not has_role(actor, item.role, item.department):
        raise PermissionDenied(
            _("Only a %(role)s of %(department)s may handle this work item.")
            % {"role": Role(item.role).label, "department": item.department.name}
        )


def check_can_assign(actor: User, item: WorkItem) -> None:
    """Raise PermissionDenied unless ``actor`` supervises or administers the item's department (指派)."""
    if not (
        is_platform_admin(actor)
        or has_role(actor, Role.SUPERVISOR, item.department)
        or has_role(actor, Role.DEPARTMENT_ADMIN, item.department)
    ):
        raise PermissionDenied(
            _("Only a supervisor of %(department)s may assign its work.")
            % {"department": item.department.name}
        )


def _locked(item: WorkItem) -> tuple[ProcessInstance, WorkItem]:
    """Lock the instance, then re-read the item; ActionConflict if it is no longer pending."""
    instance = (
        ProcessInstance.objects.select_for_update().select_related("definition").get(pk=item.instance_id)
    )
    current = WorkItem.objects.select_related("department", "assignee").get(pk=item.pk)
    if current.status not in PENDING_STATUSES:
        raise ActionConflict(
            _("This work item is already %(status)s; reload to see its current state.")
            % {"status": current.get_status_display()}
        )
    return instance, current


def do_claim_work_item(actor: User, item: WorkItem) -> WorkItem:
    """Claim an open work item (认领); of two people claiming at once, one wins and the other gets a conflict."""
    check_holds_item_role(actor, item)
    now = timezone.now()
    with transaction.atomic():
        claimed = WorkItem.objects.filter(pk=item.pk, status=WorkItemStatus.OPEN).update(
            status=WorkItemStatus.CLAIMED, assignee=actor, claimed_at=now
        )
        if not claimed:
            raise ActionConflict(
                _("Someone else has already claimed this work item, or it is no longer open.")
            )
        item.refresh_from_db()
        record_audit(actor, "workflow.claim", item, {"instance": item.instance_id, "step": item.node_id})
    return item


def do_assign_work_item(actor: User, item: WorkItem, assignee: User) -> WorkItem:
    """Assign a pending work item to a holder of its role in its department (指派), replacing any claimant."""
    check_can_assign(actor, item)
    if not has_role(assignee, item.role, item.department):
        raise ValidationError(
            {
                "assignee": _("%(name)s is not a %(role)s of %(department)s.")
                % {"name": assignee, "role": Role(item.role).label, "department": item.department.name}
            }
        )
    with transaction.atomic():
        previous = WorkItem.objects.filter(pk=item.pk).values_list("assignee_id", flat=True).first()
        assigned = WorkItem.objects.filter(pk=item.pk, status__in=PENDING_STATUSES).update(
            status=WorkItemStatus.CLAIMED, assignee=assignee, claimed_at=timezone.now()
        )
        if not assigned:
            raise ActionConflict(_("This work item is no longer pending; it cannot be assigned."))
        item.refresh_from_db()
        record_audit(
            actor,
            "workflow.assign",
            item,
            {"instance": item.instance_id, "step": item.node_id, "from": previous, "to": assignee.pk},
        )
    return item


def do_complete_work_item(
    actor: User,
    item: WorkItem,
    outcome: str,
    opinion: str = "",
    variables: Mapping[str, Any] | None = None,
) -> WorkItem:
    """Finish a work item with an outcome and opinion (办理意见) and advance the instance, binding
    ``variables`` first (e.g. the departments a reopened acceptance sends the case to).

    At a join the branch is counted by the block's countersign mode; once enough have arrived (all / any / n)
    the remaining branches are cancelled and the process moves on.
    """
    with transaction.atomic():
        instance, item = _locked(item)
        check_can_work_on(actor, item)
        run = _Run(actor, instance, _definition_of(instance))
        node = run.definition.node(item.node_id)
        allowed = node.get("outcomes", ["done"])
        if outcome not in allowed:
            raise ValidationError(
                {
                    "outcome": _("Choose one of these outcomes: %(outcomes)s.")
                    % {"outcomes": ", ".join(allowed)}
                }
            )
        item.status, item.outcome, item.opinion = WorkItemStatus.DONE, outcome, opinion.strip()
        item.assignee, item.completed_at = actor, timezone.now()
        item.claimed_at = item.claimed_at or item.completed_at
        item.save(update_fields=["status", "outcome", "opinion", "assignee", "completed_at", "claimed_at"])
        instance.variables.update(variables or {})
        instance.variables["outcome"] = outcome
        instance.variables.setdefault("outcomes", {})[item.node_id] = outcome
        _enter(run, node["next"], item.branch)
        _save(run)
        record_audit(
            actor,
            "workflow.complete",
            item,
            {
                "instance": instance.pk,
                "step": item.node_id,
                "branch": item.branch,
                "outcome": outcome,
                "variables": dict(variables or {}),
                "opened": [opened.pk for opened in run.opened],
                "cancelled": run.cancelled,
            },
        )
    return item


def _arrived_elsewhere(run: _Run, parallel_id: str, branch: str) -> list[str]:
    """The branches of a block, other than ``branch``, whose latest work item was done (they had arrived)."""
    latest: dict[str, str] = {}
    for item_branch, status in (
        WorkItem.objects.filter(instance=run.instance, node_id__in=_block_nodes(run, parallel_id))
        .order_by("pk")
        .values_list("branch", "status")
    ):
        latest[item_branch] = status
    return [
        key
        for key, _start in _branches(run, parallel_id)
        if key != branch and latest.get(key) == WorkItemStatus.DONE
    ]


def do_return_work_item(
    actor: User, item: WorkItem, reason: str, node_id: str | None = None, branch: str | None = None
) -> WorkItem:
    """Return the case to an earlier step (退回): the previous one, or ``node_id``, with a reason.

    The item is cancelled with outcome ``returned``. Leaving a parallel block cancels its other branches;
    going back into a block from outside it starts the whole block again — or, with ``branch``, only that
    branch, the other branches that had arrived at the join still counting.
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is returned.")})
    with transaction.atomic():
        instance, item = _locked(item)
        check_can_work_on(actor, item)
        run = _Run(actor, instance, _definition_of(instance))
        candidates = queries.return_candidates(item, run.definition)
        if node_id is not None:
            candidates = [candidate for candidate in candidates if candidate.node_id == node_id]
        if branch is not None:
            candidates = [candidate for candidate in candidates if candidate.branch == branch]
        if not candidates:
            message = (
                _("There is no earlier step to return to here.")
                if node_id is None
                else _("Step %(step)s was not handled in this case, or cannot be returned to from here.")
                % {"step": node_id}
            )
            raise ValidationError({"node_id": message})
        target = candidates[0]
        item.status, item.outcome, item.opinion = WorkItemStatus.CANCELLED, RETURNED, reason.strip()
        item.completed_at = timezone.now()
        item.save(update_fields=["status", "outcome", "opinion", "completed_at"])
        block = run.definition.block_of.get(item.node_id)
        target_block = run.definition.block_of.get(target.node_id)
        if block is not None and target_block == block:
            _enter(run, target.node_id, item.branch)
        else:
            if block is not None:
                _cancel_pending(run, _block_nodes(run, block))
                run.instance.joins.pop(block, None)
            if target_block is None:
                _enter(run, target.node_id, "")
            elif branch is None:
                _enter(run, target_block, "")
            else:
                branch_count = len(_branches(run, target_block))
                run.instance.joins[target_block] = {
                    "needed": _needed(run, target_block, branch_count),
                    "arrived": _arrived_elsewhere(run, target_block, branch),
                }
                _enter(run, target.node_id, branch)
        _save(run)
        record_audit(
            actor,
            "workflow.return",
            item,
            {
                "instance": instance.pk,
                "step": item.node_id,
                "to": target.node_id,
                "branch": target.branch,
                "reason": item.opinion,
                "opened": [opened.pk for opened in run.opened],
                "cancelled": run.cancelled,
            },
        )
    return item


def do_add_branch(
    actor: User | None,
    instance: ProcessInstance,
    parallel_id: str,
    element: str,
    variables: Mapping[str, Any] | None = None,
) -> list[WorkItem]:
    """Add a branch to a running ``for_each`` parallel block (加签): ``element`` (e.g. a department code) joins
    the bound list and its branch's first task opens, due by its SLA; ``variables`` are bound first (e.g. a new
    ``limit_working_days``).

    The join then waits by the block's countersign mode: 会签 (all) for one more branch, n of m for the same n of
    one more, 或签 (any) for one as before. Refused once the block has joined or if ``element`` is in it already.
    """
    if not isinstance(element, str) or not element:
        raise ValidationError({"element": _("Name the branch to add.")})
    with transaction.atomic():
        instance = (
            ProcessInstance.objects.select_for_update().select_related("definition").get(pk=instance.pk)
        )
        if instance.state != InstanceState.RUNNING:
            raise ActionConflict(_("This process has already ended."))
        run = _Run(actor, instance, _definition_of(instance))
        parallel = run.definition.spec["nodes"].get(parallel_id)
        if (
            not isinstance(parallel, Mapping)
            or parallel.get("type") != "parallel"
            or not parallel.get("for_each")
        ):
            raise ValidationError(
                {
                    "parallel": _("Step %(step)s is not a parallel step run once per list element.")
                    % {"step": parallel_id}
                }
            )
        if parallel_id not in instance.joins:
            raise ActionConflict(
                _(
                    "Parallel step %(step)s is not running (not started yet, or already joined); no branch can be added."
                )
                % {"step": parallel_id}
            )
        instance.variables.update(variables or {})
        name = variable_name(parallel["for_each"]) or ""
        elements = [str(existing) for existing in instance.variables.get(name) or []]
        if element in elements:
            raise ValidationError(
                {
                    "element": _("%(element)s already has a branch in parallel step %(step)s.")
                    % {"element": element, "step": parallel_id}
                }
            )
        instance.variables[name] = [*elements, element]
        state = instance.joins[parallel_id]
        needed_before = state["needed"]
        if parallel["mode"] == "all":
            state["needed"] = needed_before + 1
        _enter(run, parallel["branches"][0], element)
        _save(run)
        record_audit(
            actor,
            "workflow.add_branch",
            instance,
            {
                "step": parallel_id,
                "branch": element,
                "needed": [needed_before, state["needed"]],
                "variables": dict(variables or {}),
                "opened": [opened.pk for opened in run.opened],
            },
        )
    return run.opened


def do_cancel_instance(actor: User | None, instance: ProcessInstance, reason: str) -> ProcessInstance:
    """Stop a running instance (终止流程, e.g. the applicant withdrew): its pending work items are cancelled."""
    with transaction.atomic():
        instance = (
            ProcessInstance.objects.select_for_update().select_related("definition").get(pk=instance.pk)
        )
        if instance.state != InstanceState.RUNNING:
            raise ActionConflict(_("This process has already ended."))
        run = _Run(actor, instance, _definition_of(instance))
        _cancel_pending(run, set(run.definition.spec["nodes"]))
        instance.state, instance.ended_at, instance.joins = InstanceState.CANCELLED, timezone.now(), {}
        _save(run)
        record_audit(actor, "workflow.cancel", instance, {"reason": reason, "cancelled": run.cancelled})
    return instance
