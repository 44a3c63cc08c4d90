"""Short sentences derived from the tables, printed before each of them when 基本信息 says
自动生成数据说明 = 是: the figures in the text then cannot disagree with the tables."""

from __future__ import annotations

from nianbao.workbook.model import Submission
from nianbao.workbook.values import Number, format_number


def _f(values: dict[str, Number | None], *refs: str) -> Number | None:
    parts = [values.get(r) for r in refs]
    return None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type, return-value]


def _n(value: Number) -> str:
    return format_number(value)


def table2(sub: Submission) -> list[str]:
    v = sub.figures.get("table2", {})
    docs, decisions = _f(v, "B4"), [_f(v, r) for r in ("B7", "B10", "B11")]
    if sub.form.id != "2021" or docs is None or any(d is None for d in decisions):
        return []
    issued, repealed, valid = v["B4"], v["C4"], v["D4"]
    if issued or repealed or valid:
        first = f"本年度制发行政规范性文件{_n(issued)}件，废止{_n(repealed)}件，年底现行有效{_n(valid)}件。"  # type: ignore[arg-type]
    else:
        first = "本年度没有制发、废止的行政规范性文件，也没有现行有效的行政规范性文件。"
    names = ("行政许可", "行政处罚", "行政强制")
    made = [f"{name}{_n(d)}件" for name, d in zip(names, decisions) if d]  # type: ignore[arg-type]
    second = f"作出并公开{'、'.join(made)}处理决定。" if made else "本年度没有需要公开的行政许可、行政处罚、行政强制处理决定。"
    return [first + second]


def table3(sub: Submission) -> list[str]:
    t3 = sub.form.tables["table3"]
    v = sub.figures.get("table3", {})
    row = {text: int(ref[1:]) for ref, text in t3.labels.items() if ref[0] in "ABC"}
    new, carried = _f(v, "J4"), _f(v, "J5")
    carry_next = _f(v, f"J{row['四、结转下年度继续办理']}")
    total = row["（七）总计"]
    groups = [("予以公开", 6, 6), ("部分公开", 7, 7), ("不予公开", 8, 15), ("无法提供", 16, 18), ("不予处理", 19, 23),
              ("其他处理", row["（六）其他处理"], total - 1)]
    counts = [(name, _f(v, *(f"J{r}" for r in range(a, b + 1)))) for name, a, b in groups]
    if new is None or carried is None or carry_next is None or any(c is None for _, c in counts):
        return []
    if not new and not carried:
        return ["本年度未收到政府信息公开申请，也没有上年结转的申请。"]
    text = f"本年度新收政府信息公开申请{_n(new)}件，" + (f"上年结转{_n(carried)}件。" if carried else "无上年结转。")
    done = [f"{name}{_n(c)}件" for name, c in counts if c]  # type: ignore[arg-type]
    if done:
        text += f"办理结果为：{'，'.join(done)}。"
    text += f"结转下年度继续办理{_n(carry_next)}件。" if carry_next else "全部在本年度办结。"
    return [text]


def table4(sub: Submission) -> list[str]:
    v = sub.figures.get("table4", {})
    review = [_f(v, r) for r in ("E4", "A4", "B4", "C4", "D4")]
    direct, after = _f(v, "J4"), _f(v, "O4")
    if any(x is None for x in review) or direct is None or after is None:
        return []
    total_review, upheld, corrected, other, pending = review
    if not total_review and not direct and not after:
        return ["本年度没有发生因政府信息公开引起的行政复议、行政诉讼。"]
    parts = []
    if total_review:
        detail = "、".join(f"{name}{_n(x)}件" for name, x in (("结果维持", upheld), ("结果纠正", corrected),  # type: ignore[arg-type]
                                                              ("其他结果", other), ("尚未审结", pending)) if x)
        parts.append(f"行政复议{_n(total_review)}件（{detail}）")  # type: ignore[arg-type]
    else:
        parts.append("无行政复议")
    suits = direct + after  # type: ignore[operator]
    if suits:
        parts.append(f"行政诉讼{_n(suits)}件（未经复议直接起诉{_n(direct)}件，复议后起诉{_n(after)}件）")
    else:
        parts.append("无行政诉讼")
    return [f"本年度因政府信息公开引起{'，'.join(parts)}。"]


def sentences(sub: Submission) -> dict[str, list[str]]:
    """{"t2": [...], "t3": [...], "t4": [...]} — empty lists when the option is off."""
    if not sub.meta.auto_text_on:
        return {"t2": [], "t3": [], "t4": []}
    return {"t2": table2(sub), "t3": table3(sub), "t4": table4(sub)}
