"""Synthetic market entities for demo data and benchmarks (demo.names)."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date

import pytest

from demo.names import (
    DEMO_REGIONS,
    ENTITY_TYPES,
    INDUSTRIES,
    EntityFaker,
    FakeEntity,
    Region,
    industries_for,
)
from schema.credit_code import org_code_check, validate

N = 20_000

#: Organisational forms a registration accepts, per type (企业名称登记管理规定,
#: 个体工商户名称登记管理办法, 农民专业合作社法); "股份有限公司" ends with "有限公司".
ENTERPRISE_FORMS = ("有限公司", "有限责任公司", "分公司")
INDIVIDUAL_FORMS = ("店", "部", "行", "厂", "馆", "中心", "工作室", "站", "院", "超市")
COOPERATIVE_FORMS = ("农民专业合作社", "专业合作社")
FORMS = {
    "enterprise": ENTERPRISE_FORMS,
    "individual_business": INDIVIDUAL_FORMS,
    "farmer_cooperative": COOPERATIVE_FORMS,
}
CATEGORY = {"enterprise": "1", "individual_business": "2", "farmer_cooperative": "3"}
HAN = re.compile(r"^[\u4e00-\u9fff]+$")


@pytest.fixture(scope="module")
def many() -> list[FakeEntity]:
    return list(EntityFaker(random.Random(20210508)).entities(N))


def test_same_seed_same_entities() -> None:
    first = list(EntityFaker(random.Random(42)).entities(2_000))
    second = list(EntityFaker(random.Random(42)).entities(2_000))
    assert first == second
    other = list(EntityFaker(random.Random(43)).entities(2_000))
    assert first != other


def test_person_name_is_deterministic_too() -> None:
    a, b = EntityFaker(random.Random(1)), EntityFaker(random.Random(1))
    assert [a.person_name() for _ in range(500)] == [b.person_name() for _ in range(500)]


def test_every_credit_code_is_valid_unique_and_matches_the_entity(
    many: list[FakeEntity],
) -> None:
    codes = [e.credit_code for e in many]
    assert len(set(codes)) == N
    for e in many:
        assert validate(e.credit_code) == e.credit_code
        assert e.credit_code[0] == "9"  # 市场监管 registers all three types
        assert e.credit_code[1] == CATEGORY[e.entity_type]
        assert e.credit_code[2:8] == e.region_code
        assert org_code_check(e.credit_code[8:16]) == e.credit_code[16]


def test_organisation_body_style_follows_the_2015_reform(many: list[FakeEntity]) -> None:
    """Old 组织机构代码 (8 digits) before 三证合一 on 2015-10-01, "MA…" bodies after."""
    for e in many:
        body = e.credit_code[8:16]
        if e.registration_date >= date(2015, 10, 1) or e.entity_type == "individual_business":
            assert body.startswith("MA"), e
        else:
            assert body.isdigit(), e


def test_names_end_with_an_organisation_form_of_their_type(many: list[FakeEntity]) -> None:
    for e in many:
        assert e.name.endswith(FORMS[e.entity_type]), e.name
        for former in e.former_names:
            assert former.endswith(FORMS[e.entity_type]), former


def test_no_name_is_empty_and_current_names_are_unique(many: list[FakeEntity]) -> None:
    names = [e.name for e in many]
    assert all(len(name) >= 5 for name in names)
    assert len(set(names)) == N
    for e in many:
        assert e.address and e.legal_representative and e.industry and e.contact_phone


def test_former_names_are_few_distinct_and_mostly_absent(many: list[FakeEntity]) -> None:
    counts = Counter(len(e.former_names) for e in many)
    assert set(counts) <= {0, 1, 2}
    assert counts[0] / N > 0.85
    assert counts[1] > 0 and counts[2] > 0
    for e in many:
        assert e.name not in e.former_names
        assert len(set(e.former_names)) == len(e.former_names)
        assert all(e.former_names)


def test_entity_type_distribution_is_roughly_as_designed(many: list[FakeEntity]) -> None:
    """Individual businesses ~66 %, enterprises ~31 %, cooperatives ~3 %."""
    share = {t: c / N for t, c in Counter(e.entity_type for e in many).items()}
    assert set(share) == set(ENTITY_TYPES)
    assert 0.62 < share["individual_business"] < 0.70
    assert 0.27 < share["enterprise"] < 0.35
    assert 0.015 < share["farmer_cooperative"] < 0.05


def test_all_name_shapes_occur(many: list[FakeEntity]) -> None:
    names = [e.name for e in many]

    def some(pattern: str) -> bool:
        return any(re.search(pattern, name) for name in names)

    assert some(r"^秦皇岛[^市].+有限公司$")  # 秦皇岛鑫达二手车交易有限公司
    assert some(r"^姚安县.+有限公司$")  # 姚安县鑫达二手车交易有限公司
    assert some(r"^秦皇岛市海港区.+有限责任公司$")
    assert some(r"^(河北|云南|河南|山西).+股份有限公司$")
    # 鑫达商贸（秦皇岛）有限公司
    assert some(r"^.+（(秦皇岛|姚安|舞钢|新平|阳城|昌黎|卢龙|青龙)）有限公司$")
    assert some(r"有限(责任)?公司(海港|山海关|北戴河|抚宁|姚安)分公司$")
    assert some(r"^秦皇岛市海港区.记.+店$")  # 张记小吃店
    assert some(r"^.+县.氏.+部$")  # 李氏二手车经营部
    assert some(r"^海港区老.+(店|部|行)$")  # 海港区老王五金商店
    assert some(r"^姚安县.+镇.+农民专业合作社$")  # 姚安县光禄镇绿源蔬菜种植农民专业合作社


def test_cooperatives_are_in_rural_towns_and_their_address_agrees(
    many: list[FakeEntity],
) -> None:
    town = re.compile(r"(?:县|区|市)([\u4e00-\u9fff]{1,4}?[镇乡])")
    coops = [e for e in many if e.entity_type == "farmer_cooperative"]
    with_town = 0
    for e in coops:
        assert "街道" not in e.name
        match = town.search(e.name)
        if match:
            with_town += 1
            assert match.group(1) in e.address, (e.name, e.address)
    assert with_town > len(coops) / 3


def test_former_names_are_not_branches(many: list[FakeEntity]) -> None:
    assert not any(n.endswith("分公司") for e in many for n in e.former_names)


def test_trade_names_repeat_across_entities(many: list[FakeEntity]) -> None:
    """Search has to tell several 鑫达 companies apart."""
    xinda = [e.name for e in many if "鑫达" in e.name and e.entity_type == "enterprise"]
    assert len(xinda) >= 5
    assert len(set(xinda)) == len(xinda)


def test_operator_surname_matches_a_family_shop_name(many: list[FakeEntity]) -> None:
    for e in many:
        if e.entity_type != "individual_business":
            continue
        family = re.search(r"(?:区|县|市)(?:老)?([\u4e00-\u9fff])(?:记|氏)", e.name)
        elder = re.search(r"区老([\u4e00-\u9fff])|县老([\u4e00-\u9fff])", e.name)
        match = family or elder
        if match:
            surname = next(g for g in match.groups() if g)
            assert e.legal_representative.startswith(surname), (e.name, e.legal_representative)


def test_people_have_realistic_chinese_names(many: list[FakeEntity]) -> None:
    faker = EntityFaker(random.Random(7))
    people = [faker.person_name() for _ in range(20_000)] + [e.legal_representative for e in many]
    assert all(HAN.match(p) and 2 <= len(p) <= 4 for p in people)
    surnames = Counter(p[0] for p in people)
    top = [s for s, _ in surnames.most_common(5)]
    assert set(top[:3]) == {"王", "李", "张"}
    assert surnames["王"] > 10 * surnames["孔"]
    single = sum(len(p) == 2 for p in people) / len(people)
    assert 0.15 < single < 0.35  # 1-character given names are a minority


def test_dates_regions_phones_and_addresses(many: list[FakeEntity]) -> None:
    regions = {r.code: r for r in DEMO_REGIONS}
    phone = re.compile(r"^(1[3-9]\d{9}|0\d{3}-[2-8]\d{6})$")
    years = Counter(e.registration_date.year for e in many)
    assert min(years) == 1995 and max(years) == 2020
    assert years[2019] > years[1996]  # registrations grow over time
    for e in many:
        assert date(1995, 1, 1) <= e.registration_date <= date(2020, 12, 31)
        if e.entity_type == "farmer_cooperative":
            assert e.registration_date >= date(2007, 7, 1)  # 农民专业合作社法 in force
        assert e.region_code in regions
        assert regions[e.region_code].name in e.address
        assert phone.match(e.contact_phone), e.contact_phone
        assert e.industry in INDUSTRIES
        assert e.industry in industries_for(e.entity_type)
    assert {e.region_code for e in many} == set(regions)


def test_demo_regions_are_the_seed_places() -> None:
    assert {(r.code, r.name) for r in DEMO_REGIONS} == {
        ("532325", "姚安县"),
        ("130302", "秦皇岛市海港区"),
        ("130303", "秦皇岛市山海关区"),
        ("130304", "秦皇岛市北戴河区"),
        ("130306", "秦皇岛市抚宁区"),
        ("130322", "昌黎县"),
        ("130324", "卢龙县"),
        ("130321", "青龙满族自治县"),
        ("410481", "舞钢市"),
        ("530427", "新平彝族傣族自治县"),
        ("140522", "阳城县"),
    }
    haigang = next(r for r in DEMO_REGIONS if r.code == "130302")
    assert (haigang.short, haigang.local_name, haigang.branch_label) == ("秦皇岛", "海港区", "海港")
    qinglong = next(r for r in DEMO_REGIONS if r.code == "130321")
    assert qinglong.branch_label == "青龙"


def test_requested_type_and_industry_are_honoured() -> None:
    faker = EntityFaker(random.Random(3))
    for entity_type in ENTITY_TYPES:
        for industry in industries_for(entity_type):
            e = faker.entity(entity_type=entity_type, industry=industry)
            assert (e.entity_type, e.industry) == (entity_type, industry)
            assert e.name.endswith(FORMS[entity_type])
    inspection = [faker.entity(industry="检验检测") for _ in range(50)]
    assert {e.entity_type for e in inspection} == {"enterprise"}  # only companies test
    coops = [faker.entity(entity_type="farmer_cooperative") for _ in range(50)]
    assert all(e.industry in industries_for("farmer_cooperative") for e in coops)


def test_seed_003_strata_industries_exist() -> None:
    """Seed 003 samples by these kinds of entity (直销 1 %, 电子商务 100 %, 电动自行车 30 % …)."""
    for industry in ("二手车交易", "电子商务", "食品销售", "检验检测", "计量", "直销"):
        assert industry in INDUSTRIES
    assert {"电动自行车销售", "棉花加工"} <= set(INDUSTRIES)
    assert "电子商务" in industries_for("individual_business")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"entity_type": "company"}, "unknown entity type"),
        ({"industry": "航天"}, "unknown industry"),
        ({"entity_type": "individual_business", "industry": "直销"}, "cannot have"),
        ({"entity_type": "farmer_cooperative", "industry": "拍卖"}, "cannot have"),
    ],
)
def test_bad_requests_raise(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EntityFaker(random.Random(0)).entity(**kwargs)


def test_custom_regions() -> None:
    chaoyang = Region("110105", "北京市朝阳区", "北京")  # no towns, no known province entry
    entities = list(EntityFaker(random.Random(5), [chaoyang]).entities(500))
    assert {e.region_code for e in entities} == {"110105"}
    assert all(e.credit_code[2:8] == "110105" for e in entities)
    assert all(e.address.startswith("北京市朝阳区") for e in entities)
    with pytest.raises(ValueError):
        EntityFaker(random.Random(5), [])
    with pytest.raises(ValueError):
        EntityFaker(random.Random(5), [Region("1101", "北京市", "北京")])
