"""The pages people read, in a real browser: the class report and two feedback pages of the
demo class, checked with axe-core (0 serious or critical violations), at a phone's width
(375 px: nothing wider than the screen) and a desktop's (1280 px). Screenshots go to
test-artifacts/pages/."""

import pytest
from helpers import CHROMIUM, CHROMIUM_FLAGS, REPO
from lab_driver import BROWSER_TEST

playwright = pytest.importorskip("playwright.sync_api")
axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright")
pytestmark = BROWSER_TEST

SHOTS = REPO / "test-artifacts" / "pages"
WIDTHS = (375, 1280)
# A student who lost points (a mistake named) and one with full marks but the proof awaiting a grader.
PAGES = {
    "report": "results/report.html",
    "feedback-lost": "feedback/nia/cv_exam/part1_exam_questions.html",
    "feedback-part2": "feedback/ada/cv_exam/part2_extra_exercises.html",
}


@pytest.fixture(scope="module")
def seen(demo):
    course = demo[0]
    SHOTS.mkdir(parents=True, exist_ok=True)
    found: dict = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for name, relative in PAGES.items():
            for width in WIDTHS:
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.route(
                    "**/*",
                    lambda route: (
                        route.abort() if route.request.url.startswith("http") else route.continue_()
                    ),
                )
                page.goto((course / relative).as_uri())
                page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
                found[name, width] = {
                    "violations": axe_playwright.Axe().run(page).response["violations"],
                    "overflow": page.evaluate("document.documentElement.scrollWidth") - width,
                    "lang": page.evaluate("document.documentElement.lang"),
                    "alts": page.evaluate("[...document.images].map(i => i.alt)"),
                    "text": page.locator("body").inner_text(),
                    "overview": page.locator(".cvexam-overview").inner_text() if name != "report" else "",
                }
                page.close()
        browser.close()
    return found


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_no_serious_or_critical_accessibility_violation(seen, name, width):
    bad = [v for v in seen[name, width]["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]


@pytest.mark.parametrize("name", PAGES)
def test_the_page_fits_a_phone_and_says_its_language(seen, name):
    assert seen[name, 375]["overflow"] <= 0, (
        f"{name} is {seen[name, 375]['overflow']} px wider than a 375 px screen"
    )
    assert seen[name, 1280]["lang"] == "en"


def test_every_image_says_what_it_shows(seen, demo_results):
    alts = seen["report", 1280]["alts"] + seen["feedback-lost", 1280]["alts"]
    assert alts and all(alt and "No description" not in alt for alt in alts), alts
    graded = sum(r["graded"] for r in demo_results.values())
    assert any(alt.startswith(f"Score histogram of {graded} graded submissions") for alt in alts), alts
    assert any(alt.startswith("Your plot, as the grader read it:") and " x from " in alt for alt in alts), (
        alts
    )


def test_feedback_opens_with_the_exam_total_and_the_lost_parts(seen, demo_results):
    overview = seen["feedback-lost", 1280]["overview"]
    nia = demo_results["nia"]
    assert f"cv_exam: {nia['score']:g} / {nia['max_score']:g} points" in overview, overview
    assert "part2_extra_exercises" in overview  # the other notebook, linked, with its points
    assert "✗ bias dropped" in overview  # a lost part, marked, with its named mistake
    assert "✓ right" in overview


def test_feedback_says_what_awaits_a_grader(seen):
    overview = seen["feedback-part2", 1280]["overview"]
    assert "awaiting a grader" in overview, overview


def test_the_report_shows_item_analysis_distractors_and_who_made_each_mistake(seen, demo_results):
    text = seen["report", 1280]["text"]
    assert "Item analysis" in text and "Cronbach's alpha" in text and "standard error of measurement" in text
    assert "Answers to the choice items" in text and "1d CONV_ADVANTAGE: CONV_ADVANTAGE" in text
    made = [s for s, r in demo_results.items() if any("bias dropped" in p["mistakes"] for p in r["parts"])]
    assert made and f"bias dropped\t1a linear_forward\t{len(made)}\t{', '.join(sorted(made))}" in text


def test_the_report_flags_the_copied_pair_of_the_demo_class(seen):
    text = seen["report", 1280]["text"]
    assert "Possibly copied work" in text and "nia and ray" in text  # ray hands in nia's, disguised
    assert "ada and" not in text  # the instructor's solution is no evidence
