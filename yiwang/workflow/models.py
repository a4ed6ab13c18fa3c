"""Workflow engine (流程引擎) tables: versioned process definitions, running instances and one row per human task."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.org.models import Department, Role


class DefinitionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # 草稿
    ACTIVE = "active", _("Active")  # 启用
    RETIRED = "retired", _("Retired")  # 停用


class ProcessDefinition(models.Model):
    """One version of a process definition (流程定义版本); only one version per key is active at a time."""

    key = models.SlugField(_("key"), max_length=80)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    spec = models.JSONField(_("definition"))
    status = models.CharField(
        _("status"), max_length=10, choices=DefinitionStatus.choices, default=DefinitionStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="unique_definition_version"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(status="active"), name="one_active_definition_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class InstanceState(models.TextChoices):
    RUNNING = "running", _("Running")  # 运行中
    COMPLETED = "completed", _("Completed")  # 已结束
    CANCELLED = "cancelled", _("Cancelled")  # 已终止


class ProcessInstance(models.Model):
    """A process running for one subject (流程实例), e.g. ``("cases.case", "42")``.

    ``variables`` are bound at start (departments, limit) and grow with outcomes; ``joins`` counts the branches
    that reached each open parallel block's join.
    """

    definition = models.ForeignKey(
        ProcessDefinition, verbose_name=_("definition"), on_delete=models.PROTECT, related_name="instances"
    )
    object_type = models.CharField(_("subject type"), max_length=100)
    object_id = models.CharField(_("subject id"), max_length=64)
    variables = models.JSONField(_("variables"), default=dict, blank=True)
    joins = models.JSONField(_("parallel joins"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=InstanceState.choices, default=InstanceState.RUNNING
    )
    result = models.CharField(_("result"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.definition} · {self.object_type}#{self.object_id}"


class WorkItemStatus(models.TextChoices):
    OPEN = "open", _("Open")  # 待认领
    CLAIMED = "claimed", _("Claimed")  # 已认领
    DONE = "done", _("Done")  # 已办
    CANCELLED = "cancelled", _("Cancelled")  # 已取消


PENDING_STATUSES = (WorkItemStatus.OPEN, WorkItemStatus.CLAIMED)


class WorkItem(models.Model):
    """One human task (待办环节) of an instance, for a role in a department, with its deadline (``due_date``).

    ``branch`` tells parallel branches apart (the department code of a per-department branch, or the branch
    index). A work item is due by the end of ``due_date``; overdue is computed from it, never stored.
    """

    instance = models.ForeignKey(
        ProcessInstance, verbose_name=_("instance"), on_delete=models.CASCADE, related_name="work_items"
    )
    node_id = models.CharField(_("step"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    branch = models.CharField(_("branch"), max_length=80, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="work_items"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_items",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=WorkItemStatus.choices, default=WorkItemStatus.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    due_date = models.DateField(_("due date"))
    created_at = models.DateTimeField(_("created at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        ordering = ["due_date", "id"]
        indexes = [
            # The SLA scan and the due-soon / overdue boxes: pending items by deadline.
            models.Index(
                fields=["due_date"], condition=Q(status__in=["open", "claimed"]), name="pending_work_by_due"
            ),
            models.Index(fields=["department", "role", "status", "due_date"], name="work_by_department_role"),
            models.Index(fields=["assignee", "status", "due_date"], name="work_by_assignee"),
            models.Index(fields=["instance", "node_id", "branch"], name="work_by_step"),
        ]
        constraints = [
            # At most one pending item per step (and branch) of an instance: concurrent advances cannot duplicate.
            models.UniqueConstraint(
                fields=["instance", "node_id", "branch"],
                condition=Q(status__in=["open", "claimed"]),
                name="one_pending_item_per_step",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.department}"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES
