"""Realistic synthetic market entities (市场主体) for demo data and benchmarks.

Everything is drawn from the ``random.Random`` passed in, so the same seed gives the same
entities (on the same Python version). All tables are built once at import; one entity costs
a few dozen ``rng.random()`` calls and string joins, so a million can be generated in seconds.

Shapes follow real registrations (企业名称登记管理规定, 个体工商户名称登记管理办法,
农民专业合作社法):

* enterprises: 行政区划 + 字号 + 行业 + 组织形式, e.g. 秦皇岛鑫达二手车交易有限公司,
  秦皇岛市海港区恒通计量检测有限责任公司, 河北华信电子商务股份有限公司, with the division in
  brackets (鑫达商贸（秦皇岛）有限公司) or as a branch (秦皇岛鑫达商贸有限公司海港分公司);
* individual businesses: 秦皇岛市海港区张记小吃店, 姚安县李氏二手车经营部, 海港区老王五金商店,
  姚安县鑫达五金商店; the operator's surname matches the name;
* farmer cooperatives (since the law took effect on 2007-07-01):
  姚安县光禄镇绿源蔬菜种植农民专业合作社.

字号 come from a few hundred two-character combinations of auspicious characters, weighted so
that some (鑫达, 华信, 恒通 …) recur across entities, as they do in real directories; search has
to tell several 鑫达 companies apart. Full names are unique within one generator run (a
registration authority would refuse a duplicate); former names are not, so an entity's former
name may be another entity's current name.

Credit codes: authority ``9`` (市场监管), category ``1`` enterprise / ``2`` individual business /
``3`` cooperative, the region's division code, and an organisation body that is 8 digits for
enterprises and cooperatives registered before the 2015-10-01 三证合一 reform (their old
组织机构代码) and ``MA`` + 6 characters otherwise, as issued since. Built with
:func:`schema.credit_code.make_code` and unique within one run.

Memory: the uniqueness sets hold every code and name issued, about 250 bytes an entity.

Phone numbers are synthetic but well formed (mobile ``1xx`` + 8 digits, or area code +
7 digits); they may belong to real people, so they must stay non-public as in the product.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import Final, Generic, TypeVar

from schema.credit_code import ALPHABET, make_code

__all__ = [
    "DEMO_REGIONS",
    "ENTERPRISE",
    "ENTITY_TYPES",
    "FARMER_COOPERATIVE",
    "INDIVIDUAL_BUSINESS",
    "INDUSTRIES",
    "EntityFaker",
    "FakeEntity",
    "Region",
    "industries_for",
]

ENTERPRISE: Final = "enterprise"
INDIVIDUAL_BUSINESS: Final = "individual_business"
FARMER_COOPERATIVE: Final = "farmer_cooperative"
ENTITY_TYPES: Final[tuple[str, ...]] = (ENTERPRISE, INDIVIDUAL_BUSINESS, FARMER_COOPERATIVE)

#: Share of each type when none is asked for. Nationally about two thirds of 市场主体 are
#: 个体工商户, most of the rest enterprises, and 1–2 % cooperatives; the demo counties are
#: rural, so cooperatives get a little more.
_TYPE_WEIGHTS: Final = {ENTERPRISE: 31.0, INDIVIDUAL_BUSINESS: 66.0, FARMER_COOPERATIVE: 3.0}
_CATEGORY: Final = {ENTERPRISE: "1", INDIVIDUAL_BUSINESS: "2", FARMER_COOPERATIVE: "3"}


@dataclass(frozen=True)
class FakeEntity:
    """One synthetic market entity, shaped like a row of the entity directory."""

    credit_code: str
    name: str
    former_names: tuple[str, ...]
    entity_type: str
    region_code: str
    address: str
    legal_representative: str
    registration_date: date
    contact_phone: str
    industry: str


@dataclass(frozen=True)
class Region:
    """A county-level division where entities are registered.

    ``name`` is the prefix used in full names and addresses (秦皇岛市海港区, 姚安县), ``short``
    the shortest prefix used in enterprise names (秦皇岛, 姚安), ``towns`` some of its towns,
    townships and sub-districts (optional; used in addresses and cooperative names).
    """

    code: str
    name: str
    short: str
    towns: tuple[str, ...] = ()

    @property
    def local_name(self) -> str:
        """The name without its city: 秦皇岛市海港区 -> 海港区; 姚安县 -> 姚安县."""
        _city, sep, rest = self.name.partition("市")
        return rest if sep and rest else self.name

    @property
    def branch_label(self) -> str:
        """How a branch (分公司) names this place: 海港区 -> 海港, 青龙满族自治县 -> 青龙."""
        local = self.local_name
        if local.endswith("自治县"):
            return self.short
        if len(local) >= 3 and local[-1] in "区县市":
            return local[:-1]
        return local


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Division codes (GB/T 2260) of the seed documents' places; all checked against the current
# list as remembered, 抚宁区 is 130306 since 抚宁县 (130323) became a district in 2015. Town lists
# are from memory and partial (a few names may be dated); they only flavour addresses.
DEMO_REGIONS: Final[tuple[Region, ...]] = (
    Region(
        "532325",
        "姚安县",
        "姚安",
        _words("栋川镇 光禄镇 前场镇 弥兴镇 太平镇 官屯镇 左门乡 大河口乡 适中乡"),
    ),
    Region(
        "130302",
        "秦皇岛市海港区",
        "秦皇岛",
        _words(
            "文化路街道 海滨路街道 北环路街道 建设大街街道 河东街道 西港路街道 燕山大街街道"
            " 港城大街街道 东港镇 海港镇 西港镇 海阳镇 北港镇 杜庄镇 石门寨镇 驻操营镇"
        ),
    ),
    Region(
        "130303",
        "秦皇岛市山海关区",
        "秦皇岛",
        _words("南关街道 古城街道 西关街道 路南街道 第一关镇 石河镇 孟姜镇"),
    ),
    Region(
        "130304",
        "秦皇岛市北戴河区",
        "秦皇岛",
        _words("西山街道 东山街道 海滨镇 戴河镇 牛头崖镇"),
    ),
    Region(
        "130306",
        "秦皇岛市抚宁区",
        "秦皇岛",
        _words("抚宁镇 留守营镇 榆关镇 台营镇 大新寨镇 茶棚乡 深河乡"),
    ),
    Region(
        "130322",
        "昌黎县",
        "昌黎",
        _words(
            "昌黎镇 靖安镇 安山镇 龙家店镇 泥井镇 大蒲河镇 新集镇 刘台庄镇 茹荷镇 朱各庄镇"
            " 荒佃庄镇 团林乡 葛条港乡 两山乡 十里铺乡"
        ),
    ),
    Region(
        "130324",
        "卢龙县",
        "卢龙",
        _words("卢龙镇 潘庄镇 燕河营镇 双望镇 刘田各庄镇 石门镇 陈官屯镇 印庄乡"),
    ),
    Region(
        "130321",
        "青龙满族自治县",
        "青龙",
        _words("青龙镇 祖山镇 木头凳镇 双山子镇 马圈子镇 肖营子镇 大巫岚镇 土门子镇 八道河镇 隔河头镇"),
    ),
    Region(
        "410481",
        "舞钢市",
        "舞钢",
        _words(
            "垭口街道 寺坡街道 院岭街道 矿建街道 朱兰街道 尚店镇 八台镇 尹集镇 枣林镇 武功乡 杨庄乡 庙街乡"
        ),
    ),
    Region(
        "530427",
        "新平彝族傣族自治县",
        "新平",
        _words("桂山街道 古城街道 扬武镇 漠沙镇 戛洒镇 水塘镇 新化乡 老厂乡 平掌乡 建兴乡"),
    ),
    Region(
        "140522",
        "阳城县",
        "阳城",
        _words(
            "凤城镇 北留镇 润城镇 町店镇 芹池镇 次营镇 横河镇 河北镇 蟒河镇 东冶镇 白桑乡"
            " 寺头乡 西河乡 演礼乡 固隆乡 董封乡"
        ),
    ),
)

#: Province by the first two digits of a division code: (full name, short name).
_PROVINCES: Final[dict[str, tuple[str, str]]] = {
    "13": ("河北省", "河北"),
    "14": ("山西省", "山西"),
    "41": ("河南省", "河南"),
    "53": ("云南省", "云南"),
}
#: Prefecture by the first four digits: (full name, short name, telephone area code).
_CITIES: Final[dict[str, tuple[str, str, str]]] = {
    "1303": ("秦皇岛市", "秦皇岛", "0335"),
    "1405": ("晋城市", "晋城", "0356"),
    "4104": ("平顶山市", "平顶山", "0375"),
    "5304": ("玉溪市", "玉溪", "0877"),
    "5323": ("楚雄彝族自治州", "楚雄", "0878"),
}

# --- industries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Industry:
    name: str
    #: Relative weight among the industries of each entity type (0: not for that type).
    weights: tuple[float, float, float]  # enterprise, individual business, cooperative
    #: 行业表述 in an enterprise name, between 字号 and 组织形式.
    enterprise: tuple[str, ...] = ()
    #: Business word + organisational form of an individual business (店, 部, 行 …).
    individual: tuple[str, ...] = ()
    #: 行业表述 of a cooperative, before 农民专业合作社.
    cooperative: tuple[str, ...] = ()


_INDUSTRY_TABLE: Final[tuple[_Industry, ...]] = (
    _Industry(
        "食品销售",
        (12, 20, 0),
        ("食品", "商贸", "食品贸易", "副食品"),
        ("便利店", "副食店", "超市", "食品店", "粮油店", "百货商店", "烟酒商行", "水果店"),
    ),
    _Industry(
        "餐饮服务",
        (5, 18, 0),
        ("餐饮管理", "餐饮服务", "酒店管理"),
        ("小吃店", "饭店", "面馆", "火锅店", "烧烤店", "米线店", "早餐店", "快餐店"),
    ),
    _Industry(
        "服装销售",
        (4, 9, 0),
        ("服饰", "服装"),
        ("服装店", "服饰店", "鞋店", "童装店"),
    ),
    _Industry(
        "五金建材",
        (8, 8, 0),
        ("建材", "五金机电", "建筑材料"),
        ("五金商店", "五金店", "建材经营部", "装饰材料经营部", "水暖经营部"),
    ),
    _Industry(
        "建筑工程",
        (8, 0, 0),
        ("建筑工程", "建设工程", "建筑安装", "路桥工程"),
    ),
    _Industry(
        "美容美发",
        (1, 7, 0),
        ("美容美发", "美容"),
        ("理发店", "美发店", "美容院", "美甲店"),
    ),
    _Industry(
        "汽车维修",
        (3, 6, 0),
        ("汽车维修", "汽车服务"),
        ("汽车修理部", "汽修厂", "汽车美容店", "轮胎经营部"),
    ),
    _Industry(
        "二手车交易",
        (3, 2, 0),
        ("二手车交易", "二手车经纪", "汽车销售", "二手车经销"),
        ("二手车经营部", "二手车行", "汽车信息咨询服务部"),
    ),
    _Industry(
        "电子商务",
        (6, 5, 0),
        ("电子商务", "网络科技", "信息技术"),
        ("电子商务经营部", "网店", "网络科技工作室"),
    ),
    _Industry(
        "货物运输",
        (4, 3, 0),
        ("物流", "运输", "货运"),
        ("货运部", "运输部"),
    ),
    _Industry(
        "住宿服务",
        (1.5, 3, 0),
        ("酒店管理", "宾馆"),
        ("宾馆", "旅馆"),
    ),
    _Industry(
        "广告",
        (3, 2, 0),
        ("广告", "文化传媒"),
        ("广告部", "图文广告部", "广告制作部"),
    ),
    _Industry(
        "电动自行车销售",
        (2, 3, 0),
        ("电动车", "车业", "电动车销售"),
        ("电动车行", "电动车经营部", "电动车商店"),
    ),
    _Industry(
        "计量",  # 计量器具: weighing scales, glasses, fuel dispensers; seed 003 计量监督检查
        (1, 2, 0),
        ("计量检测", "计量校准", "仪器仪表"),
        ("眼镜店", "衡器经营部", "加油站"),
    ),
    _Industry(
        "棉花加工",
        (1, 0.5, 0),
        ("棉业", "棉花加工", "棉业加工"),
        ("棉花加工厂", "轧花厂"),
    ),
    _Industry(
        "检验检测",  # 检验检测机构 are companies (seed 003: 15 % / 30 % strata)
        (1, 0, 0),
        ("检验检测", "检测技术", "质量检测", "机动车检测"),
    ),
    _Industry(
        "直销",  # 直销企业 need a 商务部 licence: companies only (seed 003: 1 %)
        (0.3, 0, 0),
        ("日用品", "保健品", "生物科技"),
    ),
    _Industry(
        "拍卖",
        (0.3, 0, 0),
        ("拍卖",),
    ),
    _Industry(
        "认证",  # 自愿性认证获证组织: manufacturers holding a voluntary certificate (seed 003: 5 %)
        (0.5, 0, 0),
        ("机械制造", "建材", "包装材料", "电器"),
    ),
    _Industry(
        "农作物种植",
        (1, 0, 32),
        ("农业开发", "农业科技"),
        (),
        ("蔬菜种植", "果蔬种植", "水果种植", "核桃种植", "烤烟种植", "苗木种植", "食用菌种植"),
    ),
    _Industry(
        "畜禽养殖",
        (1, 0, 22),
        ("牧业", "养殖"),
        (),
        ("生猪养殖", "肉牛养殖", "养殖", "蛋鸡养殖", "肉羊养殖", "养蜂"),
    ),
    _Industry(
        "中药材种植",
        (0.5, 0, 8),
        ("中药材",),
        (),
        ("中药材种植",),
    ),
    _Industry("农机服务", (0, 0, 6), (), (), ("农机服务",)),
)

#: Every industry label the faker produces.
INDUSTRIES: Final[tuple[str, ...]] = tuple(i.name for i in _INDUSTRY_TABLE)
_INDUSTRY_BY_NAME: Final = {i.name: i for i in _INDUSTRY_TABLE}


def industries_for(entity_type: str) -> tuple[str, ...]:
    """The industries an entity of this type can have."""
    k = ENTITY_TYPES.index(entity_type)
    return tuple(i.name for i in _INDUSTRY_TABLE if i.weights[k] > 0)


# --- weighted tables ------------------------------------------------------------------------

_T = TypeVar("_T")


class _Table(Generic[_T]):
    """Items with relative weights; ``pick`` costs one ``rng.random()`` and one bisect."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, pairs: Sequence[tuple[_T, float]]) -> None:
        pairs = [(item, weight) for item, weight in pairs if weight > 0]
        if not pairs:
            raise ValueError("empty table")
        self._items: tuple[_T, ...] = tuple(item for item, _ in pairs)
        self._cum: tuple[float, ...] = tuple(accumulate(weight for _, weight in pairs))
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> _T:
        return self._items[bisect(self._cum, rng.random() * self._total)]


