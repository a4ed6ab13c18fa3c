"""The supervisor's finding on a flagged access (调查结论), and the message telling the citizen about it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TEMPLATE = {
    "key": "registries-supervision-closed",
    "channel": "inbox",
    "name": "可疑访问举报已办结",
    "subject": "您举报的数据访问已有调查结论",
    "body": (
        "您举报的((department))于((time))通过((service))查询您数据的行为已核查完毕。"
        "调查结论：((finding))"
    ),
}


def seed(apps, schema_editor):
    apps.get_model("notify", "NotificationTemplate").objects.update_or_create(
        key=TEMPLATE["key"],
        channel=TEMPLATE["channel"],
        defaults={"name": TEMPLATE["name"], "subject": TEMPLATE["subject"], "body": TEMPLATE["body"]},
    )


def unseed(apps, schema_editor):
    apps.get_model("notify", "NotificationTemplate").objects.filter(key=TEMPLATE["key"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registries", "0002_seed_catalogue"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="supervisionitem",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="closed at"),
        ),
        migrations.AddField(
            model_name="supervisionitem",
            name="closed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="closed by",
            ),
        ),
        migrations.AddField(
            model_name="supervisionitem",
            name="finding",
            field=models.TextField(blank=True, verbose_name="finding"),
        ),
        migrations.RunPython(seed, unseed),
    ]
