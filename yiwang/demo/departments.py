"""The departments of the demo district (演示区县部门): read from the service-item catalogue of 广安区, with full
names and duties (职责) written from public knowledge of each department's remit."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

CATALOGUE_CSV = Path(__file__).resolve().parent / "data" / "guangan-service-items.csv"

PLATFORM_OPERATOR = "区行政审批局"

# CSV short name → (full name, duties). Every department of the catalogue has an entry.
PROFILES: dict[str, tuple[str, str]] = {
    "区委办": (
        "中共广安市广安区委办公室",
        "负责区委日常运转和文电会务，督促检查区委决策部署的落实，承办机要保密和重要来信来访。",
    ),
    "区委统战部": (
        "中共广安市广安区委统一战线工作部",
        "负责统一战线工作，联系民主党派、无党派人士和非公有制经济人士，管理民族宗教和侨务事务。",
    ),
    "区政府办": (
        "广安市广安区人民政府办公室",
        "负责区政府日常运转、政务督查和政务公开，统筹12345政务服务便民热线和政府信息公开申请。",
    ),
    "区发改局": (
        "广安市广安区发展和改革局",
        "拟订全区国民经济和社会发展规划，负责固定资产投资项目审批、核准和备案，承担价格管理和粮食储备工作。",
    ),
    "区经信局": (
        "广安市广安区经济和信息化局",
        "推进工业和信息化发展，负责企业技术改造投资项目备案、中小企业服务和电力、通信等运行协调。",
    ),
    "区教科体局": (
        "广安市广安区教育科技和体育局",
        "负责中小学和幼儿园的办学管理、招生入学、学籍和学生资助，推进科技创新和全民健身工作。",
    ),
    "区公安分局": (
        "广安市公安局广安区分局",
        "负责户籍、居民身份证、出入境和治安管理，办理落户迁移、户口证明，维护社会治安和道路交通安全。",
    ),
    "区民政局": (
        "广安市广安区民政局",
        "负责婚姻登记、最低生活保障、特困人员供养和临时救助，管理养老服务、社会组织登记、殡葬和区划地名。",
    ),
    "区司法局": (
        "广安市广安区司法局",
        "统筹法治政府建设，提供公共法律服务、法律援助和人民调解，管理律师、公证和基层法律服务。",
    ),
    "区财政局": (
        "广安市广安区财政局",
        "负责全区财政预算编制和执行、政府采购监督管理、会计管理和财政票据管理，发放惠民惠农补贴。",
    ),
    "区人社局": (
        "广安市广安区人力资源和社会保障局",
        "负责就业创业服务、职业技能培训、社会保险参保和待遇发放，处理劳动关系、工资支付和劳动保障监察投诉。",
    ),
    "区自然资源和规划局": (
        "广安市广安区自然资源和规划局",
        "负责不动产登记、国土空间规划和建设用地审批，办理建设用地规划许可和建设工程规划许可，保护耕地。",
    ),
    "区生态环境局": (
        "广安市广安区生态环境局",
        "负责环境影响评价审批、排污许可和环境监测，查处大气、水、噪声和固体废物污染，受理环境污染投诉。",
    ),
    "区住建局": (
        "广安市广安区住房和城乡建设局",
        "负责建筑工程施工许可、房地产开发和物业管理监督、城镇住房保障，管理建筑市场和工程质量安全。",
    ),
    "区交通运输局": (
        "广安市广安区交通运输局",
        "负责道路运输经营许可、出租车和网约车管理、农村公路建设养护，受理公路路政和交通运输服务投诉。",
    ),
    "区水务局": (
        "广安市广安区水务局",
        "负责取水许可、河道采砂和涉河建设项目审批，组织水利工程建设、农村饮水安全和防汛抗旱。",
    ),
    "区农业农村局": (
        "广安市广安区农业农村局",
        "负责农作物种子、农药和兽药经营许可，动物防疫、农村宅基地管理和农业补贴，推进乡村振兴。",
    ),
    "区商务局": (
        "广安市广安区商务局",
        "负责内外贸易和招商引资，办理对外贸易经营者备案、成品油和再生资源回收经营管理，维护市场秩序。",
    ),
    "区文广旅局": (
        "广安市广安区文化广播电视和旅游局",
        "负责营业性演出、娱乐场所、网吧和旅行社相关许可，管理文物保护、广播电视和公共文化服务。",
    ),
    "区卫健局": (
        "广安市广安区卫生健康委员会",
        "负责医疗机构和医师执业管理、公共场所卫生许可、生育登记和出生医学证明，组织疾病预防控制和爱国卫生运动。",
    ),
    "区退役军人事务局": (
        "广安市广安区退役军人事务局",
        "负责退役军人安置、就业创业扶持和优抚待遇发放，办理烈士褒扬和退役军人权益保障事项。",
    ),
    "区应急管理局": (
        "广安市广安区应急管理局",
        "负责危险化学品经营许可和安全生产监督管理，组织防灾减灾救灾和应急救援，受理安全生产隐患举报。",
    ),
    "区市监局": (
        "广安市广安区市场监督管理局",
        "负责市场主体登记注册、食品经营许可和食品药品安全监管，查处价格违法、假冒伪劣和消费侵权，处理消费者投诉。",
    ),
    "区统计局": (
        "广安市广安区统计局",
        "组织实施全区统计调查和普查，汇总发布统计数据，依法查处统计造假和拒报迟报等违法行为。",
    ),
    "区医疗保障局": (
        "广安市广安区医疗保障局",
        "负责城乡居民和职工医疗保险参保、医疗费用报销和异地就医备案，管理定点医药机构和医保基金监督。",
    ),
    "区林业局": (
        "广安市广安区林业局",
        "负责林木采伐许可、林地征占用审核和野生动植物保护，组织森林防火和林业有害生物防治。",
    ),
    "区综合执法局": (
        "广安市广安区综合行政执法局",
        "负责城市管理综合执法，管理市容环境卫生、户外广告、占道经营和城市道路挖掘，查处违法建设。",
    ),
    "区残联": (
        "广安市广安区残疾人联合会",
        "负责残疾人证办理、残疾人康复、教育、就业和托养服务，发放残疾人补贴，维护残疾人合法权益。",
    ),
    "区公管办": (
        "广安市广安区公共资源交易服务中心",
        "负责工程建设项目招标投标、政府采购和国有产权交易等公共资源交易的场所服务和信息公开。",
    ),
    "区行政审批局": (
        "广安市广安区行政审批局",
        "负责政务服务中心和“一网通办”平台运行，集中办理划转的行政许可事项，统筹窗口受理、12345热线派单和督办。",
    ),
    "广安区税务局": (
        "国家税务总局广安市广安区税务局",
        "负责税收征收管理、纳税申报和发票管理，办理社会保险费和非税收入征收，提供纳税服务和涉税咨询。",
    ),
    "区消防大队": (
        "广安市广安区消防救援大队",
        "负责公众聚集场所投入使用、营业前消防安全检查和消防监督，组织火灾扑救和应急救援。",
    ),
    "区气象局": (
        "广安市广安区气象局",
        "负责气象监测预报和灾害性天气预警发布，审批升放无人驾驶自由气球和防雷装置设计审核、竣工验收。",
    ),
    "区烟草专卖局": (
        "广安市广安区烟草专卖局",
        "负责烟草专卖零售许可证的核发和管理，查处无证经营和销售假冒走私卷烟等违法行为。",
    ),
}


@dataclass(frozen=True)
class CatalogueDepartment:
    """One department as it appears in the catalogue: its short name, its main code and every code it uses."""

    short_name: str
    code: str
    all_codes: tuple[str, ...]
    item_count: int


def catalogue_departments(path: Path = CATALOGUE_CSV) -> list[CatalogueDepartment]:
    """The departments of the catalogue in order of first appearance.

    Some departments appear under several ``dept_code`` values (sub-units); the most frequent one is the
    department's code, and ``all_codes`` maps the others to it.
    """
    codes: dict[str, Counter[str]] = defaultdict(Counter)
    with path.open(encoding="utf-8", newline="") as csv_file:
        for row in csv.DictReader(csv_file):
            codes[row["department"].strip()][row["dept_code"].strip()] += 1
    return [
        CatalogueDepartment(
            short_name=name,
            code=counter.most_common(1)[0][0],
            all_codes=tuple(sorted(counter)),
            item_count=sum(counter.values()),
        )
        for name, counter in codes.items()
    ]


def department_code_for(catalogue_code: str, path: Path = CATALOGUE_CSV) -> str | None:
    """The department code for any ``dept_code`` of the catalogue (also a sub-unit's), or None if unknown."""
    for department in catalogue_departments(path):
        if catalogue_code in department.all_codes:
            return department.code
    return None
