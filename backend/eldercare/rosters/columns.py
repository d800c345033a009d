"""The columns of each roster kind: the offices' usual Chinese headers and their aliases."""

from __future__ import annotations

from eldercare.bulk.columns import Column, Spec

KINDS = ("deaths", "hukou_out", "dibao", "tekun", "disability")
# The benefit program a recipient roster lists.
PROGRAMS = {"dibao": "minimum_living_allowance", "tekun": "extreme_poverty_support"}

_ID = Column(
    "id_number",
    "身份证号",
    "code",
    required=True,
    example="431127195003150021",
    aliases=("公民身份号码", "身份证号码", "证件号码", "身份证", "死者身份证号"),
)
_NAME = Column("name", "姓名", example="张秀英", aliases=("死者姓名", "户主姓名"))

_COLUMNS: dict[str, tuple[Column, ...]] = {
    "deaths": (
        _ID,
        _NAME,
        Column(
            "date",
            "死亡日期",
            "date",
            example="2026-11-02",
            aliases=("死亡时间", "火化日期", "注销日期"),
        ),
        Column("note", "备注", aliases=("死亡原因",)),
    ),
    "hukou_out": (
        _ID,
        _NAME,
        Column("date", "迁出日期", "date", example="2026-10-15", aliases=("迁移日期", "注销日期")),
        Column("destination", "迁往地址", example="广东省东莞市", aliases=("迁往地", "迁入地")),
    ),
    "dibao": (
        _ID,
        _NAME,
        Column(
            "date", "起始日期", "date", example="2026-01-01", aliases=("享受起始日期", "批准日期")
        ),
        Column(
            "monthly_amount",
            "月保障金",
            "decimal",
            example="380",
            aliases=("金额", "月发放金额", "保障金额"),
        ),
        Column("reference", "证号", aliases=("低保证号", "编号")),
    ),
    "tekun": (
        _ID,
        _NAME,
        Column(
            "date", "起始日期", "date", example="2026-01-01", aliases=("供养起始日期", "批准日期")
        ),
        Column(
            "monthly_amount",
            "月供养金",
            "decimal",
            example="700",
            aliases=("金额", "月发放金额", "供养金额"),
        ),
        Column("reference", "证号", aliases=("供养证号", "编号")),
    ),
    "disability": (
        _ID,
        _NAME,
        Column("grade", "残疾等级", "str", required=True, example="二级", aliases=("等级",)),
        Column("type", "残疾类别", example="肢体", aliases=("残疾类型",)),
        Column("reference", "残疾人证号", aliases=("证号",)),
        Column("date", "发证日期", "date", aliases=("发证时间",)),
    ),
}

SPECS = {f"roster_{kind}": Spec(f"roster_{kind}", cols) for kind, cols in _COLUMNS.items()}


def resource_of(kind: str) -> str:
    return f"roster_{kind}"


def kind_of(resource: str) -> str:
    return resource.removeprefix("roster_")