def _weighted(text: str) -> list[tuple[str, float]]:
    """``"王7.1 李7.0"`` -> ``[("王", 7.1), ("李", 7.0)]``."""
    pairs = []
    for entry in text.split():
        name = entry.rstrip("0123456789.")
        pairs.append((name, float(entry[len(name) :])))
    return pairs


def _pick(rng: random.Random, items: Sequence[_T]) -> _T:
    return items[int(rng.random() * len(items))]


def _upto(rng: random.Random, n: int) -> int:
    """Uniform in 1..n; cheaper than ``rng.randint``."""
    return 1 + int(rng.random() * n)


# --- people ---------------------------------------------------------------------------------

#: Surnames with their approximate share in percent (2020 census order of magnitude).
_SURNAMES: Final = _Table[str](
    _weighted(
        "王7.1 李7.0 张6.4 刘5.3 陈4.5 杨3.1 黄2.2 赵2.0 吴1.9 周1.8 徐1.5 孙1.4 马1.3 朱1.3 胡1.2"
        " 郭1.1 何1.1 林1.0 高1.0 罗0.9 郑0.8 梁0.8 谢0.7 宋0.7 唐0.7 许0.7 韩0.6 冯0.6 邓0.6 曹0.6"
        " 彭0.5 曾0.5 肖0.5 田0.5 董0.5 袁0.5 潘0.4 于0.4 蒋0.4 蔡0.4 余0.4 杜0.4 叶0.4 程0.4 苏0.3"
        " 魏0.3 吕0.3 丁0.3 任0.3 沈0.3 姚0.3 卢0.3 姜0.3 崔0.3 钟0.3 谭0.3 陆0.3 汪0.3 范0.2 金0.2"
        " 石0.2 廖0.2 贾0.2 夏0.2 韦0.2 付0.2 方0.2 白0.2 邹0.2 孟0.2 熊0.2 秦0.2 邱0.2 江0.2 尹0.2"
        " 薛0.2 闫0.2 段0.2 雷0.2 侯0.2 龙0.2 史0.2 陶0.1 黎0.1 贺0.1 顾0.1 毛0.1 郝0.1 龚0.1 邵0.1"
        " 万0.1 钱0.1 严0.1 武0.1 戴0.1 孔0.1 向0.1 汤0.1 普0.05 鲁0.05 施0.05 欧阳0.03 司马0.01"
        " 上官0.01"
    )
)

