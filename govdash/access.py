"""Who may see what (issue 6): accounts with hashed passwords, roles, and the scoping of every frame.

Roles: `committee` (all pages, all departments), `assessment` (the same, plus saving scoring settings),
`department:<dept_id>` (only its own rows, on every page, chart, download and report). Deny by default:
a role that matches nothing sees nothing, and a department user gets only frames that can be scoped.
Passwords are stored as scrypt hashes (never plain text) in data/accounts.toml (or $GOVDASH_ACCOUNTS).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from govdash import REPO_ROOT

ROLE_LABELS = {"committee": "基层治理委员会", "assessment": "考绩办", "department": "部门"}
# pages (url_path) each role may open; anything else is not routed for that role
ALL_PAGES = {"bulletin", "whistle", "self-check", "visits", "negative-lists", "five-level", "assessment", "data"}
DEPARTMENT_PAGES = {"bulletin", "whistle", "self-check", "visits", "negative-lists", "assessment"}
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


class AccountError(ValueError):
    """A bad account request (unknown role, short password, no such account), in Chinese."""


class AccessDenied(PermissionError):
    """The signed-in user may not see this."""


@dataclass(frozen=True)
class Principal:
    username: str
    role: str              # committee | assessment | department | none
    dept_id: str | None = None

    @property
    def is_department(self) -> bool:
        return self.role == "department"

    @property
    def sees_all(self) -> bool:
        return self.role in ("committee", "assessment")

    @property
    def can_edit_scoring(self) -> bool:
        return self.role == "assessment"

    def allowed_pages(self) -> set[str]:
        if self.sees_all:
            return set(ALL_PAGES)
        if self.is_department and self.dept_id:
            return set(DEPARTMENT_PAGES)
        return set()

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


def check_role(text: str) -> str:
    role, _ = parse_role(text)
    if role == "none":
        raise AccountError(f"未知角色“{text}”，应为 committee、assessment 或 department:<部门编号>")
    return text.strip()


# ---------------------------------------------------------------- passwords and the accounts file

def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **SCRYPT, salt=base64.b64encode(salt).decode(), digest=base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r), p=int(p))
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def accounts_path() -> Path:
    return Path(os.environ.get("GOVDASH_ACCOUNTS", REPO_ROOT / "data" / "accounts.toml"))


def load_accounts(path: Path | None = None) -> dict[str, dict]:
    path = path or accounts_path()
    if not path.exists():
        return {}
    with open(path, "rb") as fh:
        return dict(tomllib.load(fh).get("users", {}))


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def save_accounts(users: dict[str, dict], path: Path | None = None) -> None:
    path = path or accounts_path()
    lines = ["# govdash accounts: passwords are scrypt hashes; manage with `govdash user`.", ""]
    for name in sorted(users):
        u = users[name]
        lines += [f"[users.{_toml_str(name)}]", f"role = {_toml_str(u['role'])}", f"password = {_toml_str(u['password'])}"]
        if u.get("email"):
            lines.append(f"email = {_toml_str(u['email'])}")
        lines.append("")
    write_private(path, "\n".join(lines))


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text`, readable by the server's user only (0600), atomically. The folder is
    created 0700 when missing; the temporary file gets an unpredictable name (mkstemp: O_EXCL, 0600),
    so nothing planted beside it is written through."""
    import tempfile

    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def set_user(name: str, role: str, password: str, email: str | None = None, path: Path | None = None) -> None:
    if not name.strip():
        raise AccountError("用户名不能为空")
    if len(password) < 8:
        raise AccountError("密码至少 8 位")
    users = load_accounts(path)
    users[name] = {"role": check_role(role), "password": hash_password(password), **({"email": email} if email else {})}
    save_accounts(users, path)


def reset_password(name: str, password: str, path: Path | None = None) -> None:
    users = load_accounts(path)
    if name not in users:
        raise AccountError(f"账号“{name}”不存在")
    if len(password) < 8:
        raise AccountError("密码至少 8 位")
    users[name]["password"] = hash_password(password)
    save_accounts(users, path)


def remove_user(name: str, path: Path | None = None) -> None:
    users = load_accounts(path)
    if users.pop(name, None) is None:
        raise AccountError(f"账号“{name}”不存在")
    save_accounts(users, path)


@functools.cache
def _no_such_user() -> str:
    return hash_password(secrets.token_urlsafe(16))


def authenticate(name: str, password: str, path: Path | None = None) -> Principal | None:
    """The account's principal when the password is right. An unknown name costs the same scrypt work,
    so the answer's timing does not tell which accounts exist. (Throttling: govdash.sessions.)"""
    user = load_accounts(path).get(name)
    if not user:
        verify_password(password, _no_such_user())
        return None
    if not verify_password(password, user.get("password", "")):
        return None
    role, dept = parse_role(user.get("role", ""))
    return Principal(name, role, dept)


def principal_for_email(email: str, path: Path | None = None) -> Principal:
    """OpenID Connect: the account whose `email` matches decides the role; no match → no access."""
    for name, user in load_accounts(path).items():
        if user.get("email") and user["email"].lower() == (email or "").lower():
            role, dept = parse_role(user.get("role", ""))
            return Principal(name, role, dept)
    return Principal(email or "", "none")


def new_password() -> str:
    return secrets.token_urlsafe(9)


# ---------------------------------------------------------------- scoping what a principal sees

