"""The one page table: every page of the dashboard with its script, title, address, menu icon and section, the
roles that may open it and the period pickers its sidebar shows. The router (app.py), the role check of every
page (chrome.require_page), the served app's "may this account open anything" (server, sessions), the sidebar's
pickers and the page's address (govdash.web.period) and the page tests all read it; nothing else lists the pages.

Deny by default: a role a page does not name never sees it (no menu entry, no data, a refusal at its address),
and a department account without a department sees nothing at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from govdash.core.principal import Principal

# the roles of govdash.core.principal that see the whole city, and every role that signs in
CITY_ROLES = ("committee", "assessment")
ALL_ROLES = CITY_ROLES + ("department",)


@dataclass(frozen=True)
class Page:
    url: str                  # its address (st.Page url_path); the default page also answers at "/"
    path: str                 # its script, relative to the repository root
    title: str                # its menu entry and its heading
    icon: str                 # its menu icon (a Streamlit ":material/…:" name)
    section: str              # the menu section it is listed under
    roles: tuple[str, ...]    # the roles that may open it
    cutoff: bool              # the sidebar shows the cut-off picker under the period (its figures depend on it)
    period: str = "month"     # its period picker and address (govdash.web.period): "month", "assessment" or ""
    published: bool = False   # it serves a period's published copy when there is one, at that copy's cut-off


PAGES: tuple[Page, ...] = (
    Page("bulletin", "pages/monthly_bulletin.py", "月度通报", ":material/newspaper:", "吹哨报到", ALL_ROLES,
         cutoff=True, published=True),
    Page("whistle", "pages/whistle_analysis.py", "吹哨报到分析", ":material/monitoring:", "吹哨报到", ALL_ROLES,
         cutoff=True),
    Page("self-check", "pages/department_self_check.py", "部门自查", ":material/manage_search:", "吹哨报到", ALL_ROLES,
         cutoff=True),
    Page("case", "pages/case.py", "事件查询", ":material/search:", "吹哨报到", ALL_ROLES, cutoff=True),
    Page("visits", "pages/visits.py", "联系捆绑走访", ":material/handshake:", "走访、清单与诉求", ALL_ROLES,
         cutoff=False),
    Page("negative-lists", "pages/negative_lists.py", "负面清单", ":material/block:", "走访、清单与诉求", ALL_ROLES,
         cutoff=True),
    # the appeals over five levels are city-wide: no department's own rows to cut them to
    Page("five-level", "pages/five_level.py", "五级双向", ":material/swap_vert:", "走访、清单与诉求", CITY_ROLES,
         cutoff=True),
    Page("assessment", "pages/assessment.py", "年度考核", ":material/military_tech:", "考核", ALL_ROLES, cutoff=True,
         period="assessment", published=True),
    # 申诉核减: a department's own disputes, the office's and the committee's queues; no period of its own
    Page("disputes", "pages/disputes.py", "申诉核减", ":material/gavel:", "考核", ALL_ROLES, cutoff=False, period=""),
    # uploads, quarantine and failed sign-ins concern the whole city
    Page("data", "pages/data_quality.py", "数据导入与质量", ":material/database:", "数据", CITY_ROLES, cutoff=False,
         period=""),
)
# the page at "/" (and at its own address)
DEFAULT = "bulletin"
# the page every address shows to someone not signed in
SIGN_IN_PATH = "pages/sign_in.py"

BY_URL = {page.url: page for page in PAGES}


def page(url: str) -> Page:
    """The page at address `url` (KeyError for an address no page has)."""
    return BY_URL[url]


def sections() -> dict[str, list[Page]]:
    """The menu: each section's pages, in the table's order."""
    out: dict[str, list[Page]] = {}
    for p in PAGES:
        out.setdefault(p.section, []).append(p)
    return out


def allowed_pages(principal: Principal) -> set[str]:
    """The addresses `principal` may open; empty when signed out, for a role that matches nothing, and for a
    department account that names no department."""
    if principal.is_department and not principal.dept_id:
        return set()
    return {p.url for p in PAGES if principal.role in p.roles}
