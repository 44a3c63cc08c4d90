"""Reminders of the collection season: one message to each unit that has not reported, sent only last
year's workbook, or whose counted version cannot be read or has errors — its own problems listed, the blank
workbook attached to those that sent nothing — through the mail gateway's SMTP settings. A dry run unless
asked to send; never twice to a unit within the interval; every reminder recorded in the season record."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from nianbao.apps.mail.config import MailConfig
from nianbao.apps.mail.outbox import Refusal, Sender
from nianbao.form.model import form_for_year
from nianbao.season.record import RECORD_NAME, SeasonRecord
from nianbao.season.roster import Roster
from nianbao.season.status import Season, UnitState, from_record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REMIND = ("not_submitted", "wrong_year", "unreadable", "errors")


@dataclass
class Reminder:
    state: UnitState
    to: tuple[str, ...]  # the unit's addresses on the roster; none: call them
    skipped: str = ""  # why not sent now (reminded recently)


def season_of(outdir: Path, roster: Roster, year: int | None = None) -> Season:
    """Where each unit stands, from the season record beside the last batch run (its summary.json says
    the year and which inbox files were there)."""
    summary = json.loads((outdir / "summary.json").read_text("utf-8")) if (outdir / "summary.json").is_file() else {}
    with SeasonRecord(outdir / RECORD_NAME) as record:
        return from_record(record, roster, year or summary.get("season", {}).get("year"),
                           {it["file"] for it in summary.get("items", [])})


def plan(season: Season, outdir: Path, interval: dt.timedelta, now: dt.datetime | None = None) -> list[Reminder]:
    now = now or dt.datetime.now().astimezone()
    with SeasonRecord(outdir / RECORD_NAME) as record:
        last = record.last_reminded()
    out = []
    for state in season.units:
        if state.status not in REMIND:
            continue
        skipped = ""
        if state.unit.name in last and now - dt.datetime.fromisoformat(last[state.unit.name]) < interval:
            skipped = f"{last[state.unit.name][:16].replace('T', ' ')} 已提醒过"
        out.append(Reminder(state, state.unit.emails, skipped))
    return out


def message(reminder: Reminder, season: Season, cfg: MailConfig, deadline: str = "") -> EmailMessage:
    state, year = reminder.state, season.year
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = cfg.sender
    msg["To"] = ", ".join(reminder.to)
    what = {"not_submitted": f"请报送{year}年度政府信息公开工作年度报告",
            "wrong_year": f"收到的年报工作簿不是{year}年度的，请重新报送",
            "unreadable": "收到的年报工作簿无法读取，请重新报送",
            "errors": f"{year}年度年报工作簿有问题需要修改"}[state.status]
    msg["Subject"] = f"【提醒】{state.unit.name}：{what}"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=cfg.sender.rsplit("@", 1)[-1].strip(">") or "nianbao.invalid")
    msg["Auto-Submitted"] = "auto-generated"
    lines = [f"{state.unit.name}：", ""]
    if state.status == "not_submitted":
        lines.append(f"我们还没有收到贵单位{year}年度政府信息公开工作年度报告的填报工作簿。请用附件中的空白工作簿填写后回复本邮件。")
    elif state.status == "wrong_year":
        lines.append(state.problem(year) + "。请填写" + f"{year}年度的工作簿后重新发送。")
    else:
        counted = state.counted
        assert counted is not None
        lines.append(f"贵单位{counted.received[:10]}发来的“{counted.path}”" +
                     ("无法读取。" if state.status == "unreadable" else f"有 {counted.errors} 处错误，首先需要修改的是："))
        if counted.first:
            lines.append(counted.first)
        lines.append("请按要求修改后重新发送（标注了全部问题的工作簿已在收到时回复给发件人）。")
    if deadline:
        lines += ["", f"报送截止日期：{deadline}。"]
    if cfg.contact:
        lines += ["", f"如有疑问，请联系：{cfg.contact}"]
    msg.set_content("\n".join(lines) + "\n", charset="utf-8")
    if state.status == "not_submitted":
        from nianbao.workbook.blank import template_bytes  # openpyxl: only for a reminder that attaches it

        maintype, subtype = XLSX.split("/", 1)
        form = form_for_year(season.year)
        book = template_bytes(form.id if form else "2021", f"回复本邮件（{cfg.sender}）")
        msg.add_attachment(book, maintype=maintype, subtype=subtype, filename="年报填报模板.xlsx")
    return msg


def send(reminders: list[Reminder], season: Season, cfg: MailConfig, outdir: Path, deadline: str = "") -> list[tuple[Reminder, str]]:
    """Send the reminders due (with an address and not sent recently); (reminder, what happened) each."""
    results = []
    sender = Sender(cfg.smtp, parseaddr(cfg.sender)[1] or cfg.smtp.user)
    try:
        with SeasonRecord(outdir / RECORD_NAME) as record:
            for r in reminders:
                if r.skipped or not r.to:
                    results.append((r, r.skipped or "名单中没有邮箱"))
                    continue
                data = message(r, season, cfg, deadline).as_bytes()
                try:
                    for address in r.to:
                        sender.send(address, data)
                        record.remind(r.state.unit.name, address, r.state.status)
                except Refusal as refusal:  # the account, the address or the connection: said, and the rest go on
                    results.append((r, f"发送失败：{refusal}"))
                    continue
                results.append((r, "已发送"))
    finally:
        sender.close()
    return results
