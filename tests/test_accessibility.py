"""WCAG 2.1 AA in a real browser: axe-core (the default rules) finds nothing on any page type, signed
out, as a member and as a moderator, in English and Dutch, on a desktop and a phone; focus rings and
form borders stand out 3:1; the keyboard starts at the skip link; nothing is wider than a 320 px screen.

axe-core comes from package-lock.json (`make browser` installs it) and is read into the page from
this checkout, so no page ever loads anything from another host."""
from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from test_browser import CHROMIUM
from werkzeug.serving import make_server

from app import create_app, db
from app.casefiles import read_text
from app.models import Case
from app.policy import SYSTEM, acting_as
from app.services import contributions, follow_ups, introductions, library, meetings, members, proposals, saved_searches
from app.services.search import SearchRequest
from app.services.unit_of_work import unit_of_work

from conftest import PASSWORD, ROOT, case_text

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP, PHONE = 1366, 390
CASE = "copenhagen-cloudburst-plan"  # has a "copy this" guide; the site below adds an update and a meeting
AUTHOR, MEMBER, MODERATOR = "author@example.org", "member@example.org", "moderator@example.org"
# The information pages (About, Privacy, ...): each one that exists is checked like the rest.
INFO_PAGES = "info."


@dataclass
class Site:
    base: str
    meeting: str = ""
    conversation: int = 0
    submitted: int = 0
    proposal: int = 0
    update: int = 0
    author_id: int = 0
    case_id: int = 0
    info_pages: list[str] = field(default_factory=list)


def _populate(app) -> Site:
    """The seed cases, three members and one of everything a page lists: a submitted case, an
    introduction, a reported message, a meeting, an approved and a waiting update on CASE, a
    proposed lesson, a saved search and an open invitation."""
    site = Site(base="")
    with app.app_context():
        assert library.import_path(ROOT / "cases").ok
        author = members.create_member(AUTHOR, PASSWORD, name="Ada Author", organisation="Gemeente Kopenhagen")
        member = members.create_member(MEMBER, PASSWORD, name="Mia Member", organisation="Gemeente Utrecht")
        moderator = members.create_member(MODERATOR, PASSWORD, "admin", name="Mo Moderator")
        site.author_id = author.id
        with unit_of_work(SYSTEM) as uow:
            case = uow.session.scalar(select(Case).where(Case.slug == CASE))
            case.author_id, case.attribution = author.id, "named"
            uow.search_must_look_at(CASE)
        db.session().expire_all()  # the case was read before it had an author
        case = db.session().scalar(select(Case).where(Case.slug == CASE))
        site.case_id = case.id
        update = follow_ups.submit_update(acting_as(author), case, follow_ups.Answer(
            status="running", text="Two more cloudburst roads opened this year.", lesson_kind="went_well",
            lesson_text="Residents asked for the next street themselves.", lesson_visibility="public"))
        follow_ups.approve(acting_as(moderator), update)
        site.update = follow_ups.submit_update(acting_as(author), case, follow_ups.Answer(
            text="The third road is being built now.")).id
        site.proposal = proposals.propose_lesson(acting_as(member), case, "went_badly",
                                                 "Our cellar flooded: **check the overflow**.", "members", "named").id
        saved_searches.save_search(acting_as(member), SearchRequest(q="water", filters={"city": ["Rotterdam"]}),
                                   "weekly")
        members.invite(acting_as(moderator), "newcomer@example.org", "member")
        asked = introductions.start(acting_as(member), case, "How did you pay for the first cloudburst road?")
        site.conversation = asked.conversation.id
        introductions.report(acting_as(author), asked.conversation.messages[0].id, "Testing the report list.")
        draft = contributions.save(acting_as(member), read_text("draft.md", case_text(
            slug="shared-bikes-in-zwolle", title="Shared bikes in Zwolle", city="Zwolle")))
        contributions.submit(acting_as(member), draft)
        site.submitted = draft.id
        site.meeting = meetings.save_meeting(acting_as(moderator), meetings.MeetingInput(
            title="Spring meeting", held_on=date.today() - timedelta(days=30), place="Rotterdam",
            host="Gemeente Rotterdam", summary="Cities met on water.", notes="What we agreed.",
            items=[meetings.ItemInput(title="Cloudburst roads", case=CASE, speaker="Ada Author",
                                      speaker_agreed=True)])).slug
        site.info_pages = [str(rule) for rule in app.url_map.iter_rules()
                         if rule.endpoint.startswith(INFO_PAGES) and not rule.arguments]
    return site


