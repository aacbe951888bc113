package refiners.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** loss.csv: one row per step (step, iteration, epoch, loss, learning rate, timestep, seconds), kept across resumes. */
public final class LossLog {
    static final String HEADER = "step,iteration,epoch,loss,learning_rate,timestep,seconds";

    /** One step's row. */
    public record Row(long step, long iteration, long epoch, double loss, double learningRate, int timestep, double seconds) {
        String csv() {
            return String.format(Locale.ROOT, "%d,%d,%d,%.8g,%.8g,%d,%.4f", step, iteration, epoch, loss, learningRate, timestep, seconds);
        }

        static Row parse(String line) {
            String[] f = line.split(",");
            return new Row(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4]),
                    Integer.parseInt(f[5]), Double.parseDouble(f[6]));
        }
    }

    private final Path file;
    private final List<Row> rows = new ArrayList<>();

    /** Opens the log, keeping the rows of steps before {@code stepsDone} (a resumed run rewrites the rest). */
    public LossLog(Path file, long stepsDone) {
        this.file = file;
        try {
            if (stepsDone > 0 && Files.exists(file))
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8).stream().skip(1).toList()) {
                    Row r = Row.parse(line);
                    if (r.step() < stepsDone) rows.add(r);
                }
            StringBuilder s = new StringBuilder(HEADER).append('\n');
            for (Row r : rows) s.append(r.csv()).append('\n');
            Files.writeString(file, s, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public void add(Row r) {
        rows.add(r);
        try {
            Files.writeString(file, r.csv() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public List<Row> rows() {
        return rows;
    }

    public Path file() {
        return file;
    }
}
