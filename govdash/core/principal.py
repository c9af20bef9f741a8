"""Who is asking: the signed-in principal and its role. Ground-floor data, so the figure catalogue can scope by
it; accounts and passwords stay in govdash.records.accounts, the pages each role may open in the page table
(govdash.web.registry)."""
from __future__ import annotations

import re
from dataclasses import dataclass

ROLE_LABELS = {"committee": "基层治理委员会", "assessment": "考绩办", "department": "部门"}
# who may publish (定稿发布) a month's bulletin or a correction of it: the committee; never a department or
# the assessment office
PUBLISH_ROLES = ("committee",)
# who may publish (定稿) a quarterly or annual assessment or a correction of it: the assessment office only
ASSESSMENT_PUBLISH_ROLES = ("assessment",)


class AccessDenied(PermissionError):
    """The signed-in user may not see this."""


@dataclass(frozen=True)
class Principal:
    username: str
    role: str              # committee | assessment | department | none
    dept_id: str | None = None
    display_name: str = ""  # the person's real name (账号的姓名), as documents name a publisher; may be unset

    @property
    def name(self) -> str:
        """How documents and notices name this person: the real name, or the account name when none is set."""
        return self.display_name or self.username

    @property
    def is_department(self) -> bool:
        return self.role == "department"

    @property
    def sees_all(self) -> bool:
        return self.role in ("committee", "assessment")

    @property
    def can_edit_scoring(self) -> bool:
        return self.role == "assessment"

    @property
    def can_publish(self) -> bool:
        """定稿发布 of the monthly bulletin (and its corrections): the committee only (PUBLISH_ROLES)."""
        return self.role in PUBLISH_ROLES

    @property
    def can_publish_assessment(self) -> bool:
        """定稿 of a quarterly or annual assessment (and its corrections): the assessment office only."""
        return self.role in ASSESSMENT_PUBLISH_ROLES

    @property
    def can_unlock_sign_ins(self) -> bool:
        """Clearing failed sign-ins and locks (数据导入与质量): the committee, as for publishing."""
        return self.role in PUBLISH_ROLES

    @property
    def label(self) -> str:
        if self.is_department:
            return f"{self.username}（部门 {self.dept_id}）"
        return f"{self.username}（{ROLE_LABELS.get(self.role, '无权限')}）"


NOBODY = Principal("", "none")


def parse_role(text: str) -> tuple[str, str | None]:
    """'committee' | 'assessment' | 'department:D01' → (role, dept_id); anything else → ('none', None)."""
    text = (text or "").strip()
    if text in ("committee", "assessment"):
        return text, None
    m = re.fullmatch(r"department:([A-Za-z0-9_\-]+)", text)
    if m:
        return "department", m.group(1)
    return "none", None
