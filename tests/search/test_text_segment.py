"""The segmenter, its jieba-format domain dictionary and the synonym groups."""

from search.text import get_segmenter, normalize
from search.text.segment import DictEntry, domain_dict_lines, parse_userdict
from search.text.synonyms import synonym_groups, synonym_variants


def test_userdict_lines_parse_as_jieba_reads_them() -> None:
    lines = ["\ufeff鑫达 100 nz", "工信局", "市场监管局 5", "", "  ", "二手车 nz"]
    assert list(parse_userdict(lines)) == [
        DictEntry("鑫达", 100, "nz"),
        DictEntry("工信局", None, None),
        DictEntry("市场监管局", 5, None),
        DictEntry("二手车", None, "nz"),
    ]


def test_domain_words_are_in_search_form() -> None:
    # The segmenter sees normalised text, so a word in another form would never be matched.
    entries = list(parse_userdict(domain_dict_lines()))
    assert len(entries) > 100
    for entry in entries:
        assert entry.word == normalize(entry.word), entry
        assert entry.word.isalnum(), entry


def test_domain_dictionary_is_loaded() -> None:
    # Without domain.txt jieba cuts these into pieces.
    words = get_segmenter().cut("姚安县工业信息化商务科技局检验检测机构检查")
    assert "工业信息化商务科技局" in words
    assert "检验检测机构检查" in words  # an item name of seed 003


def test_segmenter_is_loaded_once() -> None:
    assert get_segmenter() is get_segmenter()


def test_search_mode_adds_parts_of_long_words() -> None:
    words = get_segmenter().cut_for_search("市场监督管理局")
    assert {"市场", "监督", "管理局", "市场监督管理局"} <= set(words)


def test_every_synonym_is_a_domain_word() -> None:
    domain = {entry.word for entry in parse_userdict(domain_dict_lines())}
    for group in synonym_groups():
        assert set(group) <= domain, group


def test_synonym_variants_rewrite_each_form() -> None:
    assert synonym_variants("秦皇岛市市场监管局") == ["秦皇岛市市场监督管理局", "秦皇岛市市监局"]
    assert synonym_variants("秦皇岛市公安局") == []