_GIVEN_SINGLE: Final = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华玲辉鹏飞斌波宇浩凯健俊帆旭宁龙林欢阳晨鑫婷"
    "雪琳晶颖倩燕红梅兰萍峰亮成东海建国文志春秋慧莉蓉丹佳洁欣悦琴云凤兵彬松柏坤"
)
_GIVEN_FIRST: Final = tuple("建志海国春秀桂文晓小永玉红丽金德明俊家子思雨欣佳一梓浩宇世学立长")
_GIVEN_PAIRS: Final = _words(
    "秀英 桂英 秀兰 玉兰 桂兰 建华 建国 建军 志强 志刚 海燕 春梅 丽娟 晓燕 红梅 国强 国华 永刚"
    " 文静 俊杰 子涵 浩然 雨涵 欣怡 梓轩 宇航 家豪 思雨 丽华 玉梅 桂芳 淑珍 凤英 春燕 海涛 志勇"
    " 文华 德明 立新 学军 振华 红霞 晓明 永红"
)

# --- trade names (字号) ----------------------------------------------------------------------

_TRADE_FIRST: Final = "鑫华恒宏盛隆泰金永兴昌鼎瑞祥嘉佳汇旺富顺德新正诚锦豪荣万聚"
_TRADE_SECOND: Final = "达信通盛源泰隆昌兴发祥瑞辉远丰利宇创华诚和润安康鼎福鑫"
#: Combinations that are famous brands or restricted words: never generated.
_TRADE_EXCLUDED: Final = frozenset({"华润", "永辉", "恒安", "万达", "华安", "泰康"})
#: 字号 weighted by a mild power law over (first, second) rank, so 鑫达 is the most common.
_TRADE_NAMES: Final = _Table[str](
    [
        (a + b, 1.0 / ((i + 1) * (j + 1)) ** 0.6)
        for i, a in enumerate(_TRADE_FIRST)
        for j, b in enumerate(_TRADE_SECOND)
        if a != b and a + b not in _TRADE_EXCLUDED
    ]
)
#: 字号 favoured by cooperatives.
_COOP_TRADE_NAMES: Final = _words(
    "绿源 丰收 金穗 兴农 富民 惠农 绿野 田园 沃土 丰源 金田 农丰 鑫农 益农 众鑫 润农 青山 绿丰"
    " 金果 禾丰 康农 山泉"
)
_VILLAGES: Final = _words(
    "红星村 新华村 龙泉村 大庄村 前进村 和平村 石桥村 李家庄村 王庄村 东关村 西营村 南河村"
    " 北沟村 小河村 团结村 新民村"
)
_ROADS: Final = _words(
    "人民路 建设路 解放路 文化路 迎宾路 新华路 团结路 胜利路 和平路 友谊路 幸福路 朝阳路 光明路"
    " 中山路 南环路 北环路 东环路 西环路 滨河路 建设大街 民族路 红旗路 长安街 商业街 府前街"
    " 站前路"
)
_MOBILE_PREFIXES: Final = _words(
    "130 131 132 133 134 135 136 137 138 139 145 147 150 151 152 153 155 156 157 158 159"
    " 166 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 198 199"
)

