"""Declare 法人.法定代表人核验 (legal representative check, yes/no only) in the data-service catalogue.

Like 0002, the service is declared without a provider: the demo (``yiwang demo load``) or an administrator names
the provider department. The row is written out here rather than read from the catalogue module, so this
migration means the same thing whatever the module says later.
"""

import uuid

from django.db import migrations

SERVICE = {
    "name": "法人.法定代表人核验",
    "title": "法定代表人核验（公民身份号码是否为在营市场主体登记的法定代表人）",
    "subject_kind": "uscc",
    "fields": [{"name": "match", "label": "该公民身份号码是否为其登记的法定代表人"}],
    "sharing_class": "unconditional",
    "legal_basis": "《中华人民共和国市场主体登记管理条例》第八条",
}


def seed(apps, schema_editor):
    DataService = apps.get_model("registries", "DataService")
    DataService.objects.update_or_create(name=SERVICE["name"], defaults=SERVICE)
    # Processes cache the catalogue by version (historical models send no signals): make them reload it.
    CatalogueVersion = apps.get_model("registries", "CatalogueVersion")
    CatalogueVersion.objects.update_or_create(singleton=1, defaults={"version": uuid.uuid4().hex})


def unseed(apps, schema_editor):
    apps.get_model("registries", "DataService").objects.filter(name=SERVICE["name"]).delete()


class Migration(migrations.Migration):
    dependencies = [("registries", "0003_supervision_finding")]

    operations = [migrations.RunPython(seed, unseed)]
