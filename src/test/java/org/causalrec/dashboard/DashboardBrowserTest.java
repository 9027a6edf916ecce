package org.causalrec.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.config.AuthConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium against a running server with an API key: the page loads
 * from the jar and asks for the key, the user's live feed appears, an event sent from the page changes it, and the charts render. Saves
 * {@code target/dashboard.png}. Needs Debian's {@code chromium} and {@code chromium-driver} (the CI
 * script installs them and sets CAUSALREC_REQUIRE_BROWSER=1, so there the test cannot skip).
 */
@TestDatabase
class DashboardBrowserTest {

  static final List<String> BROWSERS = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser");
  static final String DRIVER = "/usr/bin/chromedriver";

  @TempDir
  static Path dir;

  static ApiFixture api;

  @BeforeAll
  static void start() {
    boolean installed = BROWSERS.stream().anyMatch(b -> new File(b).canExecute()) && new File(DRIVER).canExecute();
    if (!installed && System.getenv("CAUSALREC_REQUIRE_BROWSER") != null) {
      throw new AssertionError("CAUSALREC_REQUIRE_BROWSER is set but chromium or chromium-driver is missing");
    }
    Assumptions.assumeTrue(installed, "chromium and chromium-driver are not installed");
    api = ApiFixture.builder(dir).world("tiny", 12).trainMultVae(10)
        .config(c -> c.setAuth(AuthConfig.of(List.of(), List.of("dash-key"), List.of()))).start();
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void theFeedAppearsAnEventFromThePageChangesItAndChartsRender() throws Exception {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BROWSERS.stream().filter(b -> new File(b).canExecute()).findFirst().orElseThrow());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1700");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
        .usingAnyFreePort().build();
    WebDriver driver = new ChromeDriver(service, options);
    try {
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
      driver.get("http://127.0.0.1:" + api.port() + "/?user=u3");
      // the server has keys: the page asks for one, then works with it (a write key: the page sends events)
      wait.until(d -> d.findElement(By.id("key-form")).isDisplayed());
      driver.findElement(By.id("api-key")).sendKeys("dash-key");
      driver.findElement(By.id("use-key")).click();
      wait.until(d -> d.findElements(By.cssSelector("#feed li")).size() == 10);
      String top = driver.findElements(By.cssSelector("#feed li")).get(0).getAttribute("data-id");
      String seq = driver.findElement(By.id("feed")).getAttribute("data-seq");
      assertEquals("1", seq);
      // buy the top item from the page: it is consumed, so the pushed list no longer starts with it
      assertEquals(top, driver.findElement(By.id("event-item")).getAttribute("value"));
      new Select(driver.findElement(By.id("event-type"))).selectByVisibleText("purchase");
      driver.findElement(By.id("send")).click();
      wait.until(d -> "2".equals(d.findElement(By.id("feed")).getAttribute("data-seq")));
      String newTop = driver.findElements(By.cssSelector("#feed li")).get(0).getAttribute("data-id");
      assertNotEquals(top, newTop);
      assertTrue(driver.findElement(By.id("feed-meta")).getText().contains("after purchase of " + top),
          driver.findElement(By.id("feed-meta")).getText());
      // charts: uPlot draws on canvases; the learning curve of the serving version and the
      // propensities of the simulated log have data
      for (String chart : List.of("chart-curve", "chart-propensity", "chart-offline", "chart-rate")) {
        WebElement canvas = wait.until(d -> d.findElement(By.cssSelector("#" + chart + " canvas")));
        assertTrue(canvas.getSize().getWidth() > 100 && canvas.getSize().getHeight() > 50, chart);
      }
      wait.until(d -> d.findElement(By.id("training-meta")).getText().contains("mult-vae-1"));
      wait.until(d -> d.findElement(By.id("pill-status")).getText().equals("live"));
      wait.until(d -> d.findElements(By.cssSelector("#models tbody tr")).size() >= 1);
      Path shot = Path.of("target", "dashboard.png");
      Files.createDirectories(shot.getParent());
      Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
      assertTrue(Files.size(shot) > 10_000);
    } finally {
      driver.quit();
    }
  }
}
