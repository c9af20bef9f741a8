"""A reminder digest (SPEC §10) in words: the robots' markdown (split at item boundaries under a channel's byte
limit, the parts numbered), the e-mail's plain text and HTML, the dry run's text, and the JSON of `--dry-run
--json`. Untrusted text (department names, categories, event ids) stays text: escaped for markdown
(`textsafe.md`) and for HTML (`html.escape`)."""
from __future__ import annotations

import html
from urllib.parse import quote

from govdash.core.periods import deadline_label, moment_label
from govdash.core.textsafe import md, output_text

TITLE = "临期提醒与超期预警"
KIND_ORDER = ("临期", "超期", "申诉")


def _link(item: dict, base_url: str) -> str | None:
    if not item.get("event_id"):
        return None
    return f"{base_url.rstrip('/')}/case?event={quote(str(item['event_id']), safe='')}"


def item_words(item: dict) -> str:
    """One item as plain words (no markup): kind, event, department, deadline, working days overdue."""
    parts = []
    if item.get("dispute_id") is not None:
        parts.append(f"申诉 {item['dispute_id']}（{output_text(item.get('ground') or '')}，{item.get('action')}）")
    if item.get("event_id"):
        parts.append(f"事件 {output_text(item['event_id'])}")
    parts.append(f"部门 {output_text(item['dept_id'])}")
    if item.get("deadline") is not None:
        parts.append(("截止 " if item["kind"] == "申诉" else f"{item.get('deadline_kind') or '办结'}期限 ")
                     + deadline_label(item["deadline"]))
    if item.get("working_days_overdue") is not None:
        parts.append(f"已超期 {item['working_days_overdue']} 个工作日")
    return f"【{item['kind']}】" + " · ".join(parts)


def _md_item(item: dict, base_url: str) -> str:
    words = md(item_words(item))
    link = _link(item, base_url)
    return f"- {words} [查看案件]({link})" if link else f"- {words}"


def counts_line(digest: dict) -> str:
    n = {k: sum(1 for i in digest["items"] if i["kind"] == k) for k in KIND_ORDER}
    return f"临期 {n['临期']} 件，超期 {n['超期']} 件，待办申诉 {n['申诉']} 件"


def heading(digest: dict) -> str:
    return f"{TITLE} · {output_text(digest['recipient_name'])}"


def _header_lines(digest: dict, part: str) -> list[str]:
    lines = [f"### {md(heading(digest))}{part}", f"数据截至 {md(moment_label(digest['as_of']))}",
             md(counts_line(digest))]
    if digest.get("summary"):
        lines.append(md(digest["summary"]))
    return lines


def markdown_parts(digest: dict, max_bytes: int, base_url: str = "") -> list[str]:
    """The digest as robot markdown, one message or, when longer than `max_bytes` (UTF-8), several split at item
    boundaries and numbered （1/3）…; an item is never cut."""
    items = [_md_item(i, base_url) for i in digest["items"]]
    reserve = len("（999/999）".encode())

    def size(lines: list[str]) -> int:
        return len("\n".join(lines).encode("utf-8"))

    groups: list[list[str]] = [[]]
    base = size(_header_lines(digest, ""))
    for line in items:
        current = groups[-1]
        if current and base + reserve + size(["", *current, line]) > max_bytes:
            groups.append([line])
        else:
            current.append(line)
    total = len(groups)
    return ["\n".join([*_header_lines(digest, f"（{k}/{total}）" if total > 1 else ""), *group])
            for k, group in enumerate(groups, 1)]


def plain_text(digest: dict, base_url: str = "") -> str:
    """The digest as plain text: the e-mail's text part and the dry run's print."""
    lines = [heading(digest), f"数据截至 {moment_label(digest['as_of'])}", counts_line(digest)]
    if digest.get("summary"):
        lines.append(digest["summary"])
    for item in digest["items"]:
        link = _link(item, base_url)
        lines.append(item_words(item) + (f" · 案件：{link}" if link else ""))
    return "\n".join(lines)


def html_text(digest: dict, base_url: str = "") -> str:
    """The digest as the e-mail's HTML part: every value escaped."""
    e = html.escape
    rows = []
    for item in digest["items"]:
        link = _link(item, base_url)
        cell = f'<a href="{e(link)}">查看案件</a>' if link else ""
        rows.append(f"<li>{e(item_words(item))} {cell}</li>")
    summary = f"<p>{e(digest['summary'])}</p>" if digest.get("summary") else ""
    return (f"<html><body><h3>{e(heading(digest))}</h3><p>数据截至 {e(moment_label(digest['as_of']))}</p>"
            f"<p>{e(counts_line(digest))}</p>{summary}<ul>{''.join(rows)}</ul></body></html>")


def jsonable(data):
    """Moments as "YYYY-MM-DD HH:MM:SS" text, the rest as it is: what the JSON outputs print."""
    import datetime as dt

    if isinstance(data, dict):
        return {k: jsonable(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [jsonable(v) for v in data]
    if isinstance(data, dt.datetime):
        return data.isoformat(sep=" ", timespec="seconds")
    if isinstance(data, dt.date):
        return data.isoformat()
    return data


def digest_json(digest: dict, channel: str | None) -> dict:
    """A digest as `--dry-run --json` prints it."""
    return jsonable({"recipient": digest["recipient"], "recipient_name": output_text(digest["recipient_name"]),
            "channel": channel, "as_of": digest["as_of"], "summary": digest.get("summary"),
            "items": [{"kind": i["kind"], "event_id": i.get("event_id"), "dept_id": i["dept_id"],
                       "deadline": i.get("deadline"), "working_days_overdue": i.get("working_days_overdue"),
                       "dispute_id": i.get("dispute_id"), "link": i.get("link")} for i in digest["items"]]})
