"""Guide workflow (指南编辑、审核、发布): who may do what, checks on publish, versions and the audit trail."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from tests.catalog.conftest import guide_for, staff_with
from tests.factories import DepartmentFactory, ServiceItemFactory
from yiwang.accounts.models import User
from yiwang.catalog import actions
from yiwang.catalog.models import GuideStatus, GuideVersion, ServiceItem
from yiwang.core.errors import ActionConflict
from yiwang.core.models import AuditRecord
from yiwang.org.models import Role


def test_department_admin_drafts_submits_and_reviewer_publishes(
    item: ServiceItem, admin_user: User, reviewer: User
) -> None:
    draft = actions.do_save_draft(admin_user, item, guide_for(item), "首次编写")
    actions.do_submit_guide(admin_user, draft)
    actions.do_publish_guide(reviewer, draft)

    draft.refresh_from_db()
    item.refresh_from_db()
    assert (draft.status, draft.number, draft.author, draft.reviewer) == (
        "published",
        1,
        admin_user,
        reviewer,
    )
    assert item.serves_persons and item.serves_companies
    assert list(AuditRecord.objects.filter(object_id=str(draft.pk)).values_list("action", flat=True)) == [
        "catalog.guide_draft_saved",
        "catalog.guide_submitted",
        "catalog.guide_published",
    ]


def test_a_new_published_version_archives_the_previous_one(item: ServiceItem, admin_user: User) -> None:
    first = actions.do_save_draft(admin_user, item, guide_for(item))
    actions.do_publish_guide(admin_user, actions.do_submit_guide(admin_user, first))
    second = actions.do_save_draft(admin_user, item, guide_for(item, promised_limit_days=3), "承诺时限缩短")
    actions.do_publish_guide(admin_user, actions.do_submit_guide(admin_user, second))

    statuses = dict(item.guide_versions.values_list("number", "status"))
    assert statuses == {1: "archived", 2: "published"}


def test_staff_of_another_department_may_not_edit(item: ServiceItem) -> None:
    outsider = staff_with(DepartmentFactory(), Role.DEPARTMENT_ADMIN)

    with pytest.raises(PermissionDenied):
        actions.do_save_draft(outsider, item, guide_for(item))
    assert not GuideVersion.objects.exists()


def test_a_reviewer_may_not_edit_and_a_clerk_may_not_publish(
    item: ServiceItem, admin_user: User, reviewer: User
) -> None:
    clerk = staff_with(item.department, Role.WINDOW_CLERK)
    with pytest.raises(PermissionDenied):
        actions.do_save_draft(reviewer, item, guide_for(item))
    draft = actions.do_submit_guide(admin_user, actions.do_save_draft(admin_user, item, guide_for(item)))

    with pytest.raises(PermissionDenied):
        actions.do_publish_guide(clerk, draft)
    draft.refresh_from_db()
    assert draft.status == "in_review"


def test_a_platform_admin_may_edit_and_publish_anywhere(item: ServiceItem) -> None:
    platform_admin = staff_with(DepartmentFactory(), Role.PLATFORM_ADMIN)

    draft = actions.do_save_draft(platform_admin, item, guide_for(item))
    actions.do_publish_guide(platform_admin, actions.do_submit_guide(platform_admin, draft))

    assert item.guide_versions.get().status == "published"


def test_submitting_a_guide_with_problems_is_refused_with_the_list(
    item: ServiceItem, admin_user: User
) -> None:
    draft = actions.do_save_draft(
        admin_user, item, guide_for(item, promised_limit_days=30, conditions=["其他条件"])
    )

    with pytest.raises(actions.GuideCheckFailed) as refused:
        actions.do_submit_guide(admin_user, draft)

    assert [problem.element for problem in refused.value.problems] == ["promised_limit_days", "conditions.0"]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_publishing_reruns_the_checks(item: ServiceItem, admin_user: User, reviewer: User) -> None:
    draft = actions.do_submit_guide(admin_user, actions.do_save_draft(admin_user, item, guide_for(item)))
    # The catalogue renamed the item after submission: the guide no longer matches it.
    ServiceItem.objects.filter(pk=item.pk).update(name="食品经营许可（新）")
    draft.item.refresh_from_db()

    with pytest.raises(actions.GuideCheckFailed) as refused:
        actions.do_publish_guide(reviewer, draft)

    assert [problem.element for problem in refused.value.problems] == ["name"]
    assert not item.guide_versions.filter(status="published").exists()


def test_rejecting_needs_a_reason_and_reopens_editing(
    item: ServiceItem, admin_user: User, reviewer: User
) -> None:
    draft = actions.do_submit_guide(admin_user, actions.do_save_draft(admin_user, item, guide_for(item)))
    with pytest.raises(ActionConflict):
        actions.do_save_draft(admin_user, item, guide_for(item))
    with pytest.raises(ValidationError):
        actions.do_reject_guide(reviewer, draft, "  ")

    actions.do_reject_guide(reviewer, draft, "办理地点写错了")
    redraft = actions.do_save_draft(admin_user, item, guide_for(item, place="广安区政务服务中心三楼"))

    draft.refresh_from_db()
    assert (draft.status, draft.rejection_reason) == ("rejected", "办理地点写错了")
    assert (redraft.number, redraft.status) == (2, "draft")


def test_a_malformed_draft_is_refused_per_element(item: ServiceItem, admin_user: User) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.do_save_draft(
            admin_user, item, guide_for(item, visits="很多", materials=[{"name": "申请书", "colour": "红"}])
        )

    assert set(refused.value.message_dict) == {"visits", "materials.0.colour"}
    assert refused.value.message_dict["visits"] == ["须为整数。"]


def test_acting_on_a_stale_version_is_a_conflict(item: ServiceItem, admin_user: User, reviewer: User) -> None:
    draft = actions.do_submit_guide(admin_user, actions.do_save_draft(admin_user, item, guide_for(item)))
    stale = GuideVersion.objects.get(pk=draft.pk)
    actions.do_publish_guide(reviewer, draft)

    with pytest.raises(ActionConflict):
        actions.do_reject_guide(reviewer, stale, "晚了一步")


STEPS = st.lists(st.sampled_from(["save", "submit", "publish", "reject"]), max_size=12)


class GuideStateMachineTest(TestCase):
    """Whatever order staff act in, an item has at most one published and one open version, numbered 1, 2, …"""

    @settings(max_examples=40, deadline=None)
    @given(steps=STEPS)
    def test_invariants_hold(self, steps: list[str]) -> None:
        # A fixed division: DivisionFactory's sequence outgrows the 12-digit code after 100 examples.
        item = ServiceItemFactory(name="食品经营许可核发", department__division__code="511602000000")
        admin = staff_with(item.department, Role.DEPARTMENT_ADMIN)
        for step in steps:
            latest = item.guide_versions.order_by("-number").first()
            try:
                if step == "save":
                    actions.do_save_draft(admin, item, guide_for(item))
                elif latest is not None and step == "submit":
                    actions.do_submit_guide(admin, latest)
                elif latest is not None and step == "publish":
                    actions.do_publish_guide(admin, latest)
                elif latest is not None:
                    actions.do_reject_guide(admin, latest, "需要修改")
            except ActionConflict:
                pass
            versions = list(item.guide_versions.order_by("number"))
            assert [version.number for version in versions] == list(range(1, len(versions) + 1))
            assert sum(version.status == GuideStatus.PUBLISHED for version in versions) <= 1
            assert sum(version.status in ("draft", "in_review") for version in versions) <= 1
