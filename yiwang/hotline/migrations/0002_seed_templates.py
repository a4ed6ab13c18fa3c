"""Message templates of the hotline: the citizen's updates (inbox and SMS) and the staff's notices (inbox)."""

from django.db import migrations

from yiwang.notify.seeding import remove_templates, seed_templates

CITIZEN = {
    "hotline-received": ("诉求已受理", "您的诉求已受理，工单号((number))，办理时限至((due))。"),
    "hotline-dispatched": ("诉求已派单", "工单((number))已转交((department))办理，办理时限至((due))。"),
    "hotline-extended": (
        "办理时限延期",
        "工单((number))经批准延期((days))个工作日，新的办理时限为((due))。原因：((reason))",
    ),
    "hotline-replied": ("诉求已答复", "工单((number))已答复：((reply))"),
    "hotline-redo": ("诉求重新办理", "根据您的回访意见，工单((number))已安排重新办理，办理时限至((due))。"),
    "hotline-closed": ("诉求已办结", "工单((number))已办结，欢迎登录“我的诉求”对办理结果进行评价。"),
    "hotline-merged": (
        "诉求已合并办理",
        "您反映的问题与工单((target))为同一事项，已合并办理，办理进展将一并告知。",
    ),
}
STAFF = {
    "hotline-assigned": ("新工单待签收", "新工单((number))：((title))。请于((sign_by))前签收，办理时限至((due))。"),
    "hotline-sent-back": ("工单被退回", "工单((number))（((title))）被((department))退回，原因：((reason))。请重新派单。"),
    "hotline-extension-requested": (
        "延期申请待审批",
        "工单((number))（((title))）申请延期((days))个工作日，原因：((reason))。",
    ),
    "hotline-extension-decided": ("延期申请已审批", "工单((number))的延期申请((decision))，办理时限至((due))。"),
    "hotline-supervised": ("工单督办", "督办：工单((number))（((title))），办理时限至((due))。督办意见：((message))"),
    "hotline-redo-department": ("工单重办", "工单((number))（((title))）回访不满意，需重新办理，时限至((due))。原因：((reason))"),
    "hotline-due-soon": ("工单即将超期", "您所在部门有((count))件工单即将超期：\n((tickets))"),
    "hotline-overdue": ("工单已超期", "有((count))件工单已超期：\n((tickets))"),
}


def _rows():
    for key, (name, body) in CITIZEN.items():
        yield key, "inbox", name, name + "：工单((number))", body
        yield key, "sms", name, "", "【12345】" + body
    for key, (name, body) in STAFF.items():
        yield key, "inbox", name, name, body


def _templates():
    return [
        {"key": key, "channel": channel, "name": name, "subject": subject, "body": body}
        for key, channel, name, subject, body in _rows()
    ]


def create_templates(apps, schema_editor):
    seed_templates(apps, _templates())


def delete_templates(apps, schema_editor):
    remove_templates(apps, _templates())


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_initial"), ("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(create_templates, delete_templates)]
