"""The web questionnaire in a real headless Chromium (Debian's chromium and chromium-driver,
installed by .ci/run), driven by Selenium against ``spinerules serve`` on 127.0.0.1.

A person with cauda equina symptoms fills the form by keyboard and mouse and is told to go to
an emergency department now; a hostile string typed into a field comes back as text, never as
markup; the result page's screenshot is saved as a test artefact
(build/test-artefacts/serve-result-emergency.png). A complete screen with nine STarT Back
answers and boxes ticked by keyboard gets its risk's matched care and the preference ranked.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from tests.serve_helpers import ROOT, bound_socket, running

from spinerules.principles import CORE_SAFETY_QUESTIONS
from spinerules.serve.app import create_app
from spinerules.serve.config import ServeConfig
from spinerules.serve.web import QUESTIONS

ARTEFACTS = ROOT / "build" / "test-artefacts"
HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


def _browser() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.fail(
            "the browser test needs Debian's chromium and chromium-driver "
            "(apt-get install -y chromium chromium-driver; .ci/run installs them)"
        )
    return chromium, driver


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, webdriver.Chrome]]:
    chromium, driver_path = _browser()
    sock = bound_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with running(create_app(ServeConfig(public_url=url)), sock):
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--window-size=1000,1400",
        ):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            yield url, driver
        finally:
            driver.quit()


def _after_submit(driver: webdriver.Chrome, css: str) -> WebElement:
    """The element ``css`` of the page the form led to (waiting for it to load)."""
    found: WebElement = WebDriverWait(driver, 30).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )
    return found


def _choose(driver: webdriver.Chrome, name: str, value: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]').click()


def test_core_safety_questions_come_first_and_every_question_has_not_sure(
    site: tuple[str, webdriver.Chrome],
) -> None:
    url, driver = site
    driver.get(url + "/")
    fieldsets = driver.find_elements(By.CSS_SELECTOR, "form fieldset")
    ids = [(f.get_attribute("id") or "").removeprefix("q-") for f in fieldsets]
    core = [q for q in CORE_SAFETY_QUESTIONS]
    assert ids[: len(core)] == core
    assert ids == [q.name for q in QUESTIONS]
    for fieldset in fieldsets:
        labels = [label.text.strip() for label in fieldset.find_elements(By.TAG_NAME, "label")]
        assert "Not sure" in labels, fieldset.get_attribute("id")
        radios = fieldset.find_elements(By.CSS_SELECTOR, "input[type=radio]")
        if radios:  # "Not sure" is the default: nothing reads as "no" unless chosen
            checked = [r.get_attribute("value") for r in radios if r.is_selected()]
            assert checked == ["unsure"]
    assert driver.find_elements(By.TAG_NAME, "script") == []


def test_cauda_equina_case_is_sent_to_the_emergency_department(
    site: tuple[str, webdriver.Chrome],
) -> None:
    url, driver = site
    driver.get(url + "/")
    _choose(driver, "saddle_anaesthesia", "yes")
    _choose(driver, "urinary_retention", "yes")
    _choose(driver, "leg_pain", "both_sides")
    _choose(driver, "neuro_symptoms_course", "new")
    driver.find_element(By.ID, "age").send_keys("52")
    days = driver.find_element(By.ID, "pain_duration_days")
    days.send_keys("4")
    # submit by keyboard: Tab to the button and press Enter
    button = driver.find_element(By.CSS_SELECTOR, "button[type=submit]")
    button.send_keys(Keys.ENTER)
    banner = _after_submit(driver, "h1.banner")
    assert "go to an emergency department now" in banner.text.lower()
    assert "cauda equina" in driver.page_source.lower()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "serve-result-emergency.png"
    assert driver.save_screenshot(str(shot))
    assert Path(shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_a_hostile_string_is_shown_as_text(site: tuple[str, webdriver.Chrome]) -> None:
    url, driver = site
    driver.get(url + "/")
    driver.find_element(By.ID, "age").send_keys(HOSTILE)
    driver.find_element(By.ID, "pain_duration_days").send_keys("4")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    errors = _after_submit(driver, "#errors")
    assert "How old are you?" in errors.text
    assert "<script>window.pwned = 1</script>" in errors.text  # the characters, as text
    assert driver.execute_script("return window.pwned === undefined")
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.CSS_SELECTOR, "img") == []
    # the value is kept in the field, as a value
    assert driver.find_element(By.ID, "age").get_attribute("value") == HOSTILE


def test_an_unanswered_core_question_never_gives_a_plan(site: tuple[str, webdriver.Chrome]) -> None:
    url, driver = site
    driver.get(url + "/")
    driver.find_element(By.ID, "age").send_keys("35")
    driver.find_element(By.ID, "pain_duration_days").send_keys("6")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    banner = _after_submit(driver, "h1.banner")
    assert banner.text.startswith("Answer these safety questions first")
    assert "Self-care" not in driver.find_element(By.TAG_NAME, "body").text


def test_startback_and_checkboxes_by_keyboard_give_the_matched_care(
    site: tuple[str, webdriver.Chrome],
) -> None:
    url, driver = site
    driver.get(url + "/")
    for q in QUESTIONS:
        if q.core:
            _choose(driver, q.name, "none" if q.kind == "enum" else "no")
    driver.find_element(By.ID, "age").send_keys("44")
    driver.find_element(By.ID, "pain_duration_days").send_keys("30")
    for n in range(1, 9):  # the psychosocial items 5-9 score: high risk
        _choose(driver, f"startback.item{n}", "yes" if n >= 5 else "no")
    _choose(driver, "startback.item9", "extremely")
    # checkboxes work by keyboard: Space ticks the focused box
    box = driver.find_element(
        By.CSS_SELECTOR, 'input[name="preferred_activities"][value="walking"]'
    )
    box.send_keys(Keys.SPACE)
    assert box.is_selected()
    none = driver.find_element(By.CSS_SELECTOR, 'input[name="axspa_features"][value="none"]')
    none.send_keys(Keys.SPACE)
    assert none.is_selected()
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]:not([name])").click()
    _after_submit(driver, "h1.banner")
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "High risk" in body and "Keele University" in body
    # the preference was used: walking is ranked above the first exercise it would follow
    assert body.index("Walking") < body.index("Core exercise for a steady back")