#: 组织形式 of an enterprise (not a branch), in proportion.
_ENTERPRISE_FORMS: Final = _Table[str]([("有限公司", 74), ("有限责任公司", 21), ("股份有限公司", 5)])
_COOP_FORMS: Final = _Table[str]([("农民专业合作社", 85), ("专业合作社", 15)])

#: Three alphabet characters, indexed 0..31**3-1: two picks make the 6 chars after "MA".
_TRIPLES: Final = tuple(a + b + c for a in ALPHABET for b in ALPHABET for c in ALPHABET)
_REFORM_DAY: Final = date(2015, 10, 1).toordinal()  # 三证合一: new codes issued from here
_FIRST_DAY: Final = date(1995, 1, 1).toordinal()
_COOP_FIRST_DAY: Final = date(2007, 7, 1).toordinal()  # 农民专业合作社法 in force
_LAST_DAY: Final = date(2020, 12, 31).toordinal()

_FORMER_COUNTS: Final = {
    ENTERPRISE: _Table[int]([(0, 85), (1, 12), (2, 3)]),
    INDIVIDUAL_BUSINESS: _Table[int]([(0, 95), (1, 4.5), (2, 0.5)]),
    FARMER_COOPERATIVE: _Table[int]([(0, 93), (1, 6), (2, 1)]),
}


