"""Message templates of the one-time codes other than login (yiwang.accounts.onetime): registration and step-up.
Placeholders: code, minutes. (The delegation code's template belongs to the cases app.)"""

from django.db import migrations

from yiwang.notify.seeding import remove_templates, seed_templates

TEMPLATES = [
    {
        "key": "registration-code",
        "channel": "sms",
        "name": "注册验证码",
        "subject": "",
        "body": "【一网】您正在注册一网账户，验证码是((code))，((minutes))分钟内有效。如非本人操作，请忽略本短信。",
        "contains_secret": True,
    },
    {
        "key": "step-up-code",
        "channel": "sms",
        "name": "操作确认验证码",
        "subject": "",
        "body": "【一网】您正在进行需要再次确认身份的操作，验证码是((code))，((minutes))分钟内有效。请勿告诉他人。",
        "contains_secret": True,
    },
]


def create_templates(apps, schema_editor):
    seed_templates(apps, TEMPLATES)


def delete_templates(apps, schema_editor):
    remove_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("notify", "0003_alter_notification_to_address")]

    operations = [migrations.RunPython(create_templates, delete_templates)]
