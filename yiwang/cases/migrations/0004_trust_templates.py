"""Messages of identity verification and of acting for another citizen (实名核验与代办通知)."""

from django.db import migrations

from yiwang.notify.seeding import remove_templates, seed_templates

TEMPLATES = [
    {
        "key": "case-delegation-started",
        "channel": "inbox",
        "name": "代办申请通知",
        "subject": "有人申请为您代办：((service))",
        "body": (
            "((agent))正在为您代办“((service))”（申请编号((reference))）。在您确认之前，不会调取您的任何数据。"
            "如非您本人同意，请不要把确认码告诉任何人，并可在“我被代办的事项”中终止代办。"
        ),
    },
    {
        "key": "case-delegation-confirmed",
        "channel": "inbox",
        "name": "代办确认通知",
        "subject": "您已确认由((agent))代办：((service))",
        "body": (
            "您已确认由((agent))为您代办“((service))”（申请编号((reference))）。每次为此调取您的数据都会通知您；"
            "您可在“我被代办的事项”中随时终止代办。"
        ),
    },
    {
        "key": "case-delegation-reads",
        "channel": "inbox",
        "name": "代办数据调取通知",
        "subject": "为代办事项调取了您的数据",
        "body": (
            "为((agent))代办的“((service))”（申请编号((reference))），已通过数据共享交换调取您的以下数据：((services))。"
            "详情见“我的数据使用记录”。"
        ),
    },
    {
        "key": "case-delegation-ended",
        "channel": "inbox",
        "name": "代办终止通知",
        "subject": "((citizen))已终止代办",
        "body": "((citizen))已终止您为其代办的申请（申请编号((reference))），该申请不能再提交，也不会再调取其数据。",
    },
    {
        "key": "identity-claim-removed",
        "channel": "inbox",
        "name": "身份号码认领解除通知",
        "subject": "您账户登记的公民身份号码已解除",
        "body": (
            "((name))，您注册时填写的公民身份号码已由其本人完成实名核验，因此已从您的账户中解除。"
            "如您认为有误，请携带身份证到政务服务窗口办理现场核验。"
        ),
    },
    {
        "key": "identity-verified-in-person",
        "channel": "inbox",
        "name": "现场实名核验通知",
        "subject": "您已完成现场实名核验",
        "body": "您于((time))在((place))完成现场实名核验（三级）。如非本人办理，请立即联系12345。",
    },
]


def create_templates(apps, schema_editor):
    seed_templates(apps, TEMPLATES)


def delete_templates(apps, schema_editor):
    remove_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_delegation_confirmation"), ("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(create_templates, delete_templates)]