# --- per-region precomputation --------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    region: Region
    local: str  # 海港区 / 姚安县
    branch: str  # 海港 / 姚安
    province_short: str
    address_prefixes: tuple[str, ...]
    enterprise_prefixes: _Table[str]
    parent_prefixes: tuple[str, ...]  # prefixes of a branch's parent company
    area_code: str
    rural_towns: tuple[str, ...]  # 镇 and 乡, where cooperatives are


def _place(region: Region) -> _Place:
    province = _PROVINCES.get(region.code[:2])
    city = _CITIES.get(region.code[:4])
    province_short = province[1] if province else ""
    prefixes: list[tuple[str, float]] = [(region.short, 33), (region.name, 35)]
    city_full = region.short + "市"
    if region.name.startswith(city_full) and region.name != city_full:
        prefixes.append((city_full, 12))  # 秦皇岛市鑫达… (舞钢市 is region.name already)
    if province_short:
        prefixes.append((province_short, 6))
    full_prefix = region.name
    if province:
        middle = city[0] if city and not region.name.startswith(city[0]) else ""
        full_prefix = province[0] + middle + region.name
    parents = [p for p in (province_short, city[1] if city else "", region.short) if p]
    branch = region.branch_label
    return _Place(
        region=region,
        local=region.local_name,
        branch=branch,
        province_short=province_short,
        address_prefixes=(region.name, region.name, full_prefix),
        enterprise_prefixes=_Table(prefixes),
        parent_prefixes=tuple(p for p in dict.fromkeys(parents) if p != branch),
        area_code=city[2] if city else "",
        rural_towns=tuple(t for t in region.towns if t[-1] in "镇乡"),
    )


