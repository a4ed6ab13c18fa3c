"""Message templates of the cases app: case updates, supervision (督办) and the village agent's confirmation code."""

from django.db import migrations

from yiwang.notify.seeding import remove_templates, seed_templates

TEMPLATES = [
    {
        "key": "case-updated",
        "channel": "inbox",
        "name": "办件进度通知",
        "subject": "办件((number))：((state))",
        "body": "您申请的“((item))”（办件编号((number))）当前状态：((state))。((message))",
        "contains_secret": False,
    },
    {
        "key": "case-supervised",
        "channel": "inbox",
        "name": "督办通知",
        "subject": "督办：办件((number))",
        "body": "办件((number))（((item))）已被督办，请尽快办理。督办意见：((message))",
        "contains_secret": False,
    },
    {
        "key": "case-delegation-code",
        "channel": "sms",
        "name": "代办确认码",
        "subject": "",
        "body": (
            "【一网通办】((agent))正在为您代办政务服务事项，确认码((code))，((minutes))分钟内有效。"
            "如非本人同意，请勿告知他人。"
        ),
        "contains_secret": True,
    },
]


def create_templates(apps, schema_editor):
    seed_templates(apps, TEMPLATES)


def delete_templates(apps, schema_editor):
    remove_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(create_templates, delete_templates)]
