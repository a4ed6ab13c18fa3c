"""Process definitions (流程定义): the JSON format, and its validation with a clear message per problem.

A definition is ``{"key", "name", "start", "nodes": {node_id: node}}``. Node types:

- ``task`` (人工环节): ``name``, ``department`` (a department code, or ``$variable`` bound when the instance starts),
  ``role`` (an org role), ``sla`` (``{"working_days": N}`` or ``{"share_of_limit": 0.25}`` of the instance
  variable ``limit_working_days``), optional ``outcomes`` (default ``["done"]``), ``next``.
- ``parallel`` (并联): ``mode`` ``all`` (会签) / ``any`` (或签) / ``n_of_m`` with ``n``; ``branches`` (the first node of
  each branch) — or ``for_each: "$list_variable"`` with ``as: "name"`` and one branch, run once per list element;
  ``join``: the ``join`` node every branch ends at.
- ``join`` (汇合): ``next``.  ``choice`` (条件分支): ``branches: [{"when": condition, "next"}]``, ``otherwise``.
- ``end`` (结束): optional ``result``.

Conditions use :mod:`yiwang.workflow.expressions`; the instance variables hold ``outcome`` (of the last task done)
and ``outcomes.<node_id>``.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.org.models import Department, Role
from yiwang.workflow.expressions import ExpressionError, parse_condition

NODE_TYPES = ("task", "parallel", "join", "choice", "end")
COUNTERSIGN_MODES = ("all", "any", "n_of_m")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
LIMIT_VARIABLE = "limit_working_days"
LICENCE_DEFINITION_FILE = Path(__file__).parent / "definitions" / "licence.json"
"""The shipped licence process: 受理 → 审查 per department in parallel → 决定 → 送达 (variables: ``item_department``,
``review_departments``, ``limit_working_days``)."""


def variable_name(reference: Any) -> str | None:
    """``"$item_department"`` → ``"item_department"``; a literal (no ``$``) → None."""
    if isinstance(reference, str) and reference.startswith("$"):
        return reference[1:]
    return None


@dataclass
class Definition:
    """A validated definition with the facts the engine needs (which parallel block each node belongs to)."""

    spec: dict[str, Any]
    block_of: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return str(self.spec["key"])

    @property
    def start(self) -> str:
        return str(self.spec["start"])

    def node(self, node_id: str) -> dict[str, Any]:
        return dict(self.spec["nodes"][node_id])

    def task_ids(self) -> list[str]:
        return [node_id for node_id, node in self.spec["nodes"].items() if node.get("type") == "task"]


def successors(node: Mapping[str, Any]) -> list[str]:
    """The nodes a node can lead to (for a parallel block: its branch starts)."""
    kind = node.get("type")
    if kind in ("task", "join"):
        return [node["next"]] if isinstance(node.get("next"), str) else []
    if kind == "choice":
        targets = [branch.get("next") for branch in node.get("branches") or [] if isinstance(branch, Mapping)]
        targets.append(node.get("otherwise"))
        return [target for target in targets if isinstance(target, str)]
    if kind == "parallel":
        return [branch for branch in node.get("branches") or [] if isinstance(branch, str)]
    return []


class _Checker:
    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def run(self) -> Definition:
        spec = self.spec
        if not isinstance(spec, Mapping):
            self.problem("$", _("the definition must be a JSON object"))
            raise ValidationError(self.problems)
        if not isinstance(spec.get("key"), str) or not KEY_RE.match(spec["key"]):
            self.problem("key", _("must be lower-case letters, digits, '-' or '_' (at most 80)"))
        if not isinstance(spec.get("name"), str) or not spec["name"].strip():
            self.problem("name", _("a name is required"))
        nodes = spec.get("nodes")
        if not isinstance(nodes, Mapping) or not nodes:
            self.problem("nodes", _("must be a non-empty object of nodes"))
            raise ValidationError(self.problems)
        if spec.get("start") not in nodes:
            self.problem("start", _("must name one of the nodes"))
        for node_id, node in nodes.items():
            self.check_node(node_id, node, nodes)
        if not any(isinstance(node, Mapping) and node.get("type") == "end" for node in nodes.values()):
            self.problem("nodes", _("there is no end node: the process could never finish"))
        if self.problems:  # the graph checks below need well-formed nodes
            raise ValidationError(self.problems)
        self.check_reachability(nodes)
        block_of = self.check_parallel_blocks(nodes)
        self.check_departments(nodes)
        if self.problems:
            raise ValidationError(self.problems)
        return Definition(spec=dict(spec), block_of=block_of)

    def check_reference(self, path: str, target: Any, nodes: Mapping[str, Any]) -> None:
        if not isinstance(target, str) or target not in nodes:
            self.problem(path, _("refers to %(target)s, which is not a node") % {"target": repr(target)})

    def check_node(self, node_id: str, node: Any, nodes: Mapping[str, Any]) -> None:
        path = f"nodes.{node_id}"
        if not isinstance(node, Mapping):
            self.problem(path, _("must be a JSON object"))
            return
        kind = node.get("type")
        if kind not in NODE_TYPES:
            self.problem(f"{path}.type", _("must be one of: %(types)s") % {"types": ", ".join(NODE_TYPES)})
            return
        if kind in ("task", "join"):
            self.check_reference(f"{path}.next", node.get("next"), nodes)
        if kind == "task":
            self.check_task(path, node)
        elif kind == "choice":
            self.check_choice(path, node, nodes)
        elif kind == "parallel":
            self.check_parallel(path, node, nodes)

    def check_task(self, path: str, node: Mapping[str, Any]) -> None:
        if not isinstance(node.get("name"), str) or not node["name"].strip():
            self.problem(f"{path}.name", _("a human task needs a name"))
        if node.get("role") not in Role.values:
            self.problem(
                f"{path}.role",
                _("role %(role)s does not exist (known roles: %(roles)s)")
                % {"role": repr(node.get("role")), "roles": ", ".join(Role.values)},
            )
        department = node.get("department")
        name = variable_name(department)
        if (
            not isinstance(department, str)
            or not department
            or (name is not None and not NAME_RE.match(name))
        ):
            self.problem(f"{path}.department", _("must be a department code or a $variable"))
        self.check_sla(f"{path}.sla", node.get("sla"))
        outcomes = node.get("outcomes", ["done"])
        if (
            not isinstance(outcomes, list)
            or not outcomes
            or not all(isinstance(outcome, str) and NAME_RE.match(outcome) for outcome in outcomes)
            or len(set(outcomes)) != len(outcomes)
        ):
            self.problem(f"{path}.outcomes", _('must be a list of distinct names such as "grant"'))

    def check_sla(self, path: str, sla: Any) -> None:
        if not isinstance(sla, Mapping) or not sla:
            self.problem(path, _("every human task needs an SLA in working days or as a share of the limit"))
            return
        if set(sla) == {"working_days"}:
            days = sla["working_days"]
            if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
                self.problem(
                    f"{path}.working_days", _("must be a whole number of working days from 1 to 365")
                )
        elif set(sla) == {"share_of_limit"}:
            share = sla["share_of_limit"]
            if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
                self.problem(f"{path}.share_of_limit", _("must be a share greater than 0 and at most 1"))
        else:
            self.problem(path, _("give exactly one of working_days or share_of_limit"))

    def check_choice(self, path: str, node: Mapping[str, Any], nodes: Mapping[str, Any]) -> None:
        branches = node.get("branches")
        if not isinstance(branches, list) or not branches:
            self.problem(f"{path}.branches", _("a choice needs at least one conditional branch"))
            branches = []
        for index, branch in enumerate(branches):
            branch_path = f"{path}.branches[{index}]"
            if not isinstance(branch, Mapping):
                self.problem(branch_path, _("must be a JSON object with when and next"))
                continue
            try:
                parse_condition(str(branch.get("when", "")))
            except ExpressionError as error:
                self.problem(f"{branch_path}.when", _("invalid condition: %(error)s") % {"error": error})
            self.check_reference(f"{branch_path}.next", branch.get("next"), nodes)
        self.check_reference(f"{path}.otherwise", node.get("otherwise"), nodes)

    def check_parallel(self, path: str, node: Mapping[str, Any], nodes: Mapping[str, Any]) -> None:
        mode = node.get("mode")
        if mode not in COUNTERSIGN_MODES:
            self.problem(
                f"{path}.mode", _("must be one of: %(modes)s") % {"modes": ", ".join(COUNTERSIGN_MODES)}
            )
        branches = node.get("branches")
        if not isinstance(branches, list) or not branches:
            self.problem(f"{path}.branches", _("a parallel block needs at least one branch"))
            branches = []
        for index, branch in enumerate(branches):
            self.check_reference(f"{path}.branches[{index}]", branch, nodes)
        for_each = node.get("for_each")
        if for_each is not None:
            name = variable_name(for_each)
            if name is None or not NAME_RE.match(name):
                self.problem(f"{path}.for_each", _("must be a $variable holding a list of department codes"))
            if not isinstance(node.get("as"), str) or not NAME_RE.match(node["as"]):
                self.problem(f"{path}.as", _("name the variable each branch sees its element as"))
            if len(branches) != 1:
                self.problem(
                    f"{path}.branches", _("with for_each, give exactly one branch (run once per element)")
                )
        if mode == "n_of_m":
            n = node.get("n")
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                self.problem(f"{path}.n", _("n of m needs n, a whole number of at least 1"))
            elif for_each is None and n > len(branches):
                self.problem(f"{path}.n", _("n is larger than the number of branches"))
        join = node.get("join")
        self.check_reference(f"{path}.join", join, nodes)
        if (
            isinstance(join, str)
            and isinstance(nodes.get(join), Mapping)
            and nodes[join].get("type") != "join"
        ):
            self.problem(f"{path}.join", _("must name a node of type join"))

    def check_reachability(self, nodes: Mapping[str, Any]) -> None:
        reached = _reachable(nodes, [self.spec["start"]])
        for node_id in nodes:
            if node_id not in reached:
                self.problem(f"nodes.{node_id}", _("cannot be reached from the start node"))
        for node_id, node in nodes.items():
            if node_id in reached and node.get("type") != "end":
                targets = _reachable(nodes, [node_id])
                if not any(nodes[target].get("type") == "end" for target in targets):
                    self.problem(f"nodes.{node_id}", _("never leads to an end node"))

    def check_parallel_blocks(self, nodes: Mapping[str, Any]) -> dict[str, str]:
        """Every branch of a block must end at the block's join, and nothing else may enter or leave the block."""
        block_of: dict[str, str] = {}
        owners: dict[str, str] = {}
        for parallel_id, parallel in nodes.items():
            if parallel.get("type") != "parallel":
                continue
            path = f"nodes.{parallel_id}"
            join = parallel["join"]
            if join in owners:
                self.problem(
                    f"{path}.join", _("this join already closes block %(block)s") % {"block": owners[join]}
                )
            owners[join] = parallel_id
            for index, start in enumerate(parallel["branches"]):
                inside = _reachable(nodes, [start], stop_at=join)
                if join not in _reachable(nodes, [start]):
                    self.problem(
                        f"{path}.branches[{index}]",
                        _("this branch never reaches the join %(join)s") % {"join": join},
                    )
                for node_id in sorted(inside - {join}):
                    kind = nodes[node_id].get("type")
                    if kind == "end":
                        self.problem(
                            f"{path}.branches[{index}]",
                            _("this branch ends at %(end)s without joining at %(join)s")
                            % {"end": node_id, "join": join},
                        )
                    elif kind in ("parallel", "join"):
                        self.problem(
                            f"nodes.{node_id}", _("parallel blocks inside parallel blocks are not supported")
                        )
                    elif block_of.setdefault(node_id, parallel_id) != parallel_id:
                        self.problem(f"nodes.{node_id}", _("belongs to two parallel blocks"))
        for node_id, node in nodes.items():
            for target in successors(node):
                target_block = block_of.get(target)
                entering = (
                    target_block is not None
                    and block_of.get(node_id) != target_block
                    and node_id != target_block
                )
                leaving_to_join = nodes[target].get("type") == "join" and block_of.get(node_id) != owners.get(
                    target
                )
                if node.get("type") == "parallel" and node.get("join") == target:
                    leaving_to_join = False
                if entering:
                    self.problem(
                        f"nodes.{node_id}",
                        _("jumps into parallel block %(block)s from outside") % {"block": target_block},
                    )
                elif leaving_to_join:
                    self.problem(
                        f"nodes.{node_id}",
                        _("leads to join %(join)s from outside its block") % {"join": target},
                    )
        for join_id, node in nodes.items():
            if node.get("type") == "join" and join_id not in owners:
                self.problem(f"nodes.{join_id}", _("no parallel block ends at this join"))
        return block_of

    def check_departments(self, nodes: Mapping[str, Any]) -> None:
        literal = {
            node_id: node["department"]
            for node_id, node in nodes.items()
            if node.get("type") == "task" and variable_name(node["department"]) is None
        }
        known = set(Department.objects.filter(code__in=set(literal.values())).values_list("code", flat=True))
        for node_id, code in literal.items():
            if code not in known:
                self.problem(
                    f"nodes.{node_id}.department", _("department %(code)s does not exist") % {"code": code}
                )


def _reachable(nodes: Mapping[str, Any], starts: list[str], stop_at: str | None = None) -> set[str]:
    """Every node reachable from ``starts`` (not walking past ``stop_at``); a parallel block leads to its join."""
    seen: set[str] = set()
    queue: deque[str] = deque(start for start in starts if start in nodes)
    while queue:
        node_id = queue.popleft()
        if node_id in seen:
            continue
        seen.add(node_id)
        if node_id == stop_at:
            continue
        queue.extend(
            target for target in successors(nodes[node_id]) if target in nodes and target not in seen
        )
    return seen


def validate_definition(spec: Any) -> Definition:
    """Check a definition; raises ValidationError listing every problem as ``element path: what is wrong``."""
    return _Checker(spec).run()
