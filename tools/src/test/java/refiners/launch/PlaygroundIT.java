package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The playground (the orchestrator's page at /) in headless Chromium, on the shared mesh (detinit weights, the LoRA
 * "style", the inpainting UNet, the ControlNet "edges"): a generation shows its progress events and previews and then
 * its images, a mask painted on an init image inpaints, a picked LoRA goes into the request, the Canny preview is the
 * server's edges, and a refused field shows its message next to it. Screenshots: tools/target/playground-*.png.
 * 64² and 3 steps: the page is under test, not the model (64², the size of unet-svc's warm-up and of the other tests on
 * the shared mesh, makes the mesh compile no session of another latent size).
 */
@Order(SharedMesh.ORDER)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlaygroundIT {
    private static final int STEPS = 3, SIZE = 64;
    private static final Duration GENERATION = Duration.ofMinutes(5);
    private ChromeDriver browser;
    private String page;

    @BeforeAll
    void start() throws Exception {
        browser = Chromium.start(1280, 860); // first: a missing browser fails before the mesh starts
        page = SharedMesh.get().mesh.httpUrl(MeshService.ORCHESTRATOR) + "/";
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.quit();
    }

    @BeforeEach
    void open() {
        browser.get(page);
        // the listings have arrived: the solvers, the model, the LoRAs and the ControlNets fill the form
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> !new Select(d.findElement(By.id("solver"))).getOptions().isEmpty()
                && !d.findElement(By.id("model")).getText().isEmpty() && !d.findElements(By.cssSelector(".lora[data-name=style]")).isEmpty()
                && new Select(d.findElement(By.id("controlnet-name"))).getOptions().size() > 1);
    }

    @AfterEach
    void screenshot(TestInfo test) throws Exception {
        Path target = Path.of("target", "playground-" + test.getTestMethod().orElseThrow().getName() + ".png");
        Files.write(target, browser.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void aGenerationShowsItsProgressThenItsImages() throws Exception {
        fill("prompt", "a lighthouse on a cliff at dusk, oil painting");
        fill("negative_prompt", "blurry");
        small();
        fill("num_images", "2");
        browser.findElement(By.id("generate")).click();
        List<WebElement> images = waitForResults(2);
        WebElement progress = browser.findElement(By.id("progress"));
        // one progress event per step and image, each with a preview (preview_every 1 at 3 steps)
        assertEquals(String.valueOf(2 * STEPS), progress.getDomAttribute("data-events"));
        assertEquals(String.valueOf(2 * STEPS), progress.getDomAttribute("data-previews"));
        for (WebElement img : images) assertEquals(SIZE, naturalWidth(img));

        WebElement entry = browser.findElement(By.cssSelector("#history li"));
        String seed = images.get(0).getDomAttribute("alt").replace("seed ", "");
        assertTrue(entry.getText().contains("seed " + seed), entry.getText());
        entry.findElement(By.className("copy-curl")).click();
        String curl = entry.findElement(By.className("command")).getText();
        assertTrue(curl.contains("/v1/images") && curl.matches("(?s).*\"seed\":" + seed + "\\D.*") && curl.contains("\"num_images\":2"), curl);
        // the command, run, answers the page's images: same request, same seeds, same pixels
        JsonNode answer = new ObjectMapper().readTree(run(curl));
        for (int i = 0; i < 2; i++)
            assertEquals(images.get(i).getDomAttribute("src").replace("data:image/png;base64,", ""), answer.get("images").get(i).get("png").asText());
        entry.findElement(By.className("copy-grpcurl")).click();
        assertTrue(entry.findElement(By.className("command")).getText().contains("refiners.orchestrator.v1.Orchestrator/Generate"));
    }

    @Test
    void aMaskPaintedOnTheInitImageInpaints() throws Exception {
        fill("prompt", "a red sofa");
        small();
        browser.findElement(By.cssSelector("#img2img-box summary")).click();
        browser.findElement(By.id("init_image")).sendKeys(picture("room.png").toString());
        WebElement canvas = browser.findElement(By.id("mask-canvas"));
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOf(canvas));
        js("arguments[0].scrollIntoView({block: 'center'})", canvas); // the pointer must reach it
        new Actions(browser).moveToElement(canvas, -40, -10).clickAndHold().moveByOffset(120, 0).moveByOffset(0, 80).release().perform();
        double painted = ((Number) js("""
                const c = document.getElementById('mask-canvas'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] >= 128) n++;
                return n / (c.width * c.height);""")).doubleValue();
        assertTrue(painted > 0.01 && painted < 0.9, "the brush painted part of the mask: " + painted);
        browser.findElement(By.id("generate")).click();
        assertEquals(SIZE, naturalWidth(waitForResults(1).get(0)));
        assertTrue(browser.findElement(By.cssSelector("#history li .params")).getText().contains("inpainting"));
    }

    @Test
    void aPickedLoraGoesIntoTheRequest() {
        fill("prompt", "a castle");
        small();
        pickStyle("0.8");
        browser.findElement(By.id("generate")).click();
        waitForResults(1);
        assertTrue(browser.findElement(By.cssSelector("#history li .params")).getText().contains("LoRA style 0.8"));
    }

    @Test
    void theCannyPreviewShowsTheServersEdgesAtTheRequestSize() throws Exception {
        small();
        browser.findElement(By.cssSelector("#controlnet-box summary")).click();
        browser.findElement(By.id("controlnet-image")).sendKeys(picture("sketch.png").toString());
        WebElement preview = browser.findElement(By.id("controlnet-preview"));
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> naturalWidth(preview) > 0);
        assertEquals(SIZE, naturalWidth(preview));
        assertEquals("edges", new Select(browser.findElement(By.id("controlnet-name"))).getFirstSelectedOption().getText());
        // Canny edges: white on black, nothing in between, some of each
        String levels = (String) js("""
                const img = document.getElementById('controlnet-preview'), c = document.createElement('canvas');
                c.width = img.naturalWidth; c.height = img.naturalHeight;
                const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                const d = g.getImageData(0, 0, c.width, c.height).data; const seen = new Set();
                for (let i = 0; i < d.length; i += 4) seen.add(d[i]);
                return [...seen].sort((a, b) => a - b).join(',');""");
        assertEquals("0,255", levels);
    }

    @Test
    void aRefusedFieldShowsItsMessageNextToIt() {
        fill("prompt", "a castle");
        small();
        fill("steps", "0");
        browser.findElement(By.id("generate")).click();
        WebElement error = browser.findElement(By.cssSelector("#steps + .error"));
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> error.isDisplayed() && !error.getText().isEmpty());
        assertTrue(error.getText().startsWith("steps: "), error.getText());
        assertEquals("true", browser.findElement(By.id("steps")).getDomAttribute("aria-invalid"));
        assertTrue(!browser.findElement(By.id("form-error")).isDisplayed(), "the message is at its field, not in the banner");

        // an indexed field: the LoRA's own row
        fill("steps", String.valueOf(STEPS));
        WebElement row = pickStyle("20");
        browser.findElement(By.id("generate")).click();
        WebElement loraError = row.findElement(By.className("error"));
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> loraError.isDisplayed());
        assertTrue(loraError.getText().contains("loras[0].scale: "), loraError.getText());
    }

    /** Ticks the LoRA "style" at this scale; its row. */
    private WebElement pickStyle(String scale) {
        browser.findElement(By.cssSelector("#lora-box summary")).click();
        WebElement row = browser.findElement(By.cssSelector(".lora[data-name=style]"));
        row.findElement(By.cssSelector("input[type=checkbox]")).click();
        WebElement field = row.findElement(By.cssSelector("input[type=number]"));
        field.clear();
        field.sendKeys(scale);
        return row;
    }

    private void small() {
        fill("width", String.valueOf(SIZE));
        fill("height", String.valueOf(SIZE));
        fill("steps", String.valueOf(STEPS));
        fill("seed", "7");
    }

    private void fill(String id, String text) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(text);
    }

    private List<WebElement> waitForResults(int count) {
        return new WebDriverWait(browser, GENERATION).until(d -> {
            for (WebElement error : d.findElements(By.cssSelector("form .error")))
                if (error.isDisplayed()) throw new AssertionError("refused: " + error.getText());
            List<WebElement> done = d.findElements(By.cssSelector("#images img.result"));
            return done.size() == count && d.findElement(By.id("generate")).isEnabled() ? done : null;
        });
    }

    private static String run(String command) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), command);
        return out;
    }

    private long naturalWidth(WebElement img) {
        return ((Number) js("return arguments[0].naturalWidth", img)).longValue();
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** A picture with shapes (edges for Canny), written under target/. */
    private static Path picture(String name) throws Exception {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(new java.awt.Color(0x4a6fa5));
        g.fillRect(0, 0, SIZE, SIZE);
        g.setColor(new java.awt.Color(0xe8d8b0));
        g.fillRect(SIZE / 4, SIZE / 2, SIZE / 2, SIZE / 3);
        g.fillOval(SIZE / 8, SIZE / 8, SIZE / 4, SIZE / 4);
        g.dispose();
        Path file = Path.of("target", name).toAbsolutePath();
        ImageIO.write(img, "png", file.toFile());
        return file;
    }
}
