package refiners.training;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.utils.Images;

/**
 * A training set as kohya and most LoRA trainers lay it out: a folder (and its subfolders) of images, each with a
 * caption file of the same name beside it ({@code cat.png} + {@code cat.txt}). Images are resized so their shorter
 * side is the training size, then center-cropped to a square.
 */
public final class CaptionedImageFolder {
    private static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    /** One image and its caption. */
    public record Item(Path image, String caption) {}

    private CaptionedImageFolder() {}

    /** Every image under the folder (sorted by path) with its caption; an image without a caption is an error naming it. */
    public static List<Item> read(Path folder, String captionExtension) {
        if (!Files.isDirectory(folder)) throw new IllegalArgumentException("dataset.folder " + folder + " is not a folder");
        List<Path> images;
        try (Stream<Path> s = Files.walk(folder)) {
            images = s.filter(Files::isRegularFile).filter(CaptionedImageFolder::isImage).sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list dataset.folder " + folder + ": " + e.getMessage(), e);
        }
        if (images.isEmpty()) throw new IllegalArgumentException("dataset.folder " + folder + " holds no image (" + String.join(", ", IMAGE_EXTENSIONS) + ")");
        List<Item> items = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Path image : images) {
            String name = image.getFileName().toString();
            Path caption = image.resolveSibling(name.substring(0, name.lastIndexOf('.')) + captionExtension);
            if (!Files.isRegularFile(caption)) {
                missing.add(folder.relativize(image).toString());
                continue;
            }
            try {
                items.add(new Item(image, Files.readString(caption, StandardCharsets.UTF_8).strip()));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read caption " + caption + ": " + e.getMessage(), e);
            }
        }
        if (!missing.isEmpty()) throw new IllegalArgumentException(missing.size() + " image(s) in " + folder + " have no " + captionExtension + " caption beside them: "
                + String.join(", ", missing.subList(0, Math.min(5, missing.size()))) + (missing.size() > 5 ? ", ..." : ""));
        return items;
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return IMAGE_EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    /** The image as a (1, 3, size, size) tensor in [-1, 1]: shorter side scaled to size, center crop. */
    public static Tensor load(Path image, int size) {
        BufferedImage src;
        try {
            src = ImageIO.read(image.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read image " + image + ": " + e.getMessage(), e);
        }
        if (src == null) throw new IllegalArgumentException("not a readable image: " + image);
        double scale = size / (double) Math.min(src.getWidth(), src.getHeight());
        int w = Math.max(size, (int) Math.round(src.getWidth() * scale)), h = Math.max(size, (int) Math.round(src.getHeight() * scale));
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        // Area averaging first when shrinking a lot: bicubic alone aliases.
        java.awt.Image scaled = scale < 0.5 ? src.getScaledInstance(w, h, java.awt.Image.SCALE_AREA_AVERAGING) : src;
        g.drawImage(scaled, -(w - size) / 2, -(h - size) / 2, w, h, null);
        g.dispose();
        return Images.autoencoderInput(Images.rgb(out));
    }
}
