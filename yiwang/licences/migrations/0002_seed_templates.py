"""Message templates of the licences app: licence-issued and licence-revoked (licence, number, department)."""

from django.db import migrations

from yiwang.notify.seeding import remove_templates, seed_templates

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
    seed_templates(apps, TEMPLATES)


def delete_templates(apps, schema_editor):
    remove_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("licences", "0001_initial"), ("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(create_templates, delete_templates)]
