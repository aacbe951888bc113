package refiners.mesh.unet;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import refiners.proto.unet.v1.LoraInfo;

/**
 * LoRA files by name (NAME.safetensors) in the configured directory. A name is a plain file name: separators, '..',
 * absolute names and control characters are refused (INVALID_ARGUMENT), so no name reaches outside the directory; an
 * absent file is NOT_FOUND.
 */
@ApplicationScoped
public class LoraDirectory {
    static final String SUFFIX = ".safetensors";

    @Inject
    UNetConfig config;

    private final Set<String> loaded = ConcurrentHashMap.newKeySet();

    public List<LoraInfo> list() {
        Optional<Path> dir = directory();
        if (dir.isEmpty() || !Files.isDirectory(dir.get())) return List.of();
        try (Stream<Path> files = Files.list(dir.get())) {
            return files.filter(p -> p.getFileName().toString().endsWith(SUFFIX) && Files.isRegularFile(p))
                    .map(p -> info(nameOf(p), p)).sorted((a, b) -> a.getName().compareTo(b.getName())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file of an existing LoRA. */
    public Path require(String name, String field) {
        checkName(name, field);
        Optional<Path> dir = directory();
        if (dir.isEmpty()) throw notFound(field, name, "no LoRA directory is configured (refiners.lora-dir)");
        Path file = dir.get().resolve(name + SUFFIX).normalize();
        if (!file.getParent().equals(dir.get())) throw invalid(field, name, "resolves outside the LoRA directory");
        if (!Files.isRegularFile(file)) throw notFound(field, name, "no " + name + SUFFIX + " in the LoRA directory");
        return file;
    }

    public LoraInfo load(String name) {
        Path file = require(name, "name");
        // WIRE: parse and keep the LoRA through the shared-fluxion LoRA library (rank, UNet and text encoder layers).
        loaded.add(name);
        return info(name, file);
    }

    public void unload(String name) {
        checkName(name, "name");
        if (!loaded.remove(name)) throw notFound("name", name, "is not loaded");
    }

    private LoraInfo info(String name, Path file) {
        try {
            return LoraInfo.newBuilder().setName(name).setLoaded(loaded.contains(name)).setSizeBytes(Files.size(file)).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Optional<Path> directory() {
        return config.loraDir().filter(s -> !s.isBlank()).map(s -> Path.of(s).toAbsolutePath().normalize());
    }

    private static String nameOf(Path p) {
        String f = p.getFileName().toString();
        return f.substring(0, f.length() - SUFFIX.length());
    }

    static void checkName(String name, String field) {
        if (name == null || name.isEmpty()) throw invalid(field, "", "is empty");
        if (name.contains("/") || name.contains("\\")) throw invalid(field, name, "must be a plain name, without path separators");
        if (name.contains("..")) throw invalid(field, name, "must not contain '..'");
        if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == ':')) throw invalid(field, name, "must not contain control characters or ':'");
        if (name.startsWith("~") || Path.of(name).isAbsolute()) throw invalid(field, name, "must not be an absolute path");
    }

    private static StatusRuntimeException invalid(String field, String name, String why) {
        return Status.INVALID_ARGUMENT.withDescription(field + ": LoRA name '" + name + "' " + why).asRuntimeException();
    }

    private static StatusRuntimeException notFound(String field, String name, String why) {
        return Status.NOT_FOUND.withDescription(field + ": unknown LoRA '" + name + "': " + why).asRuntimeException();
    }
}
