"""Message templates of company claims (企业认领): company-claim-replaced (name, company, uscc) tells someone whose
earlier legal-representative claim ended because the registered representative claimed the company;
company-agent-requested (name, company) asks the legal representative to approve a new agent."""

from django.db import migrations

from yiwang.notify.seeding import remove_templates, seed_templates

TEMPLATES = [
    {
        "key": "company-claim-replaced",
        "channel": "inbox",
        "name": "企业法定代表人认领被替换",
        "subject": "您已不再代表((company))",
        "body": (
            "((name))，您好！法人库登记的((company))（统一社会信用代码((uscc))）的法定代表人已在一网认领该企业。"
            "根据登记信息，您不是该企业的法定代表人，您以法定代表人身份代表该企业办事的权限已终止，"
            "您此前批准的经办人需由登记的法定代表人重新批准。如有异议，请向市场监督管理部门核实登记信息。"
        ),
    },
    {
        "key": "company-agent-requested",
        "channel": "inbox",
        "name": "经办人申请待批准",
        "subject": "((name))申请代表((company))办事",
        "body": "((name))申请作为经办人代表((company))办理政务服务事项。请在“我的企业”中批准或拒绝。",
    },
]


def create_templates(apps, schema_editor):
    seed_templates(apps, TEMPLATES)


def delete_templates(apps, schema_editor):
    remove_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("notify", "0004_seed_code_templates")]

    operations = [migrations.RunPython(create_templates, delete_templates)]