# --- the faker ------------------------------------------------------------------------------


class EntityFaker:
    """Deterministic generator of :class:`FakeEntity` values from one ``random.Random``.

    Credit codes and names are unique within one instance.
    """

    def __init__(self, rng: random.Random, regions: Sequence[Region] = DEMO_REGIONS) -> None:
        if not regions:
            raise ValueError("at least one region is needed")
        for region in regions:
            if len(region.code) != 6 or not region.code.isdigit():
                raise ValueError(f"region code must be 6 digits, got {region.code!r}")
        self._rng = rng
        self._places = tuple(_place(r) for r in regions)
        self._codes: set[str] = set()
        self._names: set[str] = set()
        self._types = _Table[str](list(_TYPE_WEIGHTS.items()))
        self._industries = {
            t: _Table[_Industry]([(i, i.weights[k]) for i in _INDUSTRY_TABLE])
            for k, t in enumerate(ENTITY_TYPES)
        }
        self._types_by_industry = {
            i.name: _Table[str](
                [(t, _TYPE_WEIGHTS[t] * (i.weights[k] > 0)) for k, t in enumerate(ENTITY_TYPES)]
            )
            for i in _INDUSTRY_TABLE
        }

    # -- public ------------------------------------------------------------------------------

    def person_name(self) -> str:
        """A Chinese person name: weighted surname, one- or two-character given name."""
        return self._person(_SURNAMES.pick(self._rng))

    def entities(self, n: int) -> Iterator[FakeEntity]:
        """``n`` entities of mixed types and industries."""
        for _ in range(n):
            yield self.entity()

    def entity(self, *, entity_type: str | None = None, industry: str | None = None) -> FakeEntity:
        """One entity; ``entity_type`` and ``industry`` are drawn when not given.

        Raises ``ValueError`` for an unknown type or industry, or an industry that type cannot
        have (see :func:`industries_for`, e.g. no 个体工商户 does 检验检测).
        """
        rng = self._rng
        if entity_type is None:
            if industry is None:
                entity_type = self._types.pick(rng)
            else:
                self._industry(industry)  # unknown -> ValueError
                entity_type = self._types_by_industry[industry].pick(rng)
        elif entity_type not in _CATEGORY:
            raise ValueError(f"unknown entity type {entity_type!r}; one of {ENTITY_TYPES}")
        k = ENTITY_TYPES.index(entity_type)
        if industry is None:
            sector = self._industries[entity_type].pick(rng)
        else:
            sector = self._industry(industry)
            if sector.weights[k] <= 0:
                raise ValueError(f"type {entity_type!r} cannot have industry {industry!r}")

        place = _pick(rng, self._places)
        surname = _SURNAMES.pick(rng)
        if entity_type == ENTERPRISE:
            make_name = self._enterprise_name
            first_day = _FIRST_DAY
        elif entity_type == INDIVIDUAL_BUSINESS:
            make_name = self._individual_name
            first_day = _FIRST_DAY
        else:
            make_name = self._cooperative_name
            first_day = _COOP_FIRST_DAY

        # One town for the name (cooperatives) and the address.
        towns = place.rural_towns if entity_type == FARMER_COOPERATIVE else place.region.towns
        town = _pick(rng, towns) if towns else ""
        name, person = make_name(place, sector, surname, town, False)
        for _ in range(20):
            if name not in self._names:
                break
            name, person = make_name(place, sector, surname, town, False)
        else:  # astronomically unlikely with these tables; keeps names unique regardless
            name = self._disambiguate(name)
        self._names.add(name)

        former: tuple[str, ...] = ()
        count = _FORMER_COUNTS[entity_type].pick(rng)
        if count:
            olds: list[str] = []
            for _ in range(4 * count):
                old, _person = make_name(place, sector, surname, town, True)
                if old != name and old not in olds:
                    olds.append(old)
                    if len(olds) == count:
                        break
            former = tuple(olds)

        # Registrations grow over time: u**0.6 puts more of them in later years.
        day = first_day + int((_LAST_DAY - first_day + 1) * rng.random() ** 0.6)
        registered = date.fromordinal(day)
        code = self._credit_code(entity_type, place.region.code, day)

        return FakeEntity(
            credit_code=code,
            name=name,
            former_names=former,
            entity_type=entity_type,
            region_code=place.region.code,
            address=self._address(place, entity_type, town),
            legal_representative=person or self._person(surname),
            registration_date=registered,
            contact_phone=self._phone(place, entity_type),
            industry=sector.name,
        )

    # -- parts -------------------------------------------------------------------------------

    @staticmethod
    def _industry(name: str) -> _Industry:
        try:
            return _INDUSTRY_BY_NAME[name]
        except KeyError:
            raise ValueError(f"unknown industry {name!r}; one of {INDUSTRIES}") from None

    def _person(self, surname: str) -> str:
        rng = self._rng
        r = rng.random()
        if r < 0.25:
            return surname + _pick(rng, _GIVEN_SINGLE)
        if r < 0.6:
            return surname + _pick(rng, _GIVEN_PAIRS)
        return surname + _pick(rng, _GIVEN_FIRST) + _pick(rng, _GIVEN_SINGLE)

    def _credit_code(self, entity_type: str, region_code: str, day: int) -> str:
        rng = self._rng
        category = _CATEGORY[entity_type]
        old_style = day < _REFORM_DAY and entity_type != INDIVIDUAL_BUSINESS
        while True:
            if old_style:
                body = str(10_000_000 + int(rng.random() * 90_000_000))
            else:
                n = len(_TRIPLES)
                body = "MA" + _TRIPLES[int(rng.random() * n)] + _TRIPLES[int(rng.random() * n)]
            code = make_code("9", category, region_code, body)
            if code not in self._codes:
                self._codes.add(code)
                return code

    # Name builders: (place, industry, operator's surname, town, is a former name) -> (name,
    # operator's full name when the name shows it, else "").

    def _enterprise_name(
        self, place: _Place, sector: _Industry, surname: str, town: str, former: bool
    ) -> tuple[str, str]:
        rng = self._rng
        trade = _TRADE_NAMES.pick(rng)
        term = _pick(rng, sector.enterprise)
        r = rng.random()
        if r < 0.07:  # 鑫达商贸（秦皇岛）有限公司
            form = _ENTERPRISE_FORMS.pick(rng)
            return f"{trade}{term}（{place.region.short}）{form}", ""
        if r < 0.12 and place.parent_prefixes and not former:  # 秦皇岛鑫达商贸有限公司海港分公司
            parent = _pick(rng, place.parent_prefixes)
            form = _ENTERPRISE_FORMS.pick(rng)
            return f"{parent}{trade}{term}{form}{place.branch}分公司", ""
        prefix = place.enterprise_prefixes.pick(rng)
        form = _ENTERPRISE_FORMS.pick(rng)
        return prefix + trade + term + form, ""

    def _individual_name(
        self, place: _Place, sector: _Industry, surname: str, town: str, former: bool
    ) -> tuple[str, str]:
        rng = self._rng
        shop = _pick(rng, sector.individual)
        prefix = place.region.name if rng.random() < 0.75 else place.local
        r = rng.random()
        if r < 0.40:  # 姚安县鑫达五金商店
            return prefix + _TRADE_NAMES.pick(rng) + shop, ""
        if r < 0.58:  # 秦皇岛市海港区张记小吃店
            return f"{prefix}{surname}记{shop}", ""
        if r < 0.68:  # 姚安县李氏二手车经营部
            return f"{prefix}{surname}氏{shop}", ""
        if r < 0.78:  # 海港区老王五金商店
            return f"{place.local}老{surname}{shop}", ""
        person = self._person(surname)  # 姚安县张伟小吃店
        return prefix + person + shop, person

    def _cooperative_name(
        self, place: _Place, sector: _Industry, surname: str, town: str, former: bool
    ) -> tuple[str, str]:
        rng = self._rng
        term = _pick(rng, sector.cooperative)
        form = _COOP_FORMS.pick(rng)
        trade = _pick(rng, _COOP_TRADE_NAMES) if rng.random() < 0.7 else _TRADE_NAMES.pick(rng)
        r = rng.random()
        if town and r < 0.5:  # 姚安县光禄镇绿源蔬菜种植农民专业合作社
            return f"{place.region.name}{town}{trade}{term}{form}", ""
        if town and r < 0.62:  # 姚安县光禄镇红星村蔬菜种植农民专业合作社
            return f"{place.region.name}{town}{_pick(rng, _VILLAGES)}{term}{form}", ""
        return f"{place.region.name}{trade}{term}{form}", ""

    def _disambiguate(self, name: str) -> str:
        for i in range(2, 1_000_000):
            candidate = f"{name}（{i}）"
            if candidate not in self._names:
                return candidate
        raise RuntimeError("no unique name")  # pragma: no cover

    def _address(self, place: _Place, entity_type: str, town: str) -> str:
        rng = self._rng
        prefix = _pick(rng, place.address_prefixes)
        rural = entity_type == FARMER_COOPERATIVE or rng.random() < 0.3
        if rural and town and town[-1] in "镇乡":
            return f"{prefix}{town}{_pick(rng, _VILLAGES)}{_upto(rng, 199)}号"
        number = _upto(rng, 399)
        r = rng.random()
        if r < 0.6:
            tail = f"{number}号"
        elif r < 0.8:
            building, unit = _upto(rng, 29), _upto(rng, 6)
            room = _upto(rng, 18) * 100 + _upto(rng, 4)
            tail = f"{number}号{building}栋{unit}单元{room}室"
        else:
            tail = f"{number}号{_upto(rng, 39)}号商铺"
        return f"{prefix}{town}{_pick(rng, _ROADS)}{tail}"

    def _phone(self, place: _Place, entity_type: str) -> str:
        rng = self._rng
        mobile_share = 0.9 if entity_type != ENTERPRISE else 0.6
        if not place.area_code or rng.random() < mobile_share:
            return f"{_pick(rng, _MOBILE_PREFIXES)}{int(rng.random() * 100_000_000):08d}"
        return f"{place.area_code}-{2_000_000 + int(rng.random() * 7_000_000)}"
