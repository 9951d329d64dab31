"""What the seed documents say, as data: departments, items and the tasks they describe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from schema.enums import DepartmentLevel, EntityType


@dataclass(frozen=True)
class DepartmentSeed:
    """A department named in a seed document."""

    code: str
    name: str
    short_name: str
    level: DepartmentLevel
    region_code: str
    parent: str | None = None


@dataclass(frozen=True)
class ItemSeed:
    """An item of a department's list."""

    department: str
    code: str
    name: str
    category: str
    legal_basis: str
    content: str = ""


@dataclass(frozen=True)
class StratumSeed:
    """A stratum and its ratio in basis points."""

    name: str
    ratio_bp: int
    entity_type: EntityType | None = None
    industry: str | None = None


@dataclass(frozen=True)
class TaskSeed:
    """A task described by a seed document, with its real period and ratios."""

    name: str
    plan_title: str
    initiating: str
    participating: tuple[str, ...]
    items: tuple[str, ...]
    strata: tuple[StratumSeed, ...]
    period_start: date
    period_end: date
    level: DepartmentLevel
    region_code: str
    scope: str
    seed: str


COUNTY, CITY = DepartmentLevel.COUNTY, DepartmentLevel.CITY

DEPARTMENTS = (
    # seed 000: 姚安县 2021 二手车 joint inspection.
    DepartmentSeed("532325-GXSK", "姚安县工业信息化商务科技局", "县工信商务科技局", COUNTY, "532325"),
    DepartmentSeed("532325-GA", "姚安县公安局", "县公安局", COUNTY, "532325"),
    DepartmentSeed("532325-SCJG", "姚安县市场监督管理局", "县市场监管局", COUNTY, "532325"),
    # seed 003: 秦皇岛 2021 internal joint inspection, dispatched to district bureaus.
    DepartmentSeed("130300-SCJG", "秦皇岛市市场监督管理局", "秦皇岛市市场监管局", CITY, "130300"),
    DepartmentSeed(
        "130302-SCJG",
        "秦皇岛市海港区市场监督管理局",
        "海港区市场监管局",
        COUNTY,
        "130302",
        "130300-SCJG",
    ),
    DepartmentSeed(
        "130303-SCJG",
        "秦皇岛市山海关区市场监督管理局",
        "山海关区市场监管局",
        COUNTY,
        "130303",
        "130300-SCJG",
    ),
    # seed 001: 舞钢市 (平顶山); seed 002: 新平县; seed 004: 阳城县.
    DepartmentSeed("410481-SCJG", "舞钢市市场监督管理局", "舞钢市市场监管局", COUNTY, "410481"),
    DepartmentSeed("530427-ZRZY", "新平县自然资源局", "新平县自然资源局", COUNTY, "530427"),
    DepartmentSeed("140522-GA", "阳城县公安局", "阳城县公安局", COUNTY, "140522"),
)

_SAMR_BASIS = "《市场监督管理行政处罚程序规定》《河北省市场监督管理局随机抽查事项清单（2020年版）》"
# seed 003 二: the fifteen items of 秦皇岛's 2021 internal joint inspection.
QHD_ITEMS = (
    ("QHD-01", "登记事项检查", "登记注册", "《市场主体登记管理条例》"),
    ("QHD-02", "公示信息检查", "信用监管", "《企业信息公示暂行条例》"),
    ("QHD-03", "直销行为检查", "直销监管", "《直销管理条例》"),
    ("QHD-04", "电子商务经营行为监督检查", "网络交易监管", "《中华人民共和国电子商务法》"),
    ("QHD-05", "拍卖等重要领域市场规范管理检查", "市场规范管理", "《中华人民共和国拍卖法》"),
    ("QHD-06", "广告行为检查", "广告监管", "《中华人民共和国广告法》"),
    ("QHD-07", "产品质量监督检查", "产品质量", "《中华人民共和国产品质量法》"),
    (
        "QHD-08",
        "工业产品生产许可证产品生产企业检查",
        "产品质量",
        "《中华人民共和国工业产品生产许可证管理条例》",
    ),
    ("QHD-09", "计量监督检查", "计量", "《中华人民共和国计量法》"),
    ("QHD-10", "认证活动监督检查", "认证认可", "《中华人民共和国认证认可条例》"),
    ("QHD-11", "企业标准自我声明监督检查", "标准化", "《中华人民共和国标准化法》"),
    ("QHD-12", "检验检测机构检查", "检验检测", "《检验检测机构资质认定管理办法》"),
    ("QHD-13", "专利真实性监督检查", "知识产权", "《中华人民共和国专利法》"),
    ("QHD-14", "商标使用行为的检查", "知识产权", "《中华人民共和国商标法》"),
    ("QHD-15", "商标代理行为的检查", "知识产权", "《商标代理监督管理规定》"),
)

