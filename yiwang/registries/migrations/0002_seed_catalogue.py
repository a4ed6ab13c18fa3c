"""Seed the data-service catalogue (declared, without providers: the demo or an administrator names them) and the
message template for supervisors when a citizen flags an access."""

from django.db import migrations

from yiwang.registries.catalogue import service_rows

TEMPLATE = {
    "key": "registries-access-flagged",
    "channel": "inbox",
    "name": "数据访问被举报",
    "subject": "群众举报一次可疑的数据访问",
    "body": (
        "群众举报((department))于((time))通过((service))查询其数据的行为可疑（查询人：((staff))）。"
        "举报理由：((reason))。请督查核实，并在规定时限内答复。"
    ),
}


def seed(apps, schema_editor):
    DataService = apps.get_model("registries", "DataService")
    for row in service_rows():
        DataService.objects.update_or_create(name=row["name"], defaults=row)
    NotificationTemplate = apps.get_model("notify", "NotificationTemplate")
    NotificationTemplate.objects.update_or_create(
        key=TEMPLATE["key"],
        channel=TEMPLATE["channel"],
        defaults={"name": TEMPLATE["name"], "subject": TEMPLATE["subject"], "body": TEMPLATE["body"]},
    )


def unseed(apps, schema_editor):
    apps.get_model("registries", "DataService").objects.all().delete()
    apps.get_model("notify", "NotificationTemplate").objects.filter(key=TEMPLATE["key"]).delete()


class Migration(migrations.Migration):
    dependencies = [("registries", "0001_initial"), ("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(seed, unseed)]
