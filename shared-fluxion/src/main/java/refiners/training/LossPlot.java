package refiners.training;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** The loss curve as a PNG: every step's loss (light) and its moving average (dark) against the step. */
public final class LossPlot {
    private static final int W = 900, H = 500, LEFT = 80, RIGHT = 20, TOP = 40, BOTTOM = 50;

    private LossPlot() {}

    public static void write(Path file, List<LossLog.Row> rows, String title) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(title, LEFT, 24);
        g.drawRect(LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
        if (!rows.isEmpty()) {
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (LossLog.Row r : rows) {
                lo = Math.min(lo, r.loss());
                hi = Math.max(hi, r.loss());
            }
            if (hi - lo < 1e-12) {
                hi += 0.5;
                lo -= 0.5;
            }
            long first = rows.get(0).step(), last = Math.max(first + 1, rows.get(rows.size() - 1).step());
            Axis x = new Axis(first, last, LEFT, W - RIGHT), y = new Axis(lo, hi, H - BOTTOM, TOP);
            for (int i = 0; i <= 4; i++) {
                double v = lo + (hi - lo) * i / 4;
                int py = (int) y.map(v);
                g.setColor(new Color(230, 230, 230));
                g.drawLine(LEFT + 1, py, W - RIGHT - 1, py);
                g.setColor(Color.DARK_GRAY);
                g.drawString(String.format(Locale.ROOT, "%.4g", v), 8, py + 4);
                long sv = first + Math.round((last - first) * i / 4.0);
                g.drawString(Long.toString(sv), (int) x.map(sv) - 10, H - BOTTOM + 18);
            }
            g.drawString("step", W / 2, H - 12);
            g.drawString("loss", 8, TOP - 8);
            int window = Math.max(1, rows.size() / 20);
            g.setStroke(new BasicStroke(1f));
            g.setColor(new Color(150, 180, 230));
            g.draw(curve(rows, x, y, 1));
            g.setStroke(new BasicStroke(2f));
            g.setColor(new Color(20, 60, 160));
            g.draw(curve(rows, x, y, window));
        }
        g.dispose();
        try {
            ImageIO.write(img, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private record Axis(double from, double to, double pixelFrom, double pixelTo) {
        double map(double v) {
            return pixelFrom + (v - from) / (to - from) * (pixelTo - pixelFrom);
        }
    }

    /** The loss averaged over the previous {@code window} steps. */
    private static Path2D curve(List<LossLog.Row> rows, Axis x, Axis y, int window) {
        Path2D p = new Path2D.Double();
        double sum = 0;
        for (int i = 0; i < rows.size(); i++) {
            sum += rows.get(i).loss();
            if (i >= window) sum -= rows.get(i - window).loss();
            double v = sum / Math.min(i + 1, window);
            double px = x.map(rows.get(i).step()), py = y.map(v);
            if (i == 0) p.moveTo(px, py);
            else p.lineTo(px, py);
        }
        return p;
    }
}
