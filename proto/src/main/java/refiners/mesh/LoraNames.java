package refiners.mesh;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import refiners.conversion.ConversionException;
import refiners.foundationals.latent_diffusion.InvalidRequestException;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;

/**
 * LoRA names as the mesh accepts them: plain file names (NAME.safetensors) inside one configured directory. Path
 * separators, '..', absolute names and control characters are INVALID_ARGUMENT, so no name reaches outside the
 * directory; a name without a file is NOT_FOUND.
 */
public final class LoraNames {
    public static final String SUFFIX = ".safetensors";

    private LoraNames() {}

    public static void check(String name, String field) {
        if (name == null || name.isEmpty()) throw invalid(field, "", "is empty");
        if (name.contains("/") || name.contains("\\")) throw invalid(field, name, "must be a plain name, without path separators");
        if (name.contains("..")) throw invalid(field, name, "must not contain '..'");
        if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == ':')) throw invalid(field, name, "must not contain control characters or ':'");
        if (name.startsWith("~") || Path.of(name).isAbsolute()) throw invalid(field, name, "must not be an absolute path");
    }

    /** The file of an existing LoRA in {@code directory} (empty: none configured). */
    public static Path resolve(Optional<Path> directory, String name, String field) {
        check(name, field);
        if (directory.isEmpty()) throw notFound(field, name, "no LoRA directory is configured (refiners.lora-dir / REFINERS_LORA_DIR)");
        Path dir = directory.get().toAbsolutePath().normalize();
        Path file = dir.resolve(name + SUFFIX).normalize();
        if (!dir.equals(file.getParent())) throw invalid(field, name, "resolves outside the LoRA directory");
        if (!Files.isRegularFile(file)) throw notFound(field, name, "no " + name + SUFFIX + " in the LoRA directory");
        return file;
    }

    /** The configured directory, if any (a blank setting means none). */
    public static Optional<Path> directory(Optional<String> setting) {
        return setting.filter(s -> !s.isBlank()).map(s -> Path.of(s).toAbsolutePath().normalize());
    }

    /**
     * The LoRA library's failures as gRPC statuses: an unknown name is NOT_FOUND, a refused name INVALID_ARGUMENT, a
     * file that is no usable SD 1.x LoRA FAILED_PRECONDITION; anything else is returned as it is.
     */
    public static RuntimeException asStatus(RuntimeException e) {
        if (e instanceof StatusRuntimeException) return e;
        if (e instanceof LoraLibrary.LoraNotFoundException) return Status.NOT_FOUND.withDescription("loras: " + e.getMessage()).asRuntimeException();
        if (e instanceof InvalidRequestException) return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        if (e instanceof ConversionException) return Status.FAILED_PRECONDITION.withDescription("loras: not a usable LoRA file: " + e.getMessage()).asRuntimeException();
        return e;
    }

    private static StatusRuntimeException invalid(String field, String name, String why) {
        return Status.INVALID_ARGUMENT.withDescription(field + ": LoRA name '" + name + "' " + why).asRuntimeException();
    }

    private static StatusRuntimeException notFound(String field, String name, String why) {
        return Status.NOT_FOUND.withDescription(field + ": unknown LoRA '" + name + "': " + why).asRuntimeException();
    }
}