ITEMS = (
    *(
        ItemSeed("130300-SCJG", code, name, category, f"{basis}；{_SAMR_BASIS}")
        for code, name, category, basis in QHD_ITEMS
    ),
    # seed 000 四: each department checks its own part of the used-car market.
    ItemSeed(
        "532325-GXSK",
        "YA-GX-01",
        "二手车经营备案检查",
        "二手车流通",
        "《二手车流通管理办法》；云商市〔2011〕178号",
        "二手车交易市场经营备案情况",
    ),
    ItemSeed(
        "532325-GA",
        "YA-GA-01",
        "二手车销售合同欺诈行为检查",
        "治安管理",
        "《二手车流通管理办法》",
        "二手车销售合同是否存在合同欺诈等行为",
    ),
    ItemSeed(
        "532325-SCJG",
        "YA-SC-01",
        "二手车销售合同行为检查",
        "合同行政监管",
        "《二手车流通管理办法》；《合同行政监督管理办法》",
        "二手车销售合同是否存在合同欺诈等行为",
    ),
)

# Which of the fifteen items a stratum checks (seed 003 三(二): "只检查登记事项和公示信息" for the rest).
QHD_ITEMS_BY_INDUSTRY = {
    "直销": "QHD-03",
    "电子商务": "QHD-04",
    "电动自行车销售": "QHD-07",
    "棉花加工": "QHD-07",
    "计量": "QHD-09",
    "认证": "QHD-10",
    "检验检测": "QHD-12",
}

ENTERPRISE, INDIVIDUAL = EntityType.ENTERPRISE, EntityType.INDIVIDUAL_BUSINESS

TASKS = (
    TaskSeed(
        name="2021年度二手车市场监管“双随机、一公开”联合抽查",
        plan_title="2021年度姚安县市场监管领域部门联合“双随机、一公开”抽查工作计划",
        initiating="532325-GXSK",
        participating=("532325-GA", "532325-SCJG"),
        items=("YA-GX-01", "YA-GA-01", "YA-SC-01"),
        strata=(StratumSeed("二手车交易市场（二手车经营主体）", 1000, industry="二手车交易"),),
        period_start=date(2021, 11, 1),
        period_end=date(2021, 11, 30),
        level=COUNTY,
        region_code="532325",
        scope="已在市场监管部门登记设立的二手车交易市场（二手车经营主体），抽查比例不少于10%",
        seed="yaoan-2021-used-cars-demo-seed",
    ),
    TaskSeed(
        name="秦皇岛市市场监管系统2021年内部联合“双随机、一公开”抽查",
        plan_title="全市市场监管系统2021年“双随机、一公开”监管工作实施方案",
        initiating="130300-SCJG",
        participating=("130302-SCJG", "130303-SCJG"),
        items=tuple(code for code, *_ in QHD_ITEMS),
        strata=(
            StratumSeed("直销企业", 100, ENTERPRISE, "直销"),
            StratumSeed("电子商务平台经营者（企业）", 10000, ENTERPRISE, "电子商务"),
            StratumSeed("电动自行车生产销售企业", 3000, ENTERPRISE, "电动自行车销售"),
            StratumSeed("棉花加工销售企业", 3000, ENTERPRISE, "棉花加工"),
            StratumSeed("宣传出版、文化教育、市场交易等计量单位", 1000, ENTERPRISE, "计量"),
            StratumSeed("自愿性认证获证组织", 500, ENTERPRISE, "认证"),
            StratumSeed("检验检测机构（其它领域）", 1500, ENTERPRISE, "检验检测"),
            StratumSeed("其它类型企业、农民专业合作社", 300, ENTERPRISE),
            StratumSeed("其它类型农民专业合作社", 300, EntityType.FARMER_COOPERATIVE),
            StratumSeed("电子商务平台经营者（个体工商户）", 10000, INDIVIDUAL, "电子商务"),
            StratumSeed("其它类个体工商户", 50, INDIVIDUAL),
        ),
        period_start=date(2021, 5, 8),
        period_end=date(2021, 7, 31),
        level=CITY,
        region_code="130300",
        scope="全市2020年12月31日（含）前登记注册的企业、农民专业合作社、个体工商户",
        seed="qinhuangdao-2021-internal-joint-demo-seed",
    ),
)
