package refiners.conversion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import refiners.fluxion.InvalidRequestException;
import refiners.fluxion.safetensors.SafeTensorsException;

/**
 * A directory of weight files found by name, NAME.safetensors (LoRAs, ControlNets). The one name rule of the
 * project: letters, digits, '.', '_', '-', '+', at most 128, starting with a letter or digit, no "..": a name is a
 * plain file name and cannot leave the directory. A file whose real path (symbolic links resolved) is outside the
 * directory is refused as well. Messages name the file by its name only, never by its server path.
 */
public final class WeightsDirectory {
    private static final Logger LOG = Logger.getLogger(WeightsDirectory.class.getName());
    public static final String SUFFIX = ".safetensors";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");

    /** A well-formed name that no file of the directory has. */
    public static final class NotFoundException extends RuntimeException {
        public NotFoundException(String message) {
            super(message);
        }
    }

    /**
     * A file of the directory that exists but cannot be used (truncated, not safetensors, made for another model ...).
     * The message names it by its name and says why; the server path is only in the cause (logged, never answered).
     */
    public static final class UnusableFileException extends RuntimeException {
        public UnusableFileException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path dir;
    private final String what;

    /** @param what what the files are, for messages ("LoRA", "ControlNet") */
    public WeightsDirectory(Path dir, String what) {
        this.dir = dir.toAbsolutePath().normalize();
        this.what = what;
    }

    public Path path() {
        return dir;
    }

    /** Refuses a name that is not a plain file name (InvalidRequestException naming {@code field}). */
    public void checkName(String name, String field) {
        checkName(name, field, what);
    }

    /** The name rule, for a service that has no such directory configured (the name is still checked first). */
    public static void checkName(String name, String field, String what) {
        if (name == null || name.isEmpty()) throw new InvalidRequestException(field, "is empty");
        if (!NAME.matcher(name).matches() || name.contains(".."))
            throw new InvalidRequestException(field, "invalid " + what + " name '" + printable(name) + "' (letters, digits, '.', '_', '-', '+'; no path)");
    }

    /** The file of an existing name: NotFoundException when there is none, InvalidRequestException when it escapes. */
    public Path file(String name, String field) {
        checkName(name, field);
        Path f = dir.resolve(name + SUFFIX);
        if (!Files.isRegularFile(f)) throw new NotFoundException(field + ": no " + what + " named '" + name + "' in the " + what + " directory");
        if (!inside(f)) throw new InvalidRequestException(field, what + " '" + name + "' links outside the " + what + " directory");
        return f;
    }

    /**
     * The file of {@code name} in {@code dir}, a directory that may not be configured (null): then a well-formed name
     * is a NotFoundException saying which {@code setting} configures one (the caller's name for it; null: none named).
     */
    public static Path require(WeightsDirectory dir, String name, String field, String what, String setting) {
        if (dir != null) return dir.file(name, field);
        checkName(name, field, what);
        throw new NotFoundException(field + ": unknown " + what + " '" + name + "': no " + what + " directory is configured"
                + (setting == null ? "" : " (" + setting + ")"));
    }

    /**
     * Reads the file of a name with {@code reader}. What the reader refuses (SafeTensorsException, ConversionException:
     * their messages carry the file's path) becomes an UnusableFileException naming {@code field} and the file by its
     * name only; the original, path included, goes to the server log. A file for the other model family
     * (OtherFamilyException) is the request's mistake: an InvalidRequestException naming {@code field}.
     */
    public <T> T read(String name, String field, Function<Path, T> reader) {
        Path f = file(name, field);
        try {
            return reader.apply(f);
        } catch (SafeTensorsException | ConversionException e) {
            String why = e.getMessage().replace(f + ": ", "").replace(f.toString(), name + SUFFIX).replace(dir.toString(), what + " directory");
            if (e instanceof OtherFamilyException) { // the file is sound: the request named it for the wrong model
                InvalidRequestException refused = new InvalidRequestException(field, what + " '" + name + "' is not for this model: " + why);
                refused.initCause(e);
                throw refused;
            }
            LOG.log(Level.WARNING, what + " '" + name + "' cannot be used", e);
            throw new UnusableFileException(field + ": " + what + " '" + name + "' cannot be used: " + why, e);
        }
    }

    /** Names of the usable files, sorted (links that lead outside the directory are left out). */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String fn = f.getFileName().toString();
                String name = fn.endsWith(SUFFIX) ? fn.substring(0, fn.length() - SUFFIX.length()) : "";
                if (NAME.matcher(name).matches() && !name.contains("..") && Files.isRegularFile(f) && inside(f)) out.add(name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private boolean inside(Path f) {
        try {
            return f.toRealPath().getParent().equals(dir.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(64).forEach(c -> b.append(c < 0x20 || c == 0x7f ? '?' : Character.toString(c)));
        return b.toString();
    }
}
