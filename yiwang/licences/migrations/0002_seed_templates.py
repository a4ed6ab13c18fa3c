"""Message templates of the licences app: licence-issued and licence-revoked (licence, number, department)."""

from django.db import migrations

TEMPLATES = [
    {
        "key": "licence-issued",
        "channel": "inbox",
        "name": "电子证照已签发",
        "subject": "您的电子证照已签发",
        "body": (
            "((department))已为您签发((licence))，证照编号((number))。"
            "您可以在“我的证照”中查看和打印，扫描证照上的二维码即可核验真伪。"
        ),
    },
    {
        "key": "licence-revoked",
        "channel": "inbox",
        "name": "电子证照已注销",
        "subject": "您的电子证照已注销",
        "body": (
            "((department))已注销您的((licence))（证照编号((number))）。"
            "注销原因可在“我的证照”中查看；如有异议，可依法申请行政复议或提起行政诉讼。"
        ),
    },
]


def create_templates(apps, schema_editor):
    NotificationTemplate = apps.get_model("notify", "NotificationTemplate")
    for template in TEMPLATES:
        NotificationTemplate.objects.update_or_create(
            key=template["key"],
            channel=template["channel"],
            defaults={"name": template["name"], "subject": template["subject"], "body": template["body"]},
        )


def delete_templates(apps, schema_editor):
    NotificationTemplate = apps.get_model("notify", "NotificationTemplate")
    for template in TEMPLATES:
        NotificationTemplate.objects.filter(key=template["key"], channel=template["channel"]).delete()


class Migration(migrations.Migration):
    dependencies = [("licences", "0001_initial"), ("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(create_templates, delete_templates)]
