"""A small synthetic labelled set (合成标注数据) written for the tests: no real citizen messages."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import numpy as np

TOPICS: dict[str, list[str]] = {
    "roads": [
        "路灯不亮",
        "井盖丢失",
        "路面塌陷",
        "人行道破损",
        "红绿灯故障",
        "道路积水",
        "护栏倒了",
        "斑马线模糊",
    ],
    "wages": [
        "拖欠工资",
        "不签劳动合同",
        "不交社保",
        "克扣加班费",
        "辞退不给补偿",
        "工伤不认",
        "押金不退还",
        "欠薪跑路",
    ],
    "food": ["饭菜变质", "过期面包", "后厨老鼠", "食物中毒", "无证餐馆", "地沟油", "假冒奶粉", "卫生太差"],
}
OPENINGS = ["你好，", "我想反映，", "请问", "投诉：", "", "紧急求助，", "麻烦领导看看，"]
PLACES = ["幸福小区", "东门街道", "河西村", "新华路", "城南工业园", "北大街", "建设路口"]
ENDINGS = ["，希望尽快处理。", "，已经很久了。", "，请有关部门管一管。", "。", "，谢谢！"]


def labelled_messages(per_topic: int = 24, seed: int = 7) -> list[tuple[str, str]]:
    """(message, topic) pairs: every message names one complaint of its topic at a random place."""
    chooser = random.Random(seed)
    rows = []
    for topic, complaints in TOPICS.items():
        for index in range(per_topic):
            complaint = complaints[index % len(complaints)]
            rows.append(
                (
                    f"{chooser.choice(OPENINGS)}{chooser.choice(PLACES)}{complaint}{chooser.choice(ENDINGS)}",
                    topic,
                )
            )
    chooser.shuffle(rows)
    return rows


def write_csv(
    path: Path, rows: list[tuple[str, str]], text_column: str = "text", label_column: str = "label"
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as csv_file:
        writer = csv.writer(csv_file)
        writer.writerow([text_column, label_column])
        writer.writerows(rows)
    return path


def format_one_model_file() -> bytes:
    """A model file of the previous format (1), whose threshold was calibrated on the top confidence."""
    buffer = io.BytesIO()
    np.savez(buffer, header=np.frombuffer(json.dumps({"format": 1}).encode(), dtype=np.uint8))
    return buffer.getvalue()
