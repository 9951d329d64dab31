"""Compare jieba and rjieba (load time, speed, memory, agreement) and the index-token sizes.

Run: .venv/bin/python bench/segmenters.py [--samples 2000] [--runs 3]
Each backend is measured in fresh worker processes so that load time and RSS are its own.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REGIONS = [
    "姚安县",
    "秦皇岛市",
    "平顶山市",
    "舞钢市",
    "新平县",
    "阳城县",
    "楚雄州",
    "北戴河新区",
    "昆明市",
    "石家庄市",
]
REGIONS += ["海港区", "山海关区", "抚宁区", "昌黎县", "卢龙县", "青龙满族自治县"]
BRAND = "鑫达华盛兴源通恒泰宏利丰隆昌祥瑞福嘉汇德金鼎聚博锦佳永安成宝新天明光辉腾飞龙凤"
TRADES = [
    "二手车交易",
    "商贸",
    "科技",
    "建筑工程",
    "餐饮管理",
    "农业开发",
    "汽车销售",
    "食品",
    "五金",
    "电子商务",
    "物流",
]
TRADES += ["检验检测", "广告传媒", "房地产开发", "医疗器械", "电动自行车"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "经营部", "商行", "农民专业合作社", "门市部"]
DEPTS = ["市场监督管理局", "市场监管局", "公安局", "工业信息化商务科技局", "自然资源局", "商务局"]
ITEMS = ["登记事项检查", "公示信息检查", "直销行为检查", "电子商务经营行为监督检查", "计量监督检查"]
ITEMS += ["认证活动监督检查", "检验检测机构检查", "专利真实性监督检查", "商标代理行为的检查"]
RESULTS = ["未发现问题", "未按规定公示应当公示的信息", "公示信息隐瞒真实情况弄虚作假"]
RESULTS += ["通过登记的住所（经营场所）无法联系", "发现问题已责令改正", "发现问题待后续处理"]
RESULTS += ["不配合检查情节严重", "未发现开展本次抽查涉及的经营活动", "合格", "不合格"]


def company_name(rng: random.Random) -> str:
    """Return a plausible company name (region, brand, trade, form; sometimes a branch)."""
    brand = "".join(rng.sample(BRAND, rng.choice([2, 2, 3])))
    if rng.random() < 0.05:
        brand = rng.choice(["ABC", "3C", "Ｅ家", "TCL"])
    name = rng.choice(REGIONS) + brand + rng.choice(TRADES) + rng.choice(FORMS)
    if rng.random() < 0.1:
        name += f"（{rng.choice(REGIONS)}分公司）"
    return name


def description(rng: random.Random) -> str:
    """Return a 100-character result description built from seed-like clauses."""
    parts: list[str] = []
    while sum(len(p) for p in parts) < 100:
        dept = rng.choice(REGIONS) + rng.choice(DEPTS)
        when = f"{rng.randint(2019, 2024)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
        parts.append(f"{dept}于{when}对{company_name(rng)}开展“双随机、一公开”")
        parts.append(f"{rng.choice(ITEMS)}，检查结果：{rng.choice(RESULTS)}。")
    return "".join(parts)[:100]


def samples(n: int) -> tuple[list[str], list[str]]:
    """Return n names and n descriptions, the same on every run."""
    rng = random.Random(20240501)
    return [company_name(rng) for _ in range(n)], [description(rng) for _ in range(n)]


def rss_mb() -> float:
    """Return this process's resident set size in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load(backend: str) -> Callable[[str], list[str]]:
    """Load a backend with the domain dictionary and return its cut_for_search."""
    from search.text.segment import domain_dict_lines

    if backend == "rjieba":
        from search.text.segment import get_segmenter

        return get_segmenter().cut_for_search
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as f:
        f.write("\n".join(domain_dict_lines()))
        f.flush()
        tokenizer.load_userdict(f.name)
    return lambda text: list(tokenizer.cut_for_search(text))