@pytest.fixture(scope="module")
def site(migrated_sqlite, compiled_templates, tmp_path_factory) -> Iterator[Site]:
    """One live server for the whole module (SQLite only, like the other browser tests)."""
    folder = tmp_path_factory.mktemp("a11y")
    shutil.copyfile(migrated_sqlite, folder / "casebook.sqlite3")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "PASSWORD_HASH": "scrypt:1024:8:1",
                      "DATABASE_URL": f"sqlite:///{folder / 'casebook.sqlite3'}",
                      "INDEX_DIR": str(folder / "search_index")})
    app.jinja_env.bytecode_cache = compiled_templates
    populated = _populate(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    populated.base = f"http://127.0.0.1:{server.server_port}"
    yield populated
    server.shutdown()
    app.extensions["casebook.search"].close()
    app.extensions["casebook.db"].kw["bind"].dispose()


# Browser and axe-core come before `site` in each test's arguments: without them there is no
# need to build the site.
def _missing(what: str) -> None:
    if os.environ.get("CASEBOOK_REQUIRE_BROWSER"):
        pytest.fail(f"{what} is required here but not installed (make browser installs it)", pytrace=False)
    pytest.skip(f"{what} is not installed (make browser installs it)")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        _missing("Chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


@functools.cache
def _source(script: Path) -> str:
    return script.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        if shutil.which("npm") is None and os.environ.get("CASEBOOK_REQUIRE_BROWSER"):
            pytest.fail("axe-core needs Node.js and npm: install them, then run make browser", pytrace=False)
        _missing("axe-core (from package-lock.json)")
    return AXE


def open_as(browser, site: Site, who: str | None, language: str = "en", width: int = DESKTOP):
    """A page in a new browser context: signed in as WHO (or a visitor), in LANGUAGE, WIDTH wide."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    context.add_cookies([{"name": "casebook_lang", "value": language, "url": site.base}])
    page = context.new_page()
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    if who:
        page.goto(site.base + "/login")
        page.fill("#email", who)
        page.fill("#password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(site.base + "/")
    else:
        page.goto(site.base + "/")
    assert page.evaluate("document.documentElement.lang") == language
    return page


# --- axe on every page type ----------------------------------------------------------------------

def _show_errors(page) -> None:
    """Send the new-case form empty, past the browser's own checks, so the page shows its errors."""
    with page.expect_navigation():
        page.evaluate("""() => {
            const form = document.querySelector('main form.case-form') || document.querySelector('main form[method=post]');
            form.noValidate = true;
            setTimeout(() => form.requestSubmit(form.querySelector('button[value=submit]') || undefined));
        }""")


@dataclass(frozen=True)
class Visit:
    path: str
    then: Callable | None = None  # something to do on the page before it is checked
    name: str = ""
    status: int = 200

    @property
    def label(self) -> str:
        return self.name or self.path


def public_pages(site: Site) -> list[Visit]:
    return [Visit("/"), Visit("/search?q=water"), Visit("/search?q=water&city=Rotterdam"),
            Visit("/search?q=okapizebraquagga", name="/search (no results)"), Visit("/search"),
            Visit(f"/cases/{CASE}"), Visit("/themes/climate-adaptation"), Visit("/cities/Copenhagen"),
            Visit("/meetings"), Visit(f"/meetings/{site.meeting}"), Visit("/no-such-page", status=404)] \
        + [Visit(path) for path in site.info_pages]


def visitor_pages(site: Site) -> list[Visit]:
    return public_pages(site) + [Visit("/login"), Visit("/login/forgot")]


def member_pages(site: Site) -> list[Visit]:
    return [Visit("/"), Visit("/search?q=water"), Visit("/search?q=water&city=Rotterdam"), Visit(f"/cases/{CASE}"),
            Visit(f"/meetings/{site.meeting}"), Visit("/contribute/new"),
            Visit("/contribute/new", then=_show_errors, name="/contribute/new (with errors)"),
            Visit("/contribute"), Visit(f"/contribute/{site.submitted}"), Visit(f"/cases/{CASE}/tried-this-too"),
            Visit("/profile"), Visit("/profile/searches"), Visit("/inbox"),
            Visit(f"/inbox/{site.conversation}"), Visit("/members"), Visit(f"/members/{site.author_id}")]


def moderator_pages(site: Site) -> list[Visit]:
    return [Visit("/"), Visit(f"/cases/{CASE}"), Visit("/moderate"), Visit(f"/moderate/{site.submitted}"),
            Visit(f"/moderate/proposals/{site.proposal}"), Visit(f"/moderate/updates/{site.update}"),
            Visit("/moderate/reports"), Visit("/moderate/import"), Visit("/members/invite"), Visit("/meetings/new"),
            Visit(f"/contribute/{site.case_id}/edit"), Visit(f"/contribute/{site.case_id}/history"),
            Visit("/admin/members"), Visit("/admin/audit")]


ROLES = {"visitor": (None, visitor_pages), "member": (MEMBER, member_pages),
         "moderator": (MODERATOR, moderator_pages)}


def axe_violations(page, script: Path) -> list[dict]:
    # Evaluated rather than added as a <script>: the site's Content-Security-Policy rightly refuses
    # inline scripts, and bypassing it would show the page other than visitors see it.
    page.evaluate(_source(script))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact,
            targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length}));
    }""")


@pytest.mark.parametrize("role", list(ROLES))
def test_axe_finds_no_violation_and_nothing_is_wider_than_the_screen(browser, axe_script, site, role):
    who, pages = ROLES[role]
    found: dict[tuple[str, str, str], list[str]] = {}  # (rule, page, first targets): where seen
    for language in ("en", "nl"):
        page = open_as(browser, site, who, language)
        for width in (DESKTOP, PHONE):
            page.set_viewport_size({"width": width, "height": 900})
            for visit in pages(site):
                response = page.goto(site.base + visit.path)
                assert response is not None and response.status == visit.status, (visit.path, role)
                if visit.then:
                    visit.then(page)
                for v in axe_violations(page, axe_script):
                    key = (f"{v['id']} ({v['impact']})", visit.label, ", ".join(v["targets"]))
                    found.setdefault(key, []).append(f"{language} {width}px")
                too_wide = page.evaluate(OVERFLOW_JS)  # not an axe rule: WCAG 1.4.10, no sideways scrolling
                if too_wide:
                    found.setdefault(("reflow", visit.label, too_wide), []).append(f"{language} {width}px")
        assert not [u for u in page.requests if not u.startswith(site.base)]
        page.context.close()
    assert not found, f"axe found {len(found)} kinds of violation as {role}:\n" + "\n".join(
        f"{rule} on {path} [{'; '.join(where)}]: {targets}" for (rule, path, targets), where in found.items())


# --- contrast of what axe does not measure -------------------------------------------------------

CONTRAST_JS = """
const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
const over = (top, under) => top.slice(0, 3).map((v, i) => v * top[3] + under[i] * (1 - top[3])).concat([1]);
// The colour behind an element: its own background and its ancestors', blended, on white.
const backdrop = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) layers.push(parse(getComputedStyle(e).backgroundColor));
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
};
const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? `[name=${el.name}]` : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + (el.tagName === 'A' ? ` "${el.innerText.trim().replace(/\\s+/g, ' ').slice(0, 30)}"` : '');
"""


def focus_ring_problems(page, stops: int) -> tuple[list[str], int]:
    """Tab through the first STOPS focusable elements: each must show an outline 3:1 against
    what surrounds it (the parent's background, or its own when the outline is drawn inside).
    Also returns how many elements took focus, so that a page Tab cannot enter proves nothing."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    problems, focused = [], 0
    for _ in range(stops):
        page.keyboard.press("Tab")
        problem = page.evaluate("() => {" + CONTRAST_JS + """
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            const s = getComputedStyle(el);
            if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 2)
                return `${describe(el)}: no focus outline of at least 2px (${s.outlineStyle} ${s.outlineWidth})`;
            const behind = parseFloat(s.outlineOffset) < 0 ? backdrop(el) : backdrop(el.parentElement);
            const r = ratio(parse(s.outlineColor), behind);
            return r >= 3 ? '' : `${describe(el)}: focus outline ${s.outlineColor} is ${r.toFixed(2)}:1`;
        }""")
        if problem is not None:
            focused += 1
        if problem:
            problems.append(problem)
    return problems, focused


def test_every_focus_ring_stands_out_three_to_one(browser, site):
    problems = []
    for who, paths in ((MEMBER, ["/", "/search?q=water", f"/cases/{CASE}", "/contribute/new"]),
                       (MODERATOR, [f"/moderate/{site.submitted}", "/admin/members"])):
        page = open_as(browser, site, who)
        for path in paths:
            page.goto(site.base + path)
            found, focused = focus_ring_problems(page, 45)
            assert focused >= 20, f"{path}: only {focused} of 45 Tabs focused something"
            problems += [f"{path}: {p}" for p in found]
        page.context.close()
    assert not problems, "\n".join(sorted(set(problems)))


BORDERS_JS = "() => {" + CONTRAST_JS + """
    const problems = [], controls = [...document.querySelectorAll('input, select, textarea')];
    for (const el of controls) {
        if (['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type) || !el.offsetParent) continue;
        const s = getComputedStyle(el);
        const outside = backdrop(el.parentElement);
        // A checkbox or radio button the browser draws itself has Chromium's #767676 edge.
        const native = ['checkbox', 'radio'].includes(el.type) && s.appearance !== 'none';
        const edge = native ? [118, 118, 118, 1] : (parseFloat(s.borderTopWidth) > 0 && s.borderTopStyle !== 'none'
            ? parse(s.borderTopColor) : backdrop(el));
        const r = ratio(over(edge, outside), outside);
        if (r < 3) problems.push(`${describe(el)}: edge ${r.toFixed(2)}:1 against its background`);
    }
    return [problems, controls.filter(el => el.offsetParent && el.type !== 'hidden').length];
}"""


def test_form_controls_have_borders_that_stand_out_three_to_one(browser, site):
    problems = []
    for who, paths in ((None, ["/", "/search?q=water", "/login", "/login/forgot"]),
                       (MEMBER, ["/contribute/new", "/profile", "/profile/searches", f"/cases/{CASE}",
                                 f"/inbox/{site.conversation}", "/members", "/search?q=water"]),
                       (MODERATOR, [f"/moderate/{site.submitted}", "/admin/members", "/moderate/import",
                                    "/meetings/new"])):
        page = open_as(browser, site, who)
        for path in paths:
            page.goto(site.base + path)
            found, controls = page.evaluate(BORDERS_JS)
            assert controls, f"{path} shows no form field to check"
            problems += [f"{path}: {p}" for p in found]
        page.context.close()
    assert not problems, "\n".join(problems)


# --- the keyboard --------------------------------------------------------------------------------

def test_the_first_tab_lands_on_the_skip_link_which_moves_focus_to_the_content(browser, site):
    problems = []
    for who, paths in ((None, ["/", "/search?q=water", f"/cases/{CASE}", "/login", "/meetings"]),
                       (MEMBER, ["/", "/contribute/new", "/inbox"])):
        page = open_as(browser, site, who)
        for path in paths:
            page.goto(site.base + path)
            page.keyboard.press("Tab")
            first = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
            if first[0] != "skip":
                problems.append(f"{path}: the first Tab lands on {first}, not on the skip link")
                continue
            assert page.locator(".skip").is_visible()  # visible while it has focus
            page.keyboard.press("Enter")
            target = first[1].lstrip("#")
            inside = page.evaluate("t => { const a = document.activeElement, m = document.getElementById(t);"
                                   " return !!m && (a === m || m.contains(a)); }", target)
            if not inside:
                problems.append(f"{path}: the skip link does not move focus to #{target}")
                continue
            page.keyboard.press("Tab")
            if not page.evaluate("t => document.getElementById(t).contains(document.activeElement)", target):
                problems.append(f"{path}: after the skip link, Tab leaves #{target}")
        page.context.close()
    assert not problems, "\n".join(problems)


def test_skip_to_results_leads_the_keyboard_to_the_first_result(browser, site):
    page = open_as(browser, site, None)
    page.goto(site.base + "/search?q=water")
    for _ in range(40):  # the link is among the first stops: skip link, header, then the results' own
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "#results":
            break
    else:
        pytest.fail("no link to #results among the first 40 Tab stops")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "results"
    page.keyboard.press("Tab")
    first = page.locator(".results .card h3 a").first
    assert page.evaluate("document.activeElement.href") == first.evaluate("a => a.href")
    page.context.close()


def test_the_search_box_on_home_does_not_take_focus(browser, site):
    page = open_as(browser, site, None)
    page.goto(site.base + "/")
    assert page.evaluate("document.activeElement === document.body")
    assert page.locator("[autofocus]").count() == 0
    page.context.close()


# --- narrow screens ------------------------------------------------------------------------------

OVERFLOW_JS = "() => {" + CONTRAST_JS + """
    const width = window.innerWidth, out = [];
    const sticksOut = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > width + 0.5; };
    for (const el of document.querySelectorAll('body *'))
        if (sticksOut(el) && ![...el.children].some(sticksOut))
            out.push(`${describe(el)} (to ${Math.round(el.getBoundingClientRect().right)} px)`);
    return document.documentElement.scrollWidth > width
        ? `${document.documentElement.scrollWidth} px wide on a ${width} px screen: ${out.slice(0, 3).join(', ')}` : null;
}"""


def test_nothing_is_wider_than_a_320_pixel_screen(browser, site):
    wide = []
    for who, width, paths in ((None, 320, ["/", "/search?q=water", "/search?q=water&city=Rotterdam", f"/cases/{CASE}",
                                           "/login", "/login/forgot", f"/meetings/{site.meeting}",
                                           "/search?q=Klimaatadaptatiemaatregelenuitvoeringsprogramma"]),
                              (MODERATOR, PHONE, ["/admin/members", "/admin/audit", "/contribute/new"])):
        page = open_as(browser, site, who, "nl", width)
        for path in paths:
            page.goto(site.base + path)
            problem = page.evaluate(OVERFLOW_JS)
            if problem:
                wide.append(f"{path}: {problem}")
        page.context.close()
    assert not wide, "\n".join(wide)
