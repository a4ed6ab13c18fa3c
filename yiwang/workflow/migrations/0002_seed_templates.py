"""Message templates of the SLA scan (时限提醒): work-item-due-soon and work-item-overdue (name, count, items)."""

from django.db import migrations

from yiwang.notify.seeding import remove_templates, seed_templates

TEMPLATES = [
    {
        "key": "work-item-due-soon",
        "channel": "inbox",
        "name": "待办即将超期提醒",
        "subject": "您有((count))件待办即将超期",
        "body": "((name))，您好！以下((count))件待办将在两个工作日内到期，请及时办理：\n((items))",
    },
    {
        "key": "work-item-overdue",
        "channel": "inbox",
        "name": "待办超期督办",
        "subject": "((count))件待办已超期",
        "body": "((name))，您好！以下((count))件待办已超过办理时限，请督促办理：\n((items))",
    },
    {
        "key": "work-item-overdue",
        "channel": "sms",
        "name": "待办超期督办",
        "subject": "",
        "body": "【一网】((name))，您有((count))件待办已超过办理时限，请登录工作台查看并督促办理。",
    },
]


def create_templates(apps, schema_editor):
    seed_templates(apps, TEMPLATES)


def delete_templates(apps, schema_editor):
    remove_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial"), ("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(create_templates, delete_templates)]
