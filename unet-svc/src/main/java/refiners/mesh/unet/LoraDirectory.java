package refiners.mesh.unet;

import io.grpc.Status;
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
import refiners.mesh.LoraNames;
import refiners.proto.unet.v1.LoraInfo;

/** The LoRA files of the configured directory, by name (see {@link LoraNames}), and which of them are loaded. */
@ApplicationScoped
public class LoraDirectory {
    @Inject
    UNetConfig config;

    private final Set<String> loaded = ConcurrentHashMap.newKeySet();

    public List<LoraInfo> list() {
        Optional<Path> dir = directory();
        if (dir.isEmpty() || !Files.isDirectory(dir.get())) return List.of();
        try (Stream<Path> files = Files.list(dir.get())) {
            return files.filter(p -> p.getFileName().toString().endsWith(LoraNames.SUFFIX) && Files.isRegularFile(p))
                    .map(p -> info(nameOf(p), p)).sorted((a, b) -> a.getName().compareTo(b.getName())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file of an existing LoRA. */
    public Path require(String name, String field) {
        return LoraNames.resolve(directory(), name, field);
    }

    public LoraInfo load(String name) {
        Path file = require(name, "name");
        // WIRE: parse and keep the LoRA through the shared-fluxion LoRA library (rank, UNet and text encoder layers).
        loaded.add(name);
        return info(name, file);
    }

    public void unload(String name) {
        LoraNames.check(name, "name");
        if (!loaded.remove(name)) throw Status.NOT_FOUND.withDescription("name: LoRA '" + name + "' is not loaded").asRuntimeException();
    }

    private LoraInfo info(String name, Path file) {
        try {
            return LoraInfo.newBuilder().setName(name).setLoaded(loaded.contains(name)).setSizeBytes(Files.size(file)).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Optional<Path> directory() {
        return LoraNames.directory(config.loraDir());
    }

    private static String nameOf(Path p) {
        String f = p.getFileName().toString();
        return f.substring(0, f.length() - LoraNames.SUFFIX.length());
    }
}
