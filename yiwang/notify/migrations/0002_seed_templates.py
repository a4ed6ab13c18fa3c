"""The platform's message templates (消息模板). Placeholders: login-code (code, minutes), welcome (name),
account-locked (minutes), staff-totp-enrolled (name, time)."""

from django.db import migrations

from yiwang.notify.seeding import remove_templates, seed_templates

TEMPLATES = [
    {
        "key": "login-code",
        "channel": "sms",
        "name": "登录验证码",
        "subject": "",
        "body": "【一网】您的登录验证码是((code))，((minutes))分钟内有效。请勿告诉他人。",
        "contains_secret": True,
    },
    {
        "key": "welcome",
        "channel": "inbox",
        "name": "注册欢迎",
        "subject": "欢迎使用一网",
        "body": (
            "((name))，您好！欢迎使用一网通办。您可以在这里查找办事指南、在线申请事项、查看办理进度。"
            "办件每一步的进展都会以站内消息通知您。"
        ),
    },
    {
        "key": "welcome",
        "channel": "sms",
        "name": "注册欢迎",
        "subject": "",
        "body": "【一网】((name))，您好！您已成功注册一网账户，办事进度将通过站内消息和短信通知您。",
    },
    {
        "key": "account-locked",
        "channel": "inbox",
        "name": "账户临时锁定",
        "subject": "账户已临时锁定",
        "body": (
            "您的账户因多次登录失败已被临时锁定，((minutes))分钟后可再次尝试登录。"
            "如非本人操作，请及时修改密码或联系12345热线。"
        ),
    },
    {
        "key": "account-locked",
        "channel": "sms",
        "name": "账户临时锁定",
        "subject": "",
        "body": "【一网】您的账户因多次登录失败已临时锁定，((minutes))分钟后可再试。如非本人操作，请及时修改密码。",
    },
    {
        "key": "staff-totp-enrolled",
        "channel": "inbox",
        "name": "工作人员绑定动态口令",
        "subject": "已绑定动态口令",
        "body": (
            "((name))，您已于((time))为工作人员账户绑定动态口令。今后登录时需输入验证器应用生成的六位数字。"
            "如非本人操作，请立即联系系统管理员。"
        ),
    },
]


def create_templates(apps, schema_editor):
    seed_templates(apps, TEMPLATES)


def delete_templates(apps, schema_editor):
    remove_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]

    operations = [migrations.RunPython(create_templates, delete_templates)]