# figures without department or JPC rows that any signed-in role may see (reference data)
PUBLIC_FIGURES = {"reference_list"}
# figures of community-wide data that only committee/assessment see
CITY_ONLY_FIGURES = {"community_hotspots", "funnel_section", "task_flow", "appeal_dwell_times", "appeal_resolution_by_month",
                     "community_push_up", "whistle_ladder", "appeal_records", "appeal_trail"}


def scope_frame(frame: pl.DataFrame, p: Principal, bound_jpcs: set[str]) -> pl.DataFrame:
    """A department's view of a frame: its own dept_id rows, else its bound JPCs' rows; otherwise denied."""
    if p.sees_all:
        return frame
    if not p.is_department:
        raise AccessDenied("无权查看")
    if "dept_id" in frame.columns:
        return frame.filter(pl.col("dept_id") == p.dept_id)
    if "jpc_id" in frame.columns:
        return frame.filter(pl.col("jpc_id").is_in(sorted(bound_jpcs)))
    raise AccessDenied("部门账号无权查看全市汇总明细")


def scope_bulletin(b: dict, p: Principal, bound_jpcs: set[str]) -> dict:
    """The bulletin as a department may see it: its own rows, its bound JPCs, the city totals."""
    if p.sees_all:
        return b
    if not p.is_department:
        raise AccessDenied("无权查看")
    mine = p.dept_id
    out = dict(b)
    out["departments"] = [d for d in b["departments"] if d["dept_id"] == mine]
    # lists and ranks were made on the whole city; the department sees whether it is on them
    out["lists"] = {name: [i for i in ids if i == mine] for name, ids in b["lists"].items()}
    out["overdue"] = [o for o in b["overdue"] if o["dept_id"] == mine]
    out["visits"] = [v for v in b.get("visits", []) if v["dept_id"] == mine]
    out["negative_reports"] = [r for r in b.get("negative_reports", []) if r["jpc_id"] in bound_jpcs]
    out["assessment_negative_list"] = [d for d in b.get("assessment_negative_list", []) if d["dept_id"] == mine]
    out["burden_negative_list"] = [d for d in b.get("burden_negative_list", []) if d["dept_id"] == mine]
    out["funnel"] = None  # community appeals are not department rows
    out["scope"] = {"dept_id": mine, "note": "部门账号：仅含本部门的记录与捆绑联合党委；全市合计为全市口径"}
    return out


def scope_assessment(a: dict, p: Principal) -> dict:
    if p.sees_all:
        return a
    if not p.is_department:
        raise AccessDenied("无权查看")
    return {**a, "departments": [d for d in a["departments"] if d["dept_id"] == p.dept_id]}


def scope_result(fn_name: str, result, p: Principal, bound_jpcs: set[str]):
    """Apply the principal's scope to a figure's result; deny what cannot be scoped."""
    if p.sees_all:
        return result
    if not p.is_department:
        raise AccessDenied("无权查看")
    if fn_name in PUBLIC_FIGURES or fn_name in ARG_SCOPED_FIGURES:
        return result
    if fn_name in CITY_ONLY_FIGURES:
        raise AccessDenied("部门账号无权查看全市汇总明细")
    if fn_name == "bulletin":
        return scope_bulletin(result, p, bound_jpcs)
    if fn_name == "assessment_result":
        return scope_assessment(result, p)
    if fn_name == "event_timeline":
        if not (result["action"].eq("dispatched") & result["dept_id"].eq(p.dept_id)).any():
            return result.clear()
        return result.filter(pl.col("dept_id").is_null() | (pl.col("dept_id") == p.dept_id))
    if isinstance(result, tuple):
        return tuple(scope_frame(x, p, bound_jpcs) for x in result)
    if isinstance(result, pl.DataFrame):
        return scope_frame(result, p, bound_jpcs)
    raise AccessDenied("无权查看")


ARG_SCOPED_FIGURES = {"monthly_rates"}


def scoped_args(fn_name: str, args: tuple, p: Principal) -> tuple:
    """Arguments a department may not choose: monthly_rates is always its own department's."""
    if p.is_department and fn_name == "monthly_rates":
        return args[:3] + (p.dept_id,)
    return args


def current_principal() -> Principal:
    """The signed-in principal of this Streamlit session (NOBODY when signed out)."""
    import streamlit as st

    return st.session_state.get("principal") or NOBODY


def restore_principal() -> Principal:
    """Who this script run is for. Served by the st.App (govdash.server), the session cookie alone
    decides, on every run: a refresh or a link opened later keeps the user signed in, and a session
    that expired or was signed out (in any tab) ends at the next run. Without the st.App (AppTest),
    the session state that a test or OpenID Connect set."""
    import streamlit as st

    from govdash import sessions

    if not sessions.cookie_sessions_enabled():
        return sign_in_from_oidc() or current_principal()
    value = st.context.cookies.get(sessions.shared_settings().cookie_name)
    principal = sessions.shared_sessions().principal(value) if value else None
    if principal is None:
        st.session_state.pop("principal", None)
        return NOBODY
    st.session_state["principal"] = principal
    return principal


def oidc_configured() -> bool:
    """OpenID Connect is on when the operator has put an [auth] section in .streamlit/secrets.toml."""
    import streamlit as st

    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def sign_in_from_oidc() -> Principal | None:
    """After an OpenID Connect sign-in, the account with the user's e-mail decides the role."""
    import streamlit as st

    if "principal" in st.session_state or not oidc_configured():
        return None
    user = getattr(st, "user", None)
    if user is None or not getattr(user, "is_logged_in", False):
        return None
    principal = principal_for_email(user.get("email", ""))
    st.session_state["principal"] = principal
    return principal
