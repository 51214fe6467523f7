"""Drives kura's portal in headless Chromium (Debian's chromium + chromium-driver, PyPI selenium):
a browser that trusts only this kura's server key and reaches only loopback, screenshots per step,
and the accessibility checks every page must pass."""
import base64
import hashlib
import os
import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCREENSHOTS = os.path.join(REPO, ".build", "portal-screenshots")


def server_key_pin(kura):
    """base64(SHA-256(SPKI)) of the server certificate: the one key Chromium is told to accept."""
    with open(os.path.join(kura.data_dir, "tls", "server.pem"), "rb") as f:
        certificate = x509.load_pem_x509_certificate(f.read())
    spki = certificate.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


class Portal:
    """One browser on one kura's portal; `shot` saves numbered PNGs under .build/portal-screenshots/<name>/."""

    def __init__(self, kura, name, size=(1280, 800)):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={size[0]},{size[1]}",
                     f"--ignore-certificate-errors-spki-list={server_key_pin(kura)}",
                     # Loopback only: every other name fails to resolve; nothing in the background.
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--disable-default-apps", "--disable-features=OptimizationHints,MediaRouter,Translate"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(60)
        self.base = f"https://localhost:{kura.port}"
        self.folder = os.path.join(SCREENSHOTS, name)
        os.makedirs(self.folder, exist_ok=True)
        for old in os.listdir(self.folder):
            os.remove(os.path.join(self.folder, old))
        self.count = 0
        self.shots = []

    def keep_last_page(self):
        """The last page as it was (for a failure's diagnosis): last.png and last.html."""
        self.driver.save_screenshot(os.path.join(self.folder, "last.png"))
        with open(os.path.join(self.folder, "last.html"), "w") as f:
            f.write(self.driver.page_source)

    def close(self):
        self.driver.quit()

    # Navigation

    def go(self, path):
        self.driver.get(self.base + path)
        self.check_accessibility()

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        return self.find(css).text

    def click(self, css):
        """Clicks what navigates (a submit button, a link) and waits for the next page."""
        self.navigate_by(self.find(css))

    def click_link(self, text):
        self.navigate_by(self.driver.find_element(By.LINK_TEXT, text))

    def navigate_by(self, element):
        page = self.find("html")
        try:
            element.click()
        except WebDriverException as error:
            # chromedriver sometimes loses the clicked node when the click's navigation wins the
            # race with its own bookkeeping; the click happened, the wait below sees the new page.
            if "does not belong to the document" not in str(error):
                raise
        WebDriverWait(self.driver, 30).until(lambda _: is_gone(page))
        WebDriverWait(self.driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
        self.check_accessibility()

    def fill(self, css, value):
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def choose(self, css, visible_text):
        Select(self.find(css)).select_by_visible_text(visible_text)

    def selected_value(self, css):
        return Select(self.find(css)).first_selected_option.get_attribute("value")

    def selected_text(self, css):
        return Select(self.find(css)).first_selected_option.text

    def check(self, label_text):
        """Ticks the checkbox or radio whose label reads `label_text` (the first such), as a person clicks the label."""
        label = self.driver.find_element(By.XPATH, f"//label[normalize-space(.)={xpath_literal(label_text)}]")
        box = self.find("#" + label.get_attribute("for"))
        if not box.is_selected():
            label.click()
        assert box.is_selected(), label_text

    def heading(self):
        return self.text("h1")

    def notice(self):
        found = self.finds("#notice")
        return found[0].text if found else ""

    def wait_for_path(self, pattern, timeout=30):
        WebDriverWait(self.driver, timeout).until(lambda d: re.search(pattern, d.current_url))
        self.check_accessibility()

    def shot(self, step):
        self.count += 1
        path = os.path.join(self.folder, f"{self.count:02d}-{step}.png")
        assert self.driver.save_screenshot(path), path
        self.shots.append(path)
        return path

    # Sign-in

    def sign_in(self, user_principal_name, password, path="/portal/"):
        self.driver.get(self.base + path)
        WebDriverWait(self.driver, 30).until(expected_conditions.presence_of_element_located((By.ID, "passwd")))
        self.fill("#login", user_principal_name)
        self.fill("#passwd", password)
        self.find("button[type=submit]").click()
        WebDriverWait(self.driver, 30).until(lambda d: "/portal/" in d.current_url and "oauth2" not in d.current_url)
        self.check_accessibility()

    # Accessibility: every field labelled, every image described, headings in order.

    def check_accessibility(self):
        if "/portal/" not in self.driver.current_url:
            return
        problems = self.driver.execute_script("""
            const problems = [];
            for (const input of document.querySelectorAll('input, select, textarea')) {
              if (input.type === 'hidden') continue;
              const labelled = (input.id && document.querySelector('label[for="' + CSS.escape(input.id) + '"]'))
                || input.closest('label') || input.getAttribute('aria-label') || input.getAttribute('aria-labelledby');
              if (!labelled) problems.push('unlabelled ' + input.outerHTML.slice(0, 80));
            }
            for (const image of document.querySelectorAll('img')) if (!image.hasAttribute('alt')) problems.push('image without alt');
            let last = 0;
            for (const heading of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
              const level = Number(heading.tagName[1]);
              if ((last === 0 && level !== 1) || level > last + 1) problems.push('heading h' + level + ' after h' + last + ': ' + heading.textContent);
              last = level;
            }
            if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
            return problems;
        """)
        assert problems == [], (self.driver.current_url, problems)


def is_gone(element):
    """Whether the page `element` belonged to has been replaced (chromedriver says so in two ways)."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise


def xpath_literal(text):
    return f'"{text}"' if '"' not in text else "concat('" + text.replace("'", "', \"'\", '") + "')"