def worker(backend: str, n: int, out: Path) -> None:
    """Measure one backend in this process and write the figures and tokens to out."""
    from search.text.normalize import normalize

    names, descs = samples(n)
    names, descs = [normalize(s) for s in names], [normalize(s) for s in descs]
    base = rss_mb()
    start = time.perf_counter()
    cut = load(backend)
    cut("预热")
    load_s = time.perf_counter() - start
    rss = rss_mb()
    speeds = {}
    for label, texts in (("names", names), ("descs", descs)):
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < 1.0:
            count += sum(len(cut(t)) for t in texts)
        speeds[label] = count / (time.perf_counter() - start)
    tokens = [cut(t) for t in names[: n // 2] + descs[: n - n // 2]]
    result = {"load_s": load_s, "rss_mb": rss, "base_mb": base, **speeds, "tokens": tokens}
    out.write_text(json.dumps(result, ensure_ascii=False), "utf-8")


def run_worker(backend: str, n: int) -> dict[str, object]:
    """Run one worker process and return what it measured."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        args = ["--worker", backend, "--samples", str(n), "--out", str(out)]
        subprocess.run([sys.executable, __file__, *args], check=True)
        result: dict[str, object] = json.loads(out.read_text("utf-8"))
        return result


def token_sizes(n: int) -> None:
    """Print the average number of tokens per name and per 100-character description."""
    from search.text import get_segmenter, index_tokens, normalize, query_tokens
    from search.text.tokens import _run_tokens

    names, descs = samples(n)
    print("\ntokens per text (unique)   jieba words  bigrams+runs  index_tokens  query_tokens")
    for label, texts in (("company name", names), ("100-char description", descs)):
        norms = [normalize(t) for t in texts]
        words = statistics.mean(len(set(get_segmenter().cut_for_search(t))) for t in norms)
        grams = statistics.mean(
            len({tok for part in _run_tokens(t, join=True) for tok in part}) for t in norms
        )
        index = statistics.mean(len(index_tokens(t)) for t in texts)
        query = statistics.mean(len(query_tokens(t)) for t in texts)
        print(f"{label:<26} {words:>11.1f}  {grams:>12.1f}  {index:>12.1f}  {query:>12.1f}")
    for label, fn in (("normalize", normalize), ("index_tokens", index_tokens)):
        start = time.perf_counter()
        for t in descs:
            fn(t)
        per = (time.perf_counter() - start) / len(descs) * 1e6
        print(f"{label} on a 100-char description: {per:.0f} µs")


def main() -> None:
    """Parse arguments and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--worker", choices=["jieba", "rjieba"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.samples, args.out)
        return
    backends = ("jieba", "rjieba")
    results = {b: [run_worker(b, args.samples) for _ in range(args.runs)] for b in backends}
    print(f"median of {args.runs} fresh processes; tokens/s of cut_for_search, domain dict loaded")
    print("backend   load s   RSS MB (+import)   names tok/s   descs tok/s")
    for backend, runs in results.items():

        def med(key: str, runs: list[dict[str, object]] = runs) -> float:
            return statistics.median(float(str(r[key])) for r in runs)

        extra = med("rss_mb") - med("base_mb")
        print(
            f"{backend:<8} {med('load_s'):>6.3f}   {med('rss_mb'):>6.0f} (+{extra:.0f})"
            f"      {med('names'):>11,.0f}   {med('descs'):>11,.0f}"
        )
    a, b = results["jieba"][0]["tokens"], results["rjieba"][0]["tokens"]
    assert isinstance(a, list) and isinstance(b, list)
    same = sum(x == y for x, y in zip(a, b, strict=True))
    print(f"same tokens on {same}/{len(a)} strings ({args.samples // 2} names + descriptions)")
    for x, y in [(x, y) for x, y in zip(a, b, strict=True) if x != y][:5]:
        print("  jieba ", "/".join(x), "\n  rjieba", "/".join(y))
    token_sizes(min(args.samples, 1000))


if __name__ == "__main__":
    main()
