"""The terms under which the bulk files may be reused (开放数据使用许可).

Which licence applies is the deploying authority's decision, so it is a setting
(``GONGSHI_DATA_LICENCE``, an SPDX identifier) chosen from the licences below; the default is
CC BY 4.0, the one most government open-data portals use for disclosed records, whose only
condition is attribution. The manifest names the licence and the publisher, so a mirror that
copies the files copies their terms with them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataLicence:
    """One licence a deployer may choose, in words a citizen can read."""

    spdx: str
    name: str
    url: str
    # What a re-user must do, one line each (shown on /downloads, written into the manifest).
    conditions: tuple[str, ...]


_ATTRIBUTE = "注明来源（发布单位和“公示”平台）、下载日期和所用版本"
_CORRECTIONS = "检查结果可能经异议后更正：转载时以最新版本为准，并保留更正记录"

LICENCES: dict[str, DataLicence] = {
    licence.spdx: licence
    for licence in (
        DataLicence(
            spdx="CC-BY-4.0",
            name="知识共享 署名 4.0 国际许可协议（CC BY 4.0）",
            url="https://creativecommons.org/licenses/by/4.0/legalcode.zh-hans",
            conditions=(
                "可以自由复制、再发布、改编和用于商业目的，无需申请",
                _ATTRIBUTE,
                "说明是否做过修改，不得暗示发布单位认可您或您的用途",
                _CORRECTIONS,
            ),
        ),
        DataLicence(
            spdx="CC0-1.0",
            name="知识共享 CC0 1.0 公有领域贡献",
            url="https://creativecommons.org/publicdomain/zero/1.0/legalcode.zh-hans",
            conditions=(
                "可以自由复制、再发布、改编和用于商业目的，无需申请，也无需署名",
                "建议" + _ATTRIBUTE,
                _CORRECTIONS,
            ),
        ),
        DataLicence(
            spdx="ODC-By-1.0",
            name="开放数据共享署名许可 1.0（ODC-By）",
            url="https://opendatacommons.org/licenses/by/1-0/",
            conditions=(
                "可以自由复制、再发布、改编和用于商业目的，无需申请",
                _ATTRIBUTE,
                _CORRECTIONS,
            ),
        ),
    )
}

DEFAULT_LICENCE = "CC-BY-4.0"


def data_licence(spdx: str) -> DataLicence:
    """The licence named by ``spdx``; ``KeyError`` for one this list does not know."""
    return LICENCES[spdx]


def manifest_terms(licence: DataLicence, publisher: str) -> dict[str, object]:
    """The manifest's ``licence`` entry: enough for a mirror to carry the terms with the files."""
    return {
        "spdx": licence.spdx,
        "name": licence.name,
        "url": licence.url,
        "publisher": publisher,
        "conditions": list(licence.conditions),
    }
