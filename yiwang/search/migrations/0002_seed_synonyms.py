"""Seed the synonym table (同义词) with everyday phrases citizens use for common services."""

from django.db import migrations

SYNONYMS = [
    ("生孩子", "新生儿出生一件事 出生医学证明 户口登记"),
    ("新生儿", "新生儿出生一件事 出生医学证明"),
    ("生小孩", "新生儿出生一件事 出生医学证明"),
    ("上户口", "户口登记"),
    ("社保卡", "社会保障卡"),
    ("社保卡丢了", "社会保障卡挂失"),
    ("社保卡掉了", "社会保障卡挂失"),
    ("身份证丢了", "居民身份证挂失"),
    ("开饭店", "食品经营许可 开办餐饮店一件事"),
    ("开餐馆", "食品经营许可 开办餐饮店一件事"),
    ("开餐厅", "食品经营许可 开办餐饮店一件事"),
    ("开饭馆", "食品经营许可 开办餐饮店一件事"),
    ("办营业执照", "设立登记 个体工商户"),
    ("营业执照", "设立登记"),
    ("开公司", "公司设立登记"),
    ("开店", "个体工商户设立登记"),
    ("退休", "正常退休申请"),
    ("养老金", "养老保险待遇申领"),
    ("医保", "医疗保险 医疗保障"),
    ("失业金", "失业保险金申领"),
    ("残疾证", "残疾人证"),
    ("公租房", "公共租赁住房"),
    ("结婚", "结婚登记"),
    ("领证", "结婚登记"),
    ("网约车", "网络预约出租汽车"),
]


def seed(apps, schema_editor):
    synonym = apps.get_model("search", "Synonym")
    for phrase, expansion in SYNONYMS:
        synonym.objects.get_or_create(phrase=phrase, defaults={"expansion": expansion})


def unseed(apps, schema_editor):
    apps.get_model("search", "Synonym").objects.filter(phrase__in=[phrase for phrase, _ in SYNONYMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
