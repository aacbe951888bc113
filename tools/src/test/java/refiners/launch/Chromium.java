package refiners.launch;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium for the browser tests: Debian's chromium and chromium-driver (.ci/run installs them), found on the
 * PATH. Missing, the test fails saying so (never skipped: a skip would pass CI without the page ever tested), and
 * Selenium Manager is never asked to download a browser.
 */
final class Chromium {
    private Chromium() {}

    static ChromeDriver start(int width, int height) {
        Path browser = onPath("chromium", "chromium-browser", "google-chrome");
        Path driver = onPath("chromedriver");
        ChromeOptions options = new ChromeOptions()
                .setBinary(browser.toFile())
                // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start; /dev/shm is small in containers
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars",
                        "--window-size=" + width + "," + height);
        return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).build(), options);
    }

    private static Path onPath(String... names) {
        Optional<Path> found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .flatMap(dir -> Stream.of(names).map(n -> Path.of(dir, n)))
                .filter(Files::isExecutable).findFirst();
        if (found.isEmpty())
            fail("the browser test needs headless Chromium: " + String.join(" or ", names) + " not found on the PATH"
                    + " (Debian: apt-get install chromium chromium-driver; .ci/run installs them)");
        return found.get();
    }
}
