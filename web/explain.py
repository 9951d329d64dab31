"""Plain-words explanations of the result categories (检查结果类型), for citizens.

The labels come from the schema's dictionary; these sentences say what a label means for the
entity and for a customer, in words a shop owner would use. A code not listed shows its label only.
"""

from __future__ import annotations

PLAIN = {
    "NO_PROBLEM": "检查人员按抽查事项逐项检查，没有发现违法违规问题。",
    "UNDISCLOSED_INFO": (
        "该主体没有按规定在国家企业信用信息公示系统公示应当公示的信息（如年度报告中的部分内容）。"
    ),
    "FALSE_DISCLOSURE": "该主体公示的信息与实际情况不符，隐瞒真实情况或弄虚作假。",
    "UNREACHABLE": "按登记的住所或经营场所找不到该主体，也联系不上。可能被列入经营异常名录。",
    "ORDERED_TO_CORRECT": "检查发现了问题，部门已要求该主体改正。",
    "OBSTRUCTED": "该主体拒绝或阻碍检查，情节严重。",
    "NO_RELEVANT_ACTIVITY": "没有发现该主体从事这次抽查所针对的经营活动，因此未就该事项作出评价。",
    "PENDING_FOLLOW_UP": "发现了涉嫌违法的线索，已交由有权部门进一步调查处理，尚无最终结论。",
    "QUALIFIED": "抽取的产品经检验合格。",
    "UNQUALIFIED": "抽取的产品经检验不合格。",
    "DEREGISTERED": "该主体已经办理注销登记，不再存续。",
    "REGISTRATION_REVOKED": "该主体的设立登记已被登记机关撤销。",
    "LICENSE_REVOKED": "该主体的营业执照已被吊销。",
    "MIGRATED": "该主体已迁往其他登记机关管辖的地区。",
}


def plain(code: str) -> str:
    """The plain explanation of a category code ('' when none is written)."""
    return PLAIN.get(code, "")
